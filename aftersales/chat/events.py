"""What the chat's sockets are told, and the groups they listen in: one per conversation for the visitor's pages,
one per conversation for the staff who opened it, and the staff queue."""

from typing import Any

from django.utils.translation import gettext as _

from aftersales.models import Conversation, MessageAuthor, TicketMessage

QUEUE_GROUP = "chat-queue"


def visitor_group(conversation_id: int) -> str:
    return f"chat-{conversation_id}-visitor"


def staff_group(conversation_id: int) -> str:
    return f"chat-{conversation_id}-staff"


def staff_name(message: TicketMessage) -> str:
    """What the visitor sees of who answered: a first name, never the account."""
    if message.author_kind != MessageAuthor.STAFF:
        return ""
    return (message.author.first_name if message.author is not None else "") or _("Support")


def message_payload(message: TicketMessage, *, conversation_id: int) -> dict[str, Any]:
    """One line of a transcript, as text: pages show it with textContent, never as markup."""
    return {
        "type": "message",
        "conversation": conversation_id,
        "id": message.pk,
        "author": message.author_kind,
        "name": staff_name(message),
        "body": message.body,
        "at": message.created_at.isoformat(),
    }


def queue_row(conversation: Conversation) -> dict[str, Any]:
    """A conversation as the staff console lists it."""
    ticket = conversation.ticket
    customer = ticket.customer
    return {
        "type": "conversation",
        "id": conversation.pk,
        "ticket": ticket.pk,
        "subject": ticket.subject,
        "state": conversation.state,
        "state_label": str(conversation.get_state_display()),
        "language": ticket.language,
        "who": (str(customer) if customer is not None else ticket.contact_email) or _("Visitor"),
        "customer": ticket.customer_id,
        "staff": conversation.staff_id,
        "waiting_since": conversation.waiting_since.isoformat() if conversation.waiting_since else None,
    }
