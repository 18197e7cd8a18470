"""The live chat's writes. A conversation is a ticket of channel "chat": every line is a ticket message, the first
staff answer stamps the ticket's first response (so chats count in the service-level figures like any ticket), and
a conversation nobody answers in time, or opened outside working hours, becomes an ordinary open ticket whose
customer is told by e-mail when to expect the answer.

What the sockets must hear (a new line, a state, a queue row) is sent to the channel layer after commit, from
whichever process made the change (the chat process, or a Celery worker handing conversations over)."""

import datetime as dt
import logging
from contextvars import ContextVar
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.chat import events
from aftersales.chat.hours import within_working_hours
from aftersales.models import (
    LIVE_CONVERSATION_STATES,
    Conversation,
    ConversationState,
    MessageAuthor,
    Ticket,
    TicketChannel,
    TicketMessage,
    TicketStatus,
)
from customers.models import Customer
from emarketing.contacts import validate_email_address

from .feedback import ticket_create, ticket_message_add, ticket_reply, ticket_set_status

logger = logging.getLogger(__name__)

SUBJECT_CHARS = 80
# Why a conversation went to the contact line.
HAND_OVER_HOURS = "hours"
HAND_OVER_TIMEOUT = "timeout"


# Inside the chat process, a consumer collects what its call of a service has to tell and sends it itself, on the
# event loop, once the call has returned: the thread that does the database work never waits on Redis.
chat_outbox: ContextVar[list[tuple[str, dict[str, Any]]] | None] = ContextVar("chat_outbox", default=None)


def _send(group: str, payload: dict[str, Any]) -> None:
    """Tell a group of sockets, once the change is committed; a layer that is down loses the news, not the data."""

    def send() -> None:
        outbox = chat_outbox.get()
        if outbox is not None:
            outbox.append((group, {"type": "chat.event", "payload": payload}))
            return
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(group, {"type": "chat.event", "payload": payload})
        except Exception:  # the transcript is stored: a page that reconnects reads it
            logger.warning("The chat's channel layer could not be reached", exc_info=True)

    transaction.on_commit(send)


def _announce(conversation: Conversation, message: TicketMessage | None = None) -> None:
    if message is not None:
        payload = events.message_payload(message, conversation_id=conversation.pk)
        _send(events.visitor_group(conversation.pk), payload)
        _send(events.staff_group(conversation.pk), payload)
    _send(events.QUEUE_GROUP, events.queue_row(conversation))


def _notice(conversation: Conversation, text: str) -> None:
    """A line for the visitor alone, in their language (the ticket's)."""
    _send(events.visitor_group(conversation.pk), {"type": "notice", "conversation": conversation.pk, "body": text})


def _subject(body: str) -> str:
    line = " ".join(body.split())
    return line if len(line) <= SUBJECT_CHARS else line[: SUBJECT_CHARS - 1] + "…"


@transaction.atomic
def conversation_start(
    *, visitor_id: str, body: str, language: str, customer: Customer | None = None, at: dt.datetime | None = None
) -> Conversation:
    """A visitor's first line opens the conversation: a new ticket of channel chat, waiting in the staff queue.
    Outside working hours it goes straight to the contact line."""
    at = at or timezone.now()
    ticket = ticket_create(
        subject=_subject(body),
        body=body,
        channel=TicketChannel.CHAT,
        customer=customer,
        language=language,
        acknowledge=False,  # a live chat answers in the chat; the e-mail goes only when it is handed over
    )
    conversation = Conversation(ticket=ticket, visitor_id=visitor_id, waiting_since=ticket.created_at, started_at=at)
    conversation.full_clean(exclude=["ticket"])
    conversation.save()
    _announce(conversation, ticket.messages.first())
    if not within_working_hours(at):
        conversation_hand_over(conversation=conversation, reason=HAND_OVER_HOURS)
    return conversation


@transaction.atomic
def chat_customer_write(*, conversation: Conversation, body: str) -> TicketMessage:
    """A further line of the visitor's: waiting again for staff, unless an earlier line still waits."""
    message = ticket_message_add(ticket=conversation.ticket, body=body, author_kind=MessageAuthor.CUSTOMER)
    if conversation.is_live and conversation.waiting_since is None:
        Conversation.objects.filter(pk=conversation.pk, waiting_since__isnull=True).update(
            waiting_since=message.created_at
        )
        conversation.waiting_since = message.created_at
    elif conversation.state == ConversationState.ENDED:
        # Written again after the end: the conversation waits in the queue again.
        Conversation.objects.filter(pk=conversation.pk).update(
            state=ConversationState.WAITING, waiting_since=message.created_at, ended_at=None
        )
        conversation.state, conversation.waiting_since, conversation.ended_at = (
            ConversationState.WAITING,
            message.created_at,
            None,
        )
    _announce(conversation, message)
    return message


@transaction.atomic
def chat_staff_write(*, conversation: Conversation, body: str, by: User) -> TicketMessage:
    """A staff answer: taken by whoever answers first, the ticket's first response stamped, nobody waiting."""
    if conversation.staff_id is None or conversation.state != ConversationState.ACTIVE:
        conversation_take(conversation=conversation, by=by, announce=False)
    message = ticket_reply(ticket=conversation.ticket, body=body, by=by)
    Conversation.objects.filter(pk=conversation.pk).update(waiting_since=None)
    conversation.waiting_since = None
    _announce(conversation, message)
    return message


