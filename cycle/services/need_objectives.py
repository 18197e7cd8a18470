"""From the needs board to the plan: a need customers keep expressing becomes an objective of the plan.

Preparation owns the needs but may not import the plan; the plan may import preparation. So the objective is
created here and the need is linked through preparation's own service, ``customers.services.need_link_objective``.
The needs board's action "Turn the selected needs into plan objectives" (``cycle/admin.py``) calls
:func:`need_turn_into_objective`.
"""

from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from customers.models import Need, NeedSource, NeedStatus
from customers.services import need_link_objective
from cycle.models import MarketingPlan, Objective, PlanStatus


def _motivation(need: Need) -> str:
    heard = dict(need.mentions.order_by().values_list("source").annotate(n=Count("pk")))
    sources = ", ".join(f"{NeedSource(source).label}: {count}" for source, count in sorted(heard.items()))
    text = _("Customers expressed this %(kind)s %(count)d times (%(sources)s).") % {
        "kind": need.get_kind_display().lower(),
        "count": need.mention_count,
        "sources": sources or "—",
    }
    if need.product_id:
        text += " " + _("Product: %(product)s.") % {"product": need.product}
    return text


@transaction.atomic
def need_turn_into_objective(
    *,
    need: Need,
    plan: MarketingPlan,
    kpi: str,
    target: Decimal,
    by: User | AnonymousUser | None = None,
    title: str = "",
) -> Objective:
    """Create the plan objective answering ``need`` and mark the need planned; a planned need is refused."""
    need = Need.objects.select_for_update().get(pk=need.pk)
    if need.status not in (NeedStatus.OPEN, NeedStatus.ACCEPTED):
        raise ValidationError(_("Only an open or accepted need can become an objective."))
    if plan.status == PlanStatus.CLOSED:
        raise ValidationError(_("A closed plan takes no new objectives."))
    last = plan.objectives.order_by("-position").values_list("position", flat=True).first() or 0
    objective = Objective(
        plan=plan,
        title=(title or need.title)[:255],
        motivation=_motivation(need),
        kpi=kpi,
        target=target,
        position=last + 1,
    )
    objective.full_clean()
    objective.save()
    need_link_objective(need=need, objective_id=objective.pk)
    return objective
