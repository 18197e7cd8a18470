"""The live chat over its WebSockets (channels' WebsocketCommunicator against the project's ASGI application):
a visitor writes, staff answer from the console's socket, and the conversation is a ticket of channel chat."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client, override_settings

from aftersales.chat import tokens
from aftersales.models import Conversation, ConversationState, MessageAuthor, Ticket, TicketChannel, TicketStatus
from aftersales.selectors import tickets_with_targets
from campaigns.tokens import preferences_token
from emarketing.asgi import application
from tests.aftersales.sockets import WebsocketCommunicator
from tests.customers.factories import CustomerFactory
from tests.factories import UserFactory

SHOP = "https://shop.example"
SITE = "http://127.0.0.1:8000"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_fresh_layer"),
]


@pytest.fixture
def _fresh_layer(settings):
    settings.CHAT_ALLOWED_ORIGINS = [SHOP]
    settings.SITE_URL = SITE
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def visitor_socket(origin=SHOP):
    return WebsocketCommunicator(application, "/ws/chat/", headers=[(b"origin", origin.encode())])


def signed_in(user):
    """The session cookie of a staff member signed in to the admin."""
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


def staff_socket(cookie, origin=SITE):
    headers = [(b"origin", origin.encode()), (b"cookie", cookie)]
    return WebsocketCommunicator(application, "/ws/chat/staff/", headers=headers)


def agent():
    user = UserFactory(username="sara", first_name="Sara", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_ticket"))
    return user


async def receive(socket, kind):
    """The next frame of this type (typing and queue rows may come in between)."""
    for _ in range(10):
        frame = await socket.receive_json_from(timeout=3)
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


def run(scenario):
    return async_to_sync(scenario)()


def test_a_persian_visitor_and_staff_hold_a_conversation_that_is_a_chat_ticket():
    user = agent()
    cookie = signed_in(user)

    async def scenario():
        staff = staff_socket(cookie)
        assert (await staff.connect())[0]
        assert (await receive(staff, "queue"))["conversations"] == []
        visitor = visitor_socket()
        assert (await visitor.connect())[0]
        await visitor.send_json_to({"type": "hello", "lang": "fa"})
        welcome = await receive(visitor, "welcome")
        assert welcome["dir"] == "rtl"
        assert welcome["text"]["send"] != "Send"  # the widget's words in Persian
        await visitor.send_json_to({"type": "message", "body": "سلام، سفارشم کجاست؟"})
        token = (await receive(visitor, "token"))["token"]
        echoed = await receive(visitor, "message")
        assert echoed["body"] == "سلام، سفارشم کجاست؟"
        row = await receive(staff, "conversation")
        assert row["state"] == "waiting" and row["language"] == "fa"

        await staff.send_json_to({"type": "open", "conversation": row["id"]})
        transcript = await receive(staff, "transcript")
        assert [m["body"] for m in transcript["messages"]] == ["سلام، سفارشم کجاست؟"]
        await visitor.send_json_to({"type": "typing"})
        assert (await receive(staff, "typing"))["conversation"] == row["id"]
        await staff.send_json_to({"type": "typing", "conversation": row["id"]})
        assert (await receive(visitor, "typing"))["conversation"] == row["id"]
        await staff.send_json_to({"type": "message", "conversation": row["id"], "body": "سلام! فردا می‌رسد."})
        answer = await receive(visitor, "message")
        assert (answer["author"], answer["name"], answer["body"]) == ("staff", "Sara", "سلام! فردا می‌رسد.")
        await visitor.disconnect()
        await staff.disconnect()
        return row["id"], token

    conversation_id, token = run(scenario)
    conversation = Conversation.objects.select_related("ticket").get(pk=conversation_id)
    ticket = conversation.ticket
    assert ticket.channel == TicketChannel.CHAT and ticket.language == "fa"
    assert list(ticket.messages.values_list("author_kind", flat=True)) == [MessageAuthor.CUSTOMER, MessageAuthor.STAFF]
    assert ticket.status == TicketStatus.OPEN and ticket.first_response_at is not None
    assert ticket.assigned_to == user and conversation.state == ConversationState.ACTIVE
    # Answered in time: the service-level figures count it like any ticket.
    assert tickets_with_targets(Ticket.objects.filter(pk=ticket.pk)).get().first_response_breached is False
    # The token the widget keeps names this conversation.
    assert tokens.read_visitor_token(token).conversation_id == conversation_id


def test_a_reload_takes_the_conversation_up_again_and_a_forged_token_does_not():
    async def scenario():
        first = visitor_socket()
        await first.connect()
        await first.send_json_to({"type": "hello", "lang": "en"})
        await receive(first, "welcome")
        await first.send_json_to({"type": "message", "body": "<b>Hello</b>"})
        token = (await receive(first, "token"))["token"]
        await first.disconnect()

        again = visitor_socket()
        await again.connect()
        await again.send_json_to({"type": "hello", "token": token, "lang": "en"})
        welcome = await receive(again, "welcome")
        await again.disconnect()

        forged = visitor_socket()
        await forged.connect()
        await forged.send_json_to({"type": "hello", "token": token[:-2] + "xx", "lang": "en"})
        stranger = await receive(forged, "welcome")
        await forged.disconnect()
        return welcome, stranger

    welcome, stranger = run(scenario)
    assert [m["body"] for m in welcome["messages"]] == ["<b>Hello</b>"]  # as text, for textContent
    assert stranger["messages"] == [] and stranger["state"] == ""


def test_pages_of_other_sites_cannot_open_a_chat_and_staff_sockets_need_our_pages_and_the_permission():
    allowed = signed_in(agent())
    plain = signed_in(UserFactory(username="clerk", is_staff=True))

    async def scenario():
        foreign = visitor_socket("https://evil.example")
        refused_visitor = not (await foreign.connect())[0]
        outsider = staff_socket(allowed, origin=SHOP)
        refused_origin = not (await outsider.connect())[0]
        unprivileged = staff_socket(plain)
        refused_user = not (await unprivileged.connect())[0]
        insider = staff_socket(allowed)
        accepted = (await insider.connect())[0]
        await insider.disconnect()
        return refused_visitor, refused_origin, refused_user, accepted

    assert run(scenario) == (True, True, True, True)


@override_settings(CHAT_MAX_FRAME_BYTES=200, CHAT_RATE_LIMIT=5)
def test_oversized_frames_and_floods_close_the_connection():
    async def scenario():
        big = visitor_socket()
        await big.connect()
        await big.send_to(text_data=json.dumps({"type": "hello", "pad": "x" * 300}))
        refused = await receive(big, "error")
        closed = await big.receive_output(timeout=3)
        flood = visitor_socket()
        await flood.connect()
        await flood.send_json_to({"type": "hello"})
        await receive(flood, "welcome")
        await flood.send_to(text_data="not json")
        unreadable = await receive(flood, "error")
        for _ in range(4):  # the sixth frame of the minute
            await flood.send_json_to({"type": "typing"})
        flooded = await flood.receive_output(timeout=3)
        while flooded["type"] != "websocket.close":
            flooded = await flood.receive_output(timeout=3)
        return refused, closed, unreadable, flooded

    refused, closed, unreadable, flooded = run(scenario)
    assert refused["message"] == "This message is too long." and closed["code"] == 4413
    assert unreadable["message"] == "This message cannot be read."
    assert flooded["code"] == 4429
    assert not Ticket.objects.exists()


def test_a_customer_from_a_signed_link_is_known_on_the_ticket():
    customer = CustomerFactory(persian=True)

    async def scenario():
        socket = visitor_socket()
        await socket.connect()
        await socket.send_json_to(
            {"type": "hello", "lang": "fa", "identity": preferences_token(customer_id=customer.pk)}
        )
        welcome = await receive(socket, "welcome")
        await socket.send_json_to({"type": "message", "body": "مرجوعی دارم"})
        await receive(socket, "message")
        await socket.disconnect()
        return welcome

    assert run(scenario)["known"] is True
    ticket = Ticket.objects.get(channel=TicketChannel.CHAT)
    assert ticket.customer == customer and ticket.contact_email == customer.email


@override_settings(CHAT_WORKING_HOURS="closed")
def test_outside_working_hours_the_chat_becomes_a_ticket_and_the_customer_is_told_by_email_when_to_expect_it():
    customer = CustomerFactory(persian=True)

    async def scenario():
        socket = visitor_socket()
        await socket.connect()
        await socket.send_json_to(
            {"type": "hello", "lang": "fa", "identity": preferences_token(customer_id=customer.pk)}
        )
        welcome = await receive(socket, "welcome")
        await socket.send_json_to({"type": "message", "body": "کسی هست؟"})
        notice = await receive(socket, "notice")
        await socket.disconnect()
        return welcome, notice

    welcome, notice = run(scenario)
    assert welcome["open"] is False
    ticket = Ticket.objects.get(channel=TicketChannel.CHAT)
    assert ticket.status == TicketStatus.OPEN and ticket.chat.state == ConversationState.TICKET
    assert "8" in notice["body"] or "۸" in notice["body"]  # the normal priority's first-response hours
    assert [m.to for m in mail.outbox] == [[customer.email]]
    assert "۸" in mail.outbox[0].body  # in the customer's Persian, with Persian digits
