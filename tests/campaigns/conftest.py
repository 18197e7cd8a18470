"""A real SMTP server on localhost (aiosmtpd) that campaigns send to, and helpers to build an audience."""

import pytest
from aiosmtpd.controller import Controller

from tests.campaigns.factories import CreativeFactory
from tests.customers.factories import ConsentFactory, CustomerFactory, SegmentFactory
from tests.smtp import Mailbox, free_port


@pytest.fixture
def smtp_server(settings):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
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


@pytest.fixture
def sms_provider(settings, tmp_path):
    """The SMS providers' stand-in on 127.0.0.1; every provider's base URL points at it, credentials set, quiet
    hours off (a test that wants them sets them), no sender needed but the default."""
    from tests.sms_server import start_stand_in

    state, stop = start_stand_in()
    settings.SMS_KAVENEGAR_BASE_URL = state.url
    settings.SMS_KAVENEGAR_API_KEY = state.api_key
    settings.SMS_TWILIO_BASE_URL = state.url
    settings.SMS_TWILIO_ACCOUNT_SID = state.account_sid
    settings.SMS_TWILIO_AUTH_TOKEN = state.auth_token
    settings.SMS_HTTP_URL = f"{state.url}/send?to={{to}}"
    settings.SMS_HTTP_BODY = '{"to": "{to}", "from": "{sender}", "text": "{text}", "reference": "{reference}"}'
    settings.SMS_DEFAULT_SENDER = "10004346"
    settings.SMS_WEBHOOK_TOKEN = "hook-secret"
    settings.SMS_CONSOLE_FILE = str(tmp_path / "outbox.jsonl")
    settings.CAMPAIGNS_QUIET_HOURS_START = settings.CAMPAIGNS_QUIET_HOURS_END = "00:00"
    try:
        yield state
    finally:
        stop()
