"""What after-sales tells whoever listens (outgoing webhooks, journeys, the loop): tickets and survey answers."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from aftersales.models import SurveyResponse, Ticket
from emarketing.hooks.bus import events, publish

TICKET_OPENED = "ticket.opened"
TICKET_CLOSED = "ticket.closed"
SURVEY_ANSWERED = "survey.answered"


def register() -> None:
    events.register(TICKET_OPENED, _("Ticket opened"))
    events.register(TICKET_CLOSED, _("Ticket closed"))
    events.register(SURVEY_ANSWERED, _("Survey answered"))


def ticket_payload(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.pk,
        "customer": ticket.customer_id,
        "subject": ticket.subject,
        "channel": ticket.channel,
        "status": ticket.status,
        "priority": ticket.priority,
        "order": ticket.order_id,
        "product": ticket.product_id,
    }


def ticket_opened(ticket: Ticket) -> None:
    publish(TICKET_OPENED, key=f"ticket:{ticket.pk}", payload=ticket_payload(ticket))


def ticket_closed(ticket: Ticket) -> None:
    publish(TICKET_CLOSED, key=f"ticket:{ticket.pk}", payload=ticket_payload(ticket))


def survey_answered(response: SurveyResponse) -> None:
    publish(
        SURVEY_ANSWERED,
        key=f"survey:{response.pk}",
        payload={
            "id": response.pk,
            "customer": response.customer_id,
            "order": response.order_id,
            "product": response.product_id,
            "csat": response.csat,
            "nps": response.nps,
            "comment": response.comment,
        },
    )
