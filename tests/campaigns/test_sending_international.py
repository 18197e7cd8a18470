"""Internationalised addresses through a real SMTP server (aiosmtpd): a non-ASCII domain goes IDNA-encoded, a
non-ASCII local part needs SMTPUTF8, and a server without it fails only that message."""

import pytest
from aiosmtpd.controller import Controller

from campaigns.models import CampaignStatus, Message, MessageStatus
from campaigns.services import campaign_start
from campaigns.services.sending.mime import envelope_address
from tests.customers.factories import ConsentFactory, CustomerFactory
from tests.smtp import Mailbox, free_port

pytestmark = pytest.mark.django_db(transaction=True)

PUNYCODE_DOMAIN = "xn--mgbh0fb.xn--mgba3a4f16a"  # مثال.ایران


class RecordingMailbox(Mailbox):
    """Also keeps the MAIL FROM options of each message (SMTPUTF8 or not)."""

    def __init__(self):
        super().__init__()
        self.options = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd calls handlers by these names)
        self.options.append((list(envelope.rcpt_tos), [o.upper() for o in envelope.mail_options]))
        return await super().handle_DATA(server, session, envelope)


def _server(settings, smtputf8):
    mailbox = RecordingMailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), enable_SMTPUTF8=smtputf8)
    controller.start()
    settings.CAMPAIGNS_EMAIL_URL = f"smtp://127.0.0.1:{controller.port}"
    return mailbox, controller


@pytest.fixture
def utf8_server(settings):
    mailbox, controller = _server(settings, smtputf8=True)
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def ascii_server(settings):
    mailbox, controller = _server(settings, smtputf8=False)
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def international(audience):
    """A campaign to three customers, in id order: a non-ASCII local part first, then a non-ASCII domain only,
    then a plain address."""
    campaign, segment, _none = audience(consenting=0)
    customers = []
    for address in ("زهرا@مثال.ایران", "ali@مثال.ایران", "sara@example.com"):
        customer = CustomerFactory(email=address)
        ConsentFactory(customer=customer)
        segment.members.add(customer)
        customers.append(customer)
    return campaign, customers


def test_envelope_addresses():
    assert envelope_address("ali@example.com") == "ali@example.com"
    assert envelope_address("ali@مثال.ایران") == f"ali@{PUNYCODE_DOMAIN}"
    assert envelope_address("زهرا@مثال.ایران") == f"زهرا@{PUNYCODE_DOMAIN}"
    assert envelope_address("Shop <shop@مثال.ایران>") == f"shop@{PUNYCODE_DOMAIN}"
    # A domain the check cannot encode (a zero-width non-joiner) is never turned into another domain (IDNA 2003
    # would drop the mark): it stays as it is and needs SMTPUTF8.
    assert envelope_address("ali@می\u200cخواهم.ایران") == "ali@می\u200cخواهم.ایران"


def test_a_server_with_smtputf8_receives_every_address_in_its_form(utf8_server, international):
    campaign, _customers = international

    campaign_start(campaign=campaign)

    assert set(Message.objects.filter(campaign=campaign).values_list("status", flat=True)) == {MessageStatus.SENT}
    options = {rcpts[0]: [o for o in opts if o == "SMTPUTF8"] for rcpts, opts in utf8_server.options}
    assert options == {
        f"زهرا@{PUNYCODE_DOMAIN}": ["SMTPUTF8"],  # the local part travels in UTF-8 (RFC 6531)
        f"ali@{PUNYCODE_DOMAIN}": [],  # the domain alone is IDNA-encoded: nothing special needed
        "sara@example.com": [],
    }
    (local_message,) = utf8_server.to(f"زهرا@{PUNYCODE_DOMAIN}")
    assert local_message["To"] == "زهرا@مثال.ایران"  # the header in UTF-8 (RFC 6532)
    (domain_message,) = utf8_server.to(f"ali@{PUNYCODE_DOMAIN}")
    assert domain_message["To"] == f"ali@{PUNYCODE_DOMAIN}"
    assert "=?utf-8?" not in str(local_message["To"]) + str(domain_message["To"])


def test_a_server_without_smtputf8_fails_that_message_only_and_never_retries_it(ascii_server, international):
    campaign, (unicode_local, unicode_domain, plain) = international

    campaign_start(campaign=campaign)

    assert set(ascii_server.count_by_recipient()) == {f"ali@{PUNYCODE_DOMAIN}", "sara@example.com"}
    failed = Message.objects.get(campaign=campaign, customer=unicode_local)
    assert failed.status == MessageStatus.FAILED
    assert failed.error == "The mail server does not accept internationalised addresses (SMTPUTF8)."
    assert failed.sent_at is None and failed.attempts == 1
    others = Message.objects.filter(campaign=campaign, customer__in=[unicode_domain, plain])
    assert set(others.values_list("status", flat=True)) == {MessageStatus.SENT}
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
