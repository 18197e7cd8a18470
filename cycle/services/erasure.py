"""The loop's part of a customer's erasure (registered in ``customers.erasure.erasers``).

The plan, its objectives and people, the rollups and the loop's runs hold no customer's data: their figures are
counts. A run that failed records its error, and a database error can quote the row it stopped at: such an error
is blanked when it names the customer. The rollups are left as they are — an erasure changes no figure.
"""

from django.utils.translation import gettext_lazy as _

from customers.erasure import Counts, ErasureSubject
from cycle.models import LoopRun

LABELS = {"cycle.loop_errors": _("errors of the loop's runs quoting them")}


def erase_cycle(subject: ErasureSubject) -> Counts:
    quoting = [
        pk for pk, error in LoopRun.objects.exclude(error="").values_list("pk", "error") if subject.mentions(error)
    ]
    return {"cycle.loop_errors": LoopRun.objects.filter(pk__in=quoting).update(error="")}