@transaction.atomic
def conversation_take(*, conversation: Conversation, by: User, announce: bool = True) -> Conversation:
    """A staff member takes a conversation: it is theirs on the console, and the ticket is assigned to them."""
    updates: dict[str, Any] = {"staff": by}
    if conversation.state in (ConversationState.WAITING, ConversationState.ENDED):
        updates["state"] = ConversationState.ACTIVE
    Conversation.objects.filter(pk=conversation.pk).update(**updates)
    for field, value in updates.items():
        setattr(conversation, field, value)
    Ticket.objects.filter(pk=conversation.ticket_id).update(assigned_to=by, updated_at=timezone.now())
    conversation.ticket.assigned_to = by
    if announce:
        _announce(conversation)
    return conversation


@transaction.atomic
def conversation_end(*, conversation: Conversation, by: User | None = None) -> Conversation:
    """Staff end a conversation: the ticket is resolved (a new line from the visitor reopens both)."""
    if conversation.state != ConversationState.ENDED:
        now = timezone.now()
        Conversation.objects.filter(pk=conversation.pk).update(
            state=ConversationState.ENDED, ended_at=now, waiting_since=None
        )
        conversation.state, conversation.ended_at, conversation.waiting_since = ConversationState.ENDED, now, None
        if conversation.ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            ticket_set_status(ticket=conversation.ticket, status=TicketStatus.RESOLVED, by=by, note="chat ended")
        with translation.override(conversation.ticket.language or settings.LANGUAGE_CODE):
            _notice(conversation, _("The conversation has ended. Thank you for writing to us."))
    _announce(conversation)
    return conversation


@transaction.atomic
def conversation_hand_over(*, conversation: Conversation, reason: str) -> bool:
    """The conversation becomes an ordinary open ticket of the contact line; False when it was handed over before.

    The customer, when their address is known, gets the contact line's acknowledgement (the number and the hours
    within which the team answers); the visitor is told in the chat either way."""
    moved = Conversation.objects.filter(pk=conversation.pk, state__in=LIVE_CONVERSATION_STATES).update(
        state=ConversationState.TICKET, handed_over_at=timezone.now(), waiting_since=None
    )
    if not moved:
        return False
    conversation.state = ConversationState.TICKET
    ticket = conversation.ticket
    ticket_set_status(ticket=ticket, status=TicketStatus.OPEN, note=f"chat handed over: {reason}")
    with translation.override(settings.LANGUAGE_CODE):
        why = _("outside working hours") if reason == HAND_OVER_HOURS else _("no answer in time")
        note = _("Chat handed to the contact line (%(reason)s).") % {"reason": why}
    TicketMessage.objects.create(ticket=ticket, author_kind=MessageAuthor.SYSTEM, body=note)
    _notice(conversation, hand_over_notice(ticket))
    if ticket.contact_email:
        from aftersales.tasks import send_ticket_acknowledgement

        pk = ticket.pk
        transaction.on_commit(lambda: send_ticket_acknowledgement.delay(pk))
    _announce(conversation)
    return True


def hand_over_notice(ticket: Ticket) -> str:
    """What the visitor reads in the chat when their conversation goes to the contact line, in their language."""
    hours = settings.TICKET_FIRST_RESPONSE_HOURS.get(ticket.priority)
    with translation.override(ticket.language or settings.LANGUAGE_CODE):
        if ticket.contact_email:
            text = _(
                "No one from our team is free to answer right now. Your message is kept as request number "
                "%(number)s; we answer within %(hours)s hours by e-mail."
            )
        else:
            text = _(
                "No one from our team is free to answer right now. Your message is kept as request number "
                "%(number)s; leave your e-mail address and we answer within %(hours)s hours."
            )
        return text % {"number": ticket.pk, "hours": hours}


def conversations_hand_over_due(*, now: dt.datetime | None = None) -> int:
    """Every minute: live conversations nobody answered within CHAT_ANSWER_TIMEOUT_SECONDS (all waiting ones
    outside working hours) become tickets; return how many."""
    now = now or timezone.now()
    waiting = Conversation.objects.filter(state__in=LIVE_CONVERSATION_STATES, waiting_since__isnull=False)
    if within_working_hours(now):
        waiting = waiting.filter(waiting_since__lte=now - dt.timedelta(seconds=settings.CHAT_ANSWER_TIMEOUT_SECONDS))
        reason = HAND_OVER_TIMEOUT
    else:
        reason = HAND_OVER_HOURS
    count = 0
    for conversation in waiting.select_related("ticket").order_by("waiting_since")[:500]:
        count += conversation_hand_over(conversation=conversation, reason=reason)
    return count


@transaction.atomic
def chat_email_give(*, conversation: Conversation, email: str) -> Ticket:
    """The visitor leaves an address to be answered at. Like the contact form's, a typed address proves nothing:
    the ticket keeps it as the contact, but no customer record is attached until the writer answers from it."""
    email = email.strip()[:254]
    validate_email_address(email)
    ticket = conversation.ticket
    if ticket.contact_email.lower() == email.lower():
        return ticket
    if ticket.customer_id is not None:
        raise ValidationError(_("This conversation is answered at the address we know you by."))
    Ticket.objects.filter(pk=ticket.pk).update(contact_email=email, updated_at=timezone.now())
    ticket.contact_email = email
    if conversation.state == ConversationState.TICKET:
        from aftersales.tasks import send_ticket_acknowledgement

        pk = ticket.pk
        transaction.on_commit(lambda: send_ticket_acknowledgement.delay(pk))
    _announce(conversation)
    return ticket
