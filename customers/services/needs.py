"""The needs board: what a marketer decides about a need."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Need, NeedStatus

# Where a need may go from where it is. Planned needs point at an objective; closing is always possible.
NEED_TRANSITIONS: dict[str, set[str]] = {
    NeedStatus.OPEN: {NeedStatus.ACCEPTED, NeedStatus.PLANNED, NeedStatus.CLOSED},
    NeedStatus.ACCEPTED: {NeedStatus.PLANNED, NeedStatus.CLOSED, NeedStatus.OPEN},
    NeedStatus.PLANNED: {NeedStatus.CLOSED},
    NeedStatus.CLOSED: {NeedStatus.OPEN},
}


@transaction.atomic
def need_set_status(*, need: Need, status: str) -> bool:
    """Accept, close or reopen a need; the same status again is a no-op. Return True when it moved."""
    need = Need.objects.select_for_update().get(pk=need.pk)
    if need.status == status:
        return False
    if status == NeedStatus.PLANNED:
        raise ValidationError(_("A need is planned by turning it into an objective."))
    if status not in NEED_TRANSITIONS.get(need.status, set()):
        raise ValidationError(_("A need cannot go from “%(from)s” to “%(to)s”.") % {"from": need.status, "to": status})
    need.status = status
    need.full_clean()
    need.save(update_fields=["status", "updated_at"])
    return True


@transaction.atomic
def need_link_objective(*, need: Need, objective_id: int) -> Need:
    """Record that a need became a plan objective (called by the plan when it creates the objective)."""
    need = Need.objects.select_for_update().get(pk=need.pk)
    if need.status not in (NeedStatus.OPEN, NeedStatus.ACCEPTED) and need.objective_id != objective_id:
        raise ValidationError(_("Only an open or accepted need can become an objective."))
    need.objective_id = objective_id
    need.status = NeedStatus.PLANNED
    need.save(update_fields=["objective", "status", "updated_at"])
    return need
