"""E-mail larger than ``INBOUND_MAIL_MAX_BYTES`` is not parsed: from the mailbox, no more than one byte over the
limit is fetched; from the webhook, the body is refused before it is read. Its headers are kept for a person."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from aftersales import services
from aftersales.models import InboundMail, Ticket
from tests.aftersales.test_contact import SECRET, post_mail, raw_mail

pytestmark = pytest.mark.django_db

LIMIT = 4096


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.INBOUND_MAIL_SECRET = SECRET
    settings.INBOUND_MAIL_MAX_BYTES = LIMIT
    cache.clear()


class PartialImap:
    """An IMAP server that honours partial fetches (``BODY.PEEK[]<0.N>``) and remembers what was asked."""

    def __init__(self, messages):
        self.messages = dict(enumerate(messages, start=1))
        self.asked, self.seen = [], set()

    def search(self, charset, criterion):
        return "OK", [b" ".join(str(n).encode() for n in self.messages if n not in self.seen)]

    def fetch(self, number, parts):
        self.asked.append(parts)
        found = re.search(r"<0\.(\d+)>", parts)
        data = self.messages[int(number)]
        data = data[: int(found.group(1))] if found else data
        return "OK", [(f"{int(number)} (BODY[]<0> {{{len(data)}}}".encode(), data), b")"]

    def store(self, number, command, flags):
        self.seen.add(int(number))
        return "OK", [b""]

    def logout(self):
        pass


def sized(size: int, message_id: str, *, subject: str = "Broken kettle", letter: bytes = b"a") -> bytes:
    head = (
        f"From: reza@example.com\nTo: support@example.com\nSubject: {subject}\nMessage-ID: {message_id}\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
    ).encode()
    body = (letter * 60 + b"\n") * (size // 61 + 1)
    return (head + body)[: size - 1] + b"\n"


def test_a_message_at_the_limit_is_read_and_one_over_is_kept_as_its_headers_for_a_person():
    at_limit = sized(LIMIT, "<fits@x>")
    over = sized(LIMIT + 1, "<big@x>", subject="Photos of the kettle", letter=b"b")
    imap = PartialImap([at_limit, over])
    assert services.mailbox_poll(client=imap) == 2
    assert all(parts == f"(BODY.PEEK[]<0.{LIMIT + 1}>)" for parts in imap.asked)  # never the whole message
    assert Ticket.objects.count() == 1
    kept = InboundMail.objects.get(message_id="<big@x>")
    assert kept.ticket is None and kept.needs_a_human
    assert kept.subject == "Photos of the kettle" and kept.sender == "reza@example.com"
    assert "larger than 4.0\xa0KB" in kept.error and "Read it in the mailbox" in kept.error
    assert "bbbb" not in kept.raw and len(kept.raw) < LIMIT
    assert imap.seen == {1, 2}


def test_the_webhook_refuses_a_message_over_the_limit_before_reading_it(client):
    response = post_mail(client, raw_mail(body="c" * (LIMIT * 2)))
    assert response.status_code == 413
    assert f"larger than {LIMIT} bytes" in response.json()["fields"]["__all__"][0]
    assert not InboundMail.objects.exists()
    assert post_mail(client, raw_mail(body="small")).status_code == 202
    assert reverse("aftersales:inbound_mail_webhook")
