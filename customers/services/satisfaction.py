"""Each customer's satisfaction, last NPS answer and at-risk / referral flags, as the after-sales stage rates them.

After-sales owns the survey answers and the bands that read them (``aftersales.models``); it computes the
figures (``aftersales.selectors.satisfaction_scores``) and preparation writes them here, as plain values.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from customers.models import Customer

_FIELDS = ("satisfaction", "last_nps", "at_risk", "referral_candidate")


@dataclass(frozen=True)
class SatisfactionScores:
    """One customer's figures: the CSAT average and last NPS answer (None when never answered) and the flags."""

    customer_id: int
    satisfaction: Decimal | None
    last_nps: int | None
    at_risk: bool
    referral_candidate: bool

    def values(self) -> tuple[Decimal | None, int | None, bool, bool]:
        return (self.satisfaction, self.last_nps, self.at_risk, self.referral_candidate)


@transaction.atomic
def customers_set_satisfaction(*, scores: Iterable[SatisfactionScores], batch_size: int = 1000) -> int:
    """Write the figures of the customers that changed; return how many did.

    Set-based: one read of the current figures, then one ``UPDATE … CASE`` per ``batch_size`` changed customers.
    """
    fresh = {s.customer_id: s for s in scores}
    if not fresh:
        return 0
    current = Customer.objects.filter(pk__in=list(fresh)).order_by().values_list("pk", *_FIELDS)
    changed = []
    for pk, *old in current:
        new = fresh[pk]
        if tuple(old) != new.values():
            changed.append(
                Customer(
                    pk=pk,
                    satisfaction=new.satisfaction,
                    last_nps=new.last_nps,
                    at_risk=new.at_risk,
                    referral_candidate=new.referral_candidate,
                )
            )
    Customer.objects.bulk_update(changed, list(_FIELDS), batch_size=batch_size)
    return len(changed)
