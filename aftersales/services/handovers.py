"""Handing tickets to a department with a due date, and the report back (the steps are preparation's own:
``customers.services.departments``)."""

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.models import Ticket, TicketHandover
from customers.models import Department
from customers.services.departments import handover_finish, handover_save

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _what(ticket: Ticket) -> str:
    return _("ticket #%(id)s “%(subject)s”") % {"id": ticket.pk, "subject": ticket.subject}


@transaction.atomic
def ticket_hand_over(
    *, ticket: Ticket, department: Department, due_on: dt.date, by: "User | None" = None, note: str = ""
) -> TicketHandover:
    """Hand a ticket to a department, due on ``due_on``; a ticket is with one department at a time."""
    handover = TicketHandover(
        ticket=ticket,
        department=department,
        due_on=due_on,
        note=note,
        handed_by=by if getattr(by, "is_authenticated", False) else None,
    )
    return handover_save(handover, what=_what(ticket), url=reverse("admin:aftersales_ticket_change", args=[ticket.pk]))


@transaction.atomic
def ticket_handover_done(*, handover: TicketHandover, by: "User | None" = None, outcome: str = "") -> bool:
    """The department reports back: the ticket's assignee and whoever handed it over are told."""
    ticket = handover.ticket
    return handover_finish(
        handover, by=by, outcome=outcome, what=_what(ticket), tell=[ticket.assigned_to, handover.handed_by]
    )
