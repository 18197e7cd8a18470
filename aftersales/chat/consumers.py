"""The chat's WebSockets: the visitor's widget and the staff console. Hostile ground: the origin is checked before
the handshake is accepted, a frame's size before it is parsed, frames a minute per connection, conversations
started a minute per address (the project's shared limiter), and every line goes out as text for the page to show
with textContent. The work is done by aftersales.services.chat; these only translate frames into its calls."""

import json
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from django_otp.middleware import OTPMiddleware

from aftersales.chat import events, selectors, tokens
from aftersales.chat.hours import within_working_hours
from aftersales.models import Conversation, ConversationState
from aftersales.services import chat as chat_services
from campaigns import tokens as link_tokens
from customers.models import Customer
from emarketing.mail import RTL_LANGUAGES
from emarketing.ratelimit import allow_key
from emarketing.two_factor.policy import Standing, standing

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Close codes (4000–4999 are the application's): the widget does not reconnect after these.
CLOSE_BAD_FRAME = 4400
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_LARGE = 4413
CLOSE_TOO_MANY = 4429


def _origin(value: str) -> str:
    parts = urlsplit(value.strip())
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def site_origins() -> set[str]:
    """The platform's own pages (SITE_URL, CSRF_TRUSTED_ORIGINS): the staff console opens only from these."""
    return {o for o in (_origin(u) for u in [settings.SITE_URL, *settings.CSRF_TRUSTED_ORIGINS]) if o}


def visitor_origins() -> set[str]:
    return site_origins() | {o for o in (_origin(u) for u in settings.CHAT_ALLOWED_ORIGINS) if o}


class _ChatSocket(AsyncWebsocketConsumer):
    groups_joined: set[str]
    _window: int
    _frames: int

    def origin(self) -> str:
        for name, value in self.scope.get("headers", []):
            if name == b"origin":
                return _origin(value.decode("latin-1"))
        return ""

    def client_address(self) -> str:
        client = self.scope.get("client") or ("unknown", 0)
        return str(client[0])

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run a function that reads or writes the database in the thread that does so, then send what the
        services it called have to tell (aftersales.services.chat.chat_outbox), from here."""
        outbox: list[tuple[str, dict[str, Any]]] = []
        token = chat_services.chat_outbox.set(outbox)
        # One connection's frames are handled one after another, so its lines stay in order; different connections'
        # writes run side by side in a pool of threads, each with its database connection (one thread on SQLite,
        # which takes one writer at a time).
        parallel = connection.vendor != "sqlite"
        try:
            result = await database_sync_to_async(function, thread_sensitive=not parallel)(*args)
        finally:
            chat_services.chat_outbox.reset(token)
        for group, message in outbox:
            try:
                await self.channel_layer.group_send(group, message)
            except Exception:  # the transcript is stored: a page that reconnects reads it
                logger.warning("The chat's channel layer could not be reached", exc_info=True)
        return result

    async def join(self, group: str) -> None:
        if group not in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.add(group)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", set()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def send_json(self, payload: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(payload, ensure_ascii=False))

    async def refuse(self, message: str, code: int | None = None) -> None:
        await self.send_json({"type": "error", "message": message})
        if code is not None:
            await self.close(code=code)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.refuse(_("Only text frames are read."), CLOSE_BAD_FRAME)
            return
        # Judged before parsing: a character is at least one byte, at most four.
        if len(text_data) > settings.CHAT_MAX_FRAME_BYTES or len(text_data.encode()) > settings.CHAT_MAX_FRAME_BYTES:
            await self.refuse(_("This message is too long."), CLOSE_TOO_LARGE)
            return
        window = int(time.monotonic() // 60)
        if window != self._window:
            self._window, self._frames = window, 0
        self._frames += 1
        if settings.CHAT_RATE_LIMIT and self._frames > settings.CHAT_RATE_LIMIT:
            await self.refuse(_("Too many messages; wait a minute and reload the page."), CLOSE_TOO_MANY)
            return
        try:
            data = json.loads(text_data)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            await self.refuse(_("This message cannot be read."))
            return
        await self.handle(data)

    async def handle(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    async def chat_event(self, event: dict[str, Any]) -> None:
        """A group message from aftersales.services.chat (any process): passed on to the page."""
        await self.send_json(event["payload"])

    def _reset_counters(self) -> None:
        self.groups_joined = set()
        self._window, self._frames = -1, 0


def _body(data: dict[str, Any]) -> str:
    body = data.get("body")
    if not isinstance(body, str):
        return ""
    return body.replace("\x00", "\ufffd").strip()[: settings.CHAT_MAX_MESSAGE_CHARS]


def _language(value: Any) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return value if isinstance(value, str) and value in codes else str(settings.LANGUAGE_CODE)


def widget_texts() -> dict[str, str]:
    """The widget's words, in the active language (the widget asks for its page's)."""
    return {
        "title": _("Chat with us"),
        "placeholder": _("Write your message…"),
        "send": _("Send"),
        "close": _("Close"),
        "typing": _("Typing…"),
        "you": _("You"),
        "email": _("Your e-mail address, to be answered by e-mail"),
        "email_saved": _("Thank you: we answer at this address."),
        "offline": _("We are outside working hours: write your message and we answer by e-mail."),
        "greeting": _("Hello! How can we help you?"),
        "reconnecting": _("Connection lost; reconnecting…"),
    }


class VisitorConsumer(_ChatSocket):
    """The widget: ``hello`` (the signed token, a signed link's identity, the page's language) first, then
    ``message``, ``typing`` and ``email`` frames."""

    async def connect(self) -> None:
        self._reset_counters()
        self.visitor: tokens.Visitor | None = None
        self.conversation_id: int | None = None
        self.language = str(settings.LANGUAGE_CODE)
        if self.origin() not in visitor_origins():
            await self.close()  # before accepting: the handshake is refused (403)
            return
        await self.accept()

    async def handle(self, data: dict[str, Any]) -> None:
        kind = data["type"]
        if kind == "hello":
            await self.hello(data)
        elif self.visitor is None:
            await self.refuse(_("Say hello first."), CLOSE_BAD_FRAME)
        elif kind == "message":
            await self.message(data)
        elif kind == "typing":
            if self.conversation_id is not None:
                await self.channel_layer.group_send(
                    events.staff_group(self.conversation_id),
                    {"type": "chat.event", "payload": {"type": "typing", "conversation": self.conversation_id}},
                )
        elif kind == "email":
            await self.email(data)
        else:
            await self.refuse(_("This message cannot be read."))

    async def hello(self, data: dict[str, Any]) -> None:
        if self.visitor is not None:
            return
        self.language = _language(data.get("lang"))
        welcome = await self._hello_answer(data)
        if self.conversation_id is not None:
            await self.join(events.visitor_group(self.conversation_id))
        await self.send_json(welcome)

    async def _hello_answer(self, data: dict[str, Any]) -> dict[str, Any]:
        # A new visitor without a signed link needs no database: answered here, not behind the writes' thread.
        if not data.get("token") and not data.get("identity"):
            return self._welcome(data, customer_id=None)
        customer_id = await database_sync_to_async(_customer_of)(data.get("identity"))
        return await database_sync_to_async(self._welcome)(data, customer_id=customer_id)

    def _welcome(self, data: dict[str, Any], *, customer_id: int | None) -> dict[str, Any]:
        visitor = tokens.read_visitor_token(data.get("token") or "")
        if visitor is None or (customer_id and visitor.customer_id != customer_id):
            visitor = tokens.new_visitor(customer_id=customer_id)
        conversation = None
        if visitor.conversation_id:
            conversation = selectors.conversation_for_visitor(
                conversation_id=visitor.conversation_id, visitor_id=visitor.visitor_id
            )
        if conversation is None:
            visitor = tokens.Visitor(visitor.visitor_id, None, visitor.customer_id)
        self.visitor = visitor
        self.conversation_id = conversation.pk if conversation is not None else None
        with translation.override(self.language):
            return {
                "type": "welcome",
                "token": tokens.visitor_token(visitor),
                "dir": "rtl" if self.language in RTL_LANGUAGES else "ltr",
                "lang": self.language,
                "open": within_working_hours(),
                "state": conversation.state if conversation is not None else "",
                "known": bool(visitor.customer_id or (conversation and conversation.ticket.contact_email)),
                "messages": [
                    events.message_payload(m, conversation_id=conversation.pk)
                    for m in selectors.conversation_transcript(conversation=conversation)
                ]
                if conversation is not None
                else [],
                "text": widget_texts(),
            }

    async def message(self, data: dict[str, Any]) -> None:
        body = _body(data)
        if not body:
            return
        if self.conversation_id is None:
            allowed = await database_sync_to_async(allow_key)(
                f"chat-start:{self.client_address()}", limit=settings.CHAT_START_RATE_LIMIT, window=60
            )
            if not allowed:
                await self.refuse(_("Too many conversations from this address; try again in a minute."))
                return
        conversation_id, first = await self.call(self._write, body)
        if conversation_id is not None and self.conversation_id is None:
            self.conversation_id = conversation_id
            await self.join(events.visitor_group(conversation_id))
            assert self.visitor is not None
            self.visitor = tokens.Visitor(self.visitor.visitor_id, conversation_id, self.visitor.customer_id)
            await self.send_json({"type": "token", "token": tokens.visitor_token(self.visitor)})
            # The first line went to the group before this socket joined it.
            for payload in first:
                await self.send_json(payload)

    def _write(self, body: str) -> tuple[int | None, list[dict[str, Any]]]:
        assert self.visitor is not None
        with translation.override(self.language):
            if self.conversation_id is None:
                customer = (
                    Customer.objects.filter(pk=self.visitor.customer_id, erased_at__isnull=True).first()
                    if self.visitor.customer_id
                    else None
                )
                started = chat_services.conversation_start(
                    visitor_id=self.visitor.visitor_id, body=body, language=self.language, customer=customer
                )
                first = [
                    events.message_payload(m, conversation_id=started.pk)
                    for m in selectors.conversation_transcript(conversation=started)
                ]
                if started.state == ConversationState.TICKET:
                    notice = chat_services.hand_over_notice(started.ticket)
                    first.append({"type": "notice", "conversation": started.pk, "body": notice})
                return started.pk, first
            conversation = selectors.conversation_for_visitor(
                conversation_id=self.conversation_id, visitor_id=self.visitor.visitor_id
            )
            if conversation is None:
                return None, []
            chat_services.chat_customer_write(conversation=conversation, body=body)
            return conversation.pk, []

    async def email(self, data: dict[str, Any]) -> None:
        if self.conversation_id is None or not isinstance(data.get("email"), str):
            return
        problem = await self.call(self._email, data["email"])
        if problem:
            await self.refuse(problem)
        else:
            with translation.override(self.language):
                await self.send_json({"type": "email_saved", "body": _("Thank you: we answer at this address.")})

    def _email(self, email: str) -> str:
        assert self.visitor is not None and self.conversation_id is not None
        conversation = selectors.conversation_for_visitor(
            conversation_id=self.conversation_id, visitor_id=self.visitor.visitor_id
        )
        if conversation is None:
            return ""
        with translation.override(self.language):
            try:
                chat_services.chat_email_give(conversation=conversation, email=email)
            except ValidationError as error:
                return " ".join(error.messages)
        return ""


def _customer_of(identity: Any) -> int | None:
    """The customer a signed link names (the preference token the shop's pages carry, as emk.identify's)."""
    if not isinstance(identity, str) or not identity:
        return None
    try:
        customer_id = link_tokens.read_preferences_token(identity[:200])
    except link_tokens.BadToken:
        return None
    return customer_id if Customer.objects.filter(pk=customer_id, erased_at__isnull=True).exists() else None


def staff_may_chat(user: Any, session: Any) -> bool:
    """Signed-in staff who may change tickets, with their session's two-factor sign-in as the admin requires."""
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_staff):
        return False
    if not user.has_perm("aftersales.change_ticket"):
        return False
    request = HttpRequest()
    request.session = session
    request.user = OTPMiddleware(lambda r: None)._verify_user_sync(request, user)
    return standing(request) is Standing.SIGNED_IN


