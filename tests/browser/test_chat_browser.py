"""The live chat in a real browser: a customer on the chat page and a staff member on the admin console hold a
conversation in Persian, right to left, with the typing indicator, over the chat's own ASGI server (uvicorn, as
the Procfile runs it) beside Django's live server."""

import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from aftersales.models import MessageAuthor, Ticket, TicketChannel
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def chat_server(live_server, settings):
    """uvicorn with the project's ASGI application on a free port, in this process (the live server's database)."""
    from emarketing.asgi import application

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SITE_URL = live_server.url
    # The live server's host name, so that the browser sends the admin's session cookie to the chat's socket too.
    host = urlsplit(live_server.url).hostname
    settings.CHAT_WS_URL = f"ws://{host}:{port}/ws/chat/"
    settings.CHAT_WORKING_HOURS = ""
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, ws_max_size=65536, lifespan="off", log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the chat server did not start"
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def test_a_customer_and_a_staff_member_chat_in_persian(page, browser, live_server, chat_server, transactional_db):
    UserFactory(username="maryam", first_name="مریم", is_staff=True, is_superuser=True)
    # The staff console, signed in to the admin.
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "maryam")
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    logs = []
    page.on("console", lambda message: logs.append(message.text))
    page.goto(f"{live_server.url}/admin/aftersales/conversation/console/")
    try:
        page.wait_for_selector("#chat-status:has-text('Connected')", timeout=10_000)
    except PlaywrightTimeout as error:  # say why: the handshake's answer is in the browser's console
        raise AssertionError(logs) from error

    # The customer, in another browser, on the chat page in Persian.
    customer_context = browser.new_context()
    customer_context.add_cookies([{"name": "django_language", "value": "fa", "url": live_server.url}])
    customer = customer_context.new_page()
    errors = []
    customer.on("pageerror", lambda error: errors.append(str(error)))
    customer.goto(f"{live_server.url}/chat/")
    panel = customer.locator("#emk-chat-panel")
    customer.wait_for_selector("#emk-chat-panel[dir=rtl]")
    assert customer.locator("#emk-chat-send").inner_text() != "Send"  # the widget's words in Persian
    customer.fill("#emk-chat-input", "سلام، سفارش ۱۲۳ من کجاست؟")
    customer.press("#emk-chat-input", "Enter")
    customer.wait_for_selector(".emk-chat-customer:has-text('سفارش ۱۲۳')")

    # Staff see it in the queue, open it, and the customer sees them typing, then their answer.
    page.click(".chat-row:has-text('سلام، سفارش')")
    page.wait_for_selector("#chat-lines .chat-customer:has-text('سفارش ۱۲۳')")
    page.wait_for_selector("#chat-profile:has-text('Visitor not known')")
    page.fill("#chat-input", "سلام! بسته شما فردا می‌رسد.")
    page.dispatch_event("#chat-input", "input")
    customer.wait_for_selector("#emk-chat-typing", state="visible")
    page.click("#chat-send")
    answer = customer.locator(".emk-chat-staff:has-text('فردا می‌رسد')")
    answer.wait_for()
    assert "مریم" in answer.inner_text()
    body = answer.locator("span[dir=auto]")
    assert body.evaluate("node => getComputedStyle(node).direction") == "rtl"
    assert panel.evaluate("node => getComputedStyle(node).direction") == "rtl"
    # The customer writes again: staff get it without reloading.
    customer.fill("#emk-chat-input", "ممنون")
    customer.press("#emk-chat-input", "Enter")
    page.wait_for_selector("#chat-lines .chat-customer:has-text('ممنون')")
    assert errors == []
    customer_context.close()

    ticket = Ticket.objects.get(channel=TicketChannel.CHAT)
    assert list(ticket.messages.values_list("author_kind", "body")) == [
        (MessageAuthor.CUSTOMER, "سلام، سفارش ۱۲۳ من کجاست؟"),
        (MessageAuthor.STAFF, "سلام! بسته شما فردا می‌رسد."),
        (MessageAuthor.CUSTOMER, "ممنون"),
    ]
    assert ticket.language == "fa" and ticket.first_response_at is not None
