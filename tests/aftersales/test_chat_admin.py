"""The live chat in the admin: the console page (strict CSP, its socket allowed), the profile beside a
conversation, the canned replies of the conversation's language; and the public chat page."""

import json

import pytest
from django.urls import reverse

from aftersales.models import CannedReply
from aftersales.services.chat import conversation_start
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_the_console_runs_under_the_strict_policy_and_may_reach_the_chat_socket_only(admin_client):
    CannedReply.objects.create(language="fa", title="سلام", body="سلام، چطور می‌توانم کمک کنم؟")
    CannedReply.objects.create(language="en", title="Hello", body="Hello, how can I help?")
    response = admin_client.get(reverse("admin:aftersales_conversation_console"))
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "connect-src 'self' ws://testserver:8001" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    html = response.content.decode()
    config = json.loads(html.split('id="chat-console-config" type="application/json">')[1].split("</script>")[0])
    assert config["socket"] == "ws://testserver:8001/ws/chat/staff/"
    assert {(r["language"], r["title"]) for r in config["canned"]} == {("fa", "سلام"), ("en", "Hello")}
    assert "<script>" not in html  # no inline script: the console's code is a static file


def test_the_profile_beside_a_conversation_shows_the_known_customer(admin_client):
    customer = CustomerFactory(persian=True, first_name="<b>Ali</b>")
    known = conversation_start(visitor_id="k" * 22, body="سلام", language="fa", customer=customer)
    anonymous = conversation_start(visitor_id="a" * 22, body="Hi", language="en")
    page = admin_client.get(reverse("admin:aftersales_conversation_profile", args=[known.pk])).content.decode()
    assert customer.email in page and "&lt;b&gt;Ali&lt;/b&gt;" in page and "<b>Ali</b>" not in page
    assert reverse("admin:customers_customer_change", args=[customer.pk]) in page
    page = admin_client.get(reverse("admin:aftersales_conversation_profile", args=[anonymous.pk])).content.decode()
    assert "Visitor not known" in page


def test_staff_who_may_not_answer_tickets_do_not_get_the_console(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("admin:aftersales_conversation_console")).status_code == 403


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_the_chat_page_opens_the_widget_in_the_visitors_language(client, settings, language):
    settings.CHAT_WS_URL = "wss://chat.example.com/ws/chat/"
    response = client.get(reverse("aftersales:chat"), headers={"accept-language": language})
    html = response.content.decode()
    assert f'data-lang="{language}"' in html and 'dir="rtl"' in html
    assert 'data-socket="wss://chat.example.com/ws/chat/"' in html
    assert "connect-src 'self' wss://chat.example.com" in response.headers["Content-Security-Policy"]


def test_the_chat_page_passes_a_signed_link_on_escaped(client):
    html = client.get(reverse("aftersales:chat"), {"t": '"><script>x</script>'}).content.decode()
    assert "<script>x</script>" not in html