class StaffConsumer(_ChatSocket):
    """The console: the queue on connect, then ``open``, ``take``, ``message``, ``typing`` and ``end`` frames, each
    naming its conversation."""

    async def connect(self) -> None:
        self._reset_counters()
        self.user: User | None = None
        user = self.scope.get("user")
        if self.origin() not in site_origins() or not await database_sync_to_async(staff_may_chat)(
            user, self.scope.get("session")
        ):
            await self.close()
            return
        self.user = user
        await self.accept()
        await self.join(events.QUEUE_GROUP)
        rows = await database_sync_to_async(lambda: [events.queue_row(c) for c in selectors.chat_queue()])()
        await self.send_json({"type": "queue", "conversations": rows})

    async def handle(self, data: dict[str, Any]) -> None:
        kind = data["type"]
        conversation_id = data.get("conversation")
        if not isinstance(conversation_id, int) or kind not in {"open", "take", "message", "typing", "end"}:
            await self.refuse(_("This message cannot be read."))
            return
        if kind == "typing":
            await self.channel_layer.group_send(
                events.visitor_group(conversation_id),
                {"type": "chat.event", "payload": {"type": "typing", "conversation": conversation_id}},
            )
            return
        if kind == "open":
            await self.join(events.staff_group(conversation_id))
        reply = await self.call(self._act, kind, conversation_id, _body(data))
        if reply is not None:
            await self.send_json(reply)

    def _act(self, kind: str, conversation_id: int, body: str) -> dict[str, Any] | None:
        assert self.user is not None
        conversation = (
            Conversation.objects.select_related("ticket", "ticket__customer").filter(pk=conversation_id).first()
        )
        if conversation is None:
            return {"type": "error", "message": _("This conversation no longer exists.")}
        if kind == "open":
            return {
                "type": "transcript",
                "conversation": conversation.pk,
                "row": events.queue_row(conversation),
                "messages": [
                    events.message_payload(m, conversation_id=conversation.pk)
                    for m in selectors.conversation_transcript(conversation=conversation, staff=True)
                ],
            }
        if kind == "take":
            chat_services.conversation_take(conversation=conversation, by=self.user)
        elif kind == "message" and body:
            if conversation.state == ConversationState.TICKET:
                return {"type": "error", "message": _("This conversation is a ticket now: answer it from the ticket.")}
            chat_services.chat_staff_write(conversation=conversation, body=body, by=self.user)
        elif kind == "end":
            chat_services.conversation_end(conversation=conversation, by=self.user)
        return None
