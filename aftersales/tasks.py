"""Thin Celery tasks of the after-sales stage: each loads what it needs and calls one service."""

import logging
from typing import Any

from celery import shared_task

from aftersales import services

logger = logging.getLogger(__name__)

RETRY: dict[str, Any] = {
    "autoretry_for": (OSError,),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


@shared_task(time_limit=60, soft_time_limit=50, **RETRY)
def send_ticket_acknowledgement(ticket_id: int) -> bool:
    """The automatic acknowledgement of a new ticket; sent once, however often the task runs."""
    return services.ticket_acknowledge(ticket_id=ticket_id)


@shared_task(time_limit=900, soft_time_limit=840)
def check_late_shipments() -> int:
    """Hourly: shipments past their promised date get one e-mail and a ticket opened for them."""
    return services.late_shipments_handle()


@shared_task(time_limit=300, soft_time_limit=270)
def send_contact_line_mail() -> dict[str, int]:
    """Every five minutes: acknowledgements and late-delivery e-mails whose retry is due, or left by a dead worker."""
    acknowledgements = services.acknowledgements_send()
    apologies = services.late_apologies_send()
    return {"acknowledgements": acknowledgements.sent, "apologies": apologies.sent}


@shared_task(time_limit=1800, soft_time_limit=1740, **RETRY)
def send_survey_invitations() -> dict[str, int]:
    """Daily: invitations for orders delivered SURVEY_DELAY_DAYS ago, then the e-mails with their links."""
    created = services.survey_invitations_create()
    sent = services.survey_invitations_send()
    return {"created": created, "sent": sent}


@shared_task(time_limit=300, soft_time_limit=270, **RETRY)
def poll_contact_mailbox() -> int:
    """Every minute: new e-mail in the contact mailbox (IMAP_URL) becomes tickets; nothing when it is unset."""
    return services.mailbox_poll()


@shared_task(time_limit=120, soft_time_limit=100)
def hand_over_waiting_chats() -> int:
    """Every minute: chats nobody answered in time, or waiting outside working hours, become contact-line tickets."""
    from aftersales.services.chat import conversations_hand_over_due

    return conversations_hand_over_due()
