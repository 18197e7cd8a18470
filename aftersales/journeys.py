"""What after-sales gives journeys: a survey answered (with a score condition) and tickets opened or closed as
triggers, and an action that opens a ticket for the staff to call the customer (registered in its ready())."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from aftersales.events import SURVEY_ANSWERED, TICKET_CLOSED, TICKET_OPENED
from aftersales.models import MessageAuthor, TicketChannel
from campaigns.journeys.registry import ActionSpec, Params, TriggerSpec, register_action, register_trigger
from customers.models import Customer


def _score_matches(params: Params, payload: Mapping[str, Any]) -> bool:
    """``nps_at_most`` / ``csat_at_most``: an unhappy answer (either, when both are given)."""
    limits = [
        (name, float(params[key]))
        for name, key in (("nps", "nps_at_most"), ("csat", "csat_at_most"))
        if params.get(key) not in (None, "")
    ]
    if not limits:
        return True
    return any(payload.get(name) is not None and float(payload[name]) <= limit for name, limit in limits)


def _ticket_open(params: Params, batch: "QuerySet[Any]", step: Any, now: dt.datetime) -> int:
    """A ticket per customer reaching the step, for the staff to follow up. Each ticket is a conversation of its
    own, so they are opened one by one through the ticket service (in the tick's transaction: a batch rolled back
    opens none), reading the batch in keyset pages."""
    from aftersales.services.feedback import ticket_create

    opened = 0
    last = 0
    subject = str(params.get("subject") or _("Follow up with the customer"))
    while True:
        rows = list(batch.filter(id__gt=last).order_by("id").values_list("id", "customer_id")[:500])
        if not rows:
            return opened
        last = rows[-1][0]
        customers = Customer.objects.in_bulk([customer for _id, customer in rows])
        for _id, customer in rows:
            ticket_create(
                subject=subject,
                body=str(params.get("body") or subject),
                channel=TicketChannel.PHONE,
                customer=customers[customer],
                author_kind=MessageAuthor.SYSTEM,
                acknowledge=False,
            )
            opened += 1


def register() -> None:
    register_trigger(SURVEY_ANSWERED, TriggerSpec(_("Survey answered"), event=SURVEY_ANSWERED, matches=_score_matches))
    register_trigger(TICKET_OPENED, TriggerSpec(_("Ticket opened"), event=TICKET_OPENED))
    register_trigger(TICKET_CLOSED, TriggerSpec(_("Ticket closed"), event=TICKET_CLOSED))
    register_action("ticket_open", ActionSpec(_("Open a ticket for the staff"), _ticket_open))
