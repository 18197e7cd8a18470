"""A real SMTP server on localhost (aiosmtpd) that campaigns send to, and helpers to build an audience."""

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from tests.campaigns.factories import CreativeFactory
from tests.customers.factories import ConsentFactory, CustomerFactory, SegmentFactory


class Mailbox:
    """Collects what the server accepted; refuses at RCPT the addresses in ``refuse``."""

    def __init__(self):
        self.received = []
        self.refuse = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address):
        return [m for rcpts, m in self.received if address in rcpts]

    def count_by_recipient(self):
        counts = {}
        for rcpts, _message in self.received:
            for r in rcpts:
                counts[r] = counts.get(r, 0) + 1
        return counts


@pytest.fixture(autouse=True)
def _touches_written_at_once(settings):
    """Tests read touches right after the request: no buffering unless a test asks for it."""
    settings.CAMPAIGNS_TRACKING_BUFFER_SIZE = 1


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.CAMPAIGNS_EMAIL_URL = f"smtp://127.0.0.1:{controller.port}"
    try:
        yield mailbox
    finally:
        controller.stop()


def html_of(message):
    return message.get_body(preferencelist=("html",)).get_content()


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def audience(db):
    """A campaign with English, Persian and Arabic variants, and a segment of mixed recipients."""

    def build(consenting=3, **campaign_kwargs):
        segment = SegmentFactory()
        creative = CreativeFactory(
            language="en",
            subject="Hello {{ customer.first_name }}",
            html_body='<p>Hello {{ customer.first_name }}</p><a href="https://shop.example.com/spring">Spring</a>',
            text_body="Hello {{ customer.first_name }}",
            campaign__name="Spring",
            **{f"campaign__{k}": v for k, v in campaign_kwargs.items()},
        )
        campaign = creative.campaign
        campaign.segments.add(segment)
        CreativeFactory(
            campaign=campaign, language="fa", subject="سلام {{ customer.first_name }}", html_body="<p>سلام</p>"
        )
        customers = []
        for _i in range(consenting):
            c = CustomerFactory()
            ConsentFactory(customer=c)
            segment.members.add(c)
            customers.append(c)
        return campaign, segment, customers

    return build
