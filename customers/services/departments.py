"""Handing needs to a department with a due date, and the report back when it is done.

The steps every handover shares (checks, the record of who and when, the staff notified) are written here once;
after-sales hands tickets over through the same functions (``aftersales.services.handovers``).
"""

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Department, HandoverBase, Need, NeedHandover

if TYPE_CHECKING:
    from django.contrib.auth.models import User

H = TypeVar("H", bound=HandoverBase)


def handover_check_due(due_on: dt.date | None, *, today: dt.date | None = None) -> None:
    if due_on is None:
        raise ValidationError({"due_on": _("Give the day it is due.")})
    if due_on < (today or timezone.localdate()):
        raise ValidationError({"due_on": _("The due day cannot be in the past.")})


def _send(subject: str, body: str, recipients: Iterable[str]) -> None:
    to = sorted({address for address in recipients if address})
    if to:
        transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to, fail_silently=True))


def department_addresses(department: Department) -> list[str]:
    """The department's own address and its members' (one query)."""
    members = department.members.filter(is_active=True).exclude(email="").values_list("email", flat=True)
    return [department.email, *members]


def handover_save(handover: H, *, what: str, url: str) -> H:
    """Check and store a new handover, and tell the department (after commit)."""
    handover_check_due(handover.due_on)
    handover.full_clean()
    handover.save()
    body = _("%(what)s was handed to %(department)s, due on %(due)s.\n%(note)s\n%(url)s") % {
        "what": what,
        "department": handover.department,
        "due": handover.due_on.isoformat(),
        "note": handover.note,
        "url": settings.SITE_URL.rstrip("/") + url,
    }
    _send(
        _("Handed to %(department)s: %(what)s") % {"department": handover.department, "what": what},
        body,
        department_addresses(handover.department),
    )
    return handover


def handover_finish(handover: H, *, by: "User | None", outcome: str, what: str, tell: Iterable[Any]) -> bool:
    """Mark an open handover done (who, when, what was done) and tell ``tell`` (users: whoever handed it over, the
    ticket's assignee…). Done already: nothing changes, False."""
    locked = type(handover)._default_manager.select_for_update().get(pk=handover.pk)
    if locked.done_at is not None:
        return False
    handover.done_at = timezone.now()
    handover.done_by = by if getattr(by, "is_authenticated", False) else None
    handover.outcome = outcome
    handover.save(update_fields=["done_at", "done_by", "outcome"])
    body = _("%(department)s has done what was asked about %(what)s.\n%(outcome)s") % {
        "department": handover.department,
        "what": what,
        "outcome": outcome,
    }
    _send(
        _("Done by %(department)s: %(what)s") % {"department": handover.department, "what": what},
        body,
        [getattr(user, "email", "") for user in tell if user is not None],
    )
    return True


@transaction.atomic
def need_hand_over(
    *, need: Need, department: Department, due_on: dt.date, by: "User | None" = None, note: str = ""
) -> NeedHandover:
    """Hand a need to a department, due on ``due_on``; a need is with one department at a time."""
    handover = NeedHandover(
        need=need,
        department=department,
        due_on=due_on,
        note=note,
        handed_by=by if getattr(by, "is_authenticated", False) else None,
    )
    return handover_save(handover, what=str(need), url=reverse("admin:customers_need_change", args=[need.pk]))


@transaction.atomic
def need_handover_done(*, handover: NeedHandover, by: "User | None" = None, outcome: str = "") -> bool:
    """The department reports back: the need's handover is done; whoever handed it over is told."""
    return handover_finish(handover, by=by, outcome=outcome, what=str(handover.need), tell=[handover.handed_by])
