"""Delivery reports and complaints received by mail (signed inbound-mail webhook, the contact mailbox): what they do."""

import email
from email import policy

import pytest
from django.core import mail
from django.core.cache import cache

from aftersales.models import InboundMail, Ticket, TicketAcknowledgement
from campaigns.models import CampaignStatus, DeliveryEvent, DeliveryReport, Message
from campaigns.services import campaign_start
from campaigns.services.reports import report_receive
from customers.models import Consent, ConsentEvent, SuppressedAddress
from tests.aftersales.factories import TicketFactory
from tests.aftersales.test_contact import FakeImap, post_mail
from tests.campaigns.factories import MessageFactory
from tests.campaigns.reports import report
from tests.customers.factories import ConsentFactory, CustomerFactory

SECRET = "mail-secret"


@pytest.fixture(autouse=True)
def _contact_line(settings):
    settings.INBOUND_MAIL_SECRET = SECRET
    cache.clear()


def _message(**customer):
    c = CustomerFactory(**customer)
    ConsentFactory(customer=c)
    return MessageFactory(customer=c, status="sent")


def _parsed(raw):
    return email.message_from_bytes(raw, policy=policy.default)


@pytest.mark.django_db
def test_a_postfix_dsn_to_our_return_path_suppresses_the_address_and_opens_no_ticket(client):
    message = _message(email="gone@mailbox.example.org")
    raw = report("postfix_dsn.eml", row_id=message.pk, recipient="gone@mailbox.example.org")

    response = post_mail(client, raw)

    assert response.status_code == 202
    message.customer.refresh_from_db()
    assert message.customer.suppressed
    entry = SuppressedAddress.objects.get()
    assert (entry.address, entry.reason) == ("gone@mailbox.example.org", "hard_bounce")
    bounce = DeliveryReport.objects.get()
    assert (bounce.event, bounce.source, bounce.status) == ("hard_bounce", "dsn", "5.1.1")
    assert (bounce.kind_code, bounce.row_id, bounce.campaign_id) == ("c", message.pk, message.campaign_id)
    assert "User unknown" in bounce.detail
    stored = InboundMail.objects.get()
    assert stored.ticket is None and stored.handled_at is not None and not stored.needs_a_human
    assert "delivery report" in stored.error and "suppressed" in stored.error
    assert not Ticket.objects.exists() and mail.outbox == []


@pytest.mark.django_db
def test_the_same_report_twice_is_recorded_once():
    message = _message()
    raw = report("postfix_dsn.eml", row_id=message.pk, recipient=message.customer.email)

    first = report_receive(message=_parsed(raw), source="webhook")
    again = report_receive(message=_parsed(raw), source="imap")

    assert len(first) == 1 and again == []
    assert DeliveryReport.objects.count() == 1


@pytest.mark.django_db
def test_a_delay_notice_is_not_a_bounce(client):
    message = _message()
    raw = report("postfix_delayed.eml", row_id=message.pk, recipient=message.customer.email)

    assert report_receive(message=_parsed(raw)) == []
    post_mail(client, raw)

    message.customer.refresh_from_db()
    assert not message.customer.suppressed
    assert not DeliveryReport.objects.exists() and not SuppressedAddress.objects.exists()
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_a_policy_block_is_a_soft_bounce_and_suppresses_nobody():
    message = _message()
    raw = report("postfix_dsn.eml", row_id=message.pk, recipient=message.customer.email)
    raw = raw.replace(b"Status: 5.1.1", b"Status: 5.7.1").replace(b"550 5.1.1", b"550 5.7.1")

    (recorded,) = report_receive(message=_parsed(raw))

    assert recorded.event == DeliveryEvent.SOFT_BOUNCE
    message.customer.refresh_from_db()
    assert not message.customer.suppressed


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forgery",
    [
        {"path": "bounces@shop.example", "mid": "<anything@shop.example>"},  # no tag: names no message
        {"path": "bounces+c1-aaaaaaaaaa@shop.example", "mid": "<c1-aaaaaaaaaa.0123456789abcdef@shop.example>"},
    ],
)
def test_a_report_that_names_none_of_our_messages_suppresses_nobody(client, forgery):
    victim = _message(email="victim@example.com")
    raw = report("postfix_dsn.eml", row_id=victim.pk, recipient="victim@example.com", **forgery)

    post_mail(client, raw)

    victim.customer.refresh_from_db()
    assert not victim.customer.suppressed
    assert not SuppressedAddress.objects.exists() and not DeliveryReport.objects.exists()
    stored = InboundMail.objects.get()
    assert stored.needs_a_human and "names none of our messages" in stored.error
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_an_exim_bounce_read_from_the_mailbox_is_a_hard_bounce():
    message = _message(email="nobody@mailbox.example.de")
    raw = report("exim_bounce.eml", row_id=message.pk, recipient="nobody@mailbox.example.de")
    from aftersales.services import mailbox_poll

    assert mailbox_poll(client=FakeImap([raw])) == 1

    bounce = DeliveryReport.objects.get()
    assert (bounce.event, bounce.source, bounce.status) == ("hard_bounce", "bounce", "5.1.1")
    assert SuppressedAddress.objects.filter(address="nobody@mailbox.example.de").exists()
    assert InboundMail.objects.get().source == "imap" and not Ticket.objects.exists()


@pytest.mark.django_db
def test_a_plain_bounce_without_a_status_is_hard_only_when_it_says_permanent():
    first, second = _message(), _message()
    text = report("exim_bounce.eml", row_id=first.pk, recipient=first.customer.email).decode()
    without_codes = text.replace("550 5.1.1", "").replace("550 of them", "")
    temporary = (
        report("exim_bounce.eml", row_id=second.pk, recipient=second.customer.email)
        .decode()
        .replace("550 5.1.1", "")
        .replace("This is a permanent error. ", "")
        .replace("Message-Id: <E1rkRpR", "Message-Id: <E2rkRpR")
    )

    (hard,) = report_receive(message=_parsed(without_codes.encode()))
    (soft,) = report_receive(message=_parsed(temporary.encode()))

    assert (hard.event, soft.event) == ("hard_bounce", "soft_bounce")


@pytest.mark.django_db
def test_an_out_of_office_reply_to_the_return_path_is_not_a_bounce(client):
    message = _message()
    raw = report("exim_bounce.eml", row_id=message.pk, recipient=message.customer.email).decode()
    head, _sep, _body = raw.partition("\n\n")
    auto_reply = (
        f"From: {message.customer.email}\nTo: {head.split('To: ')[1].splitlines()[0]}\n"
        "Subject: Out of office\nAuto-Submitted: auto-replied\nMessage-ID: <ooo1@mailbox.example>\n\n"
        "I am away until Monday.\n"
    )

    assert report_receive(message=_parsed(auto_reply.encode())) is None
    post_mail(client, auto_reply.encode())

    assert not DeliveryReport.objects.exists()
    assert not Ticket.objects.exists()  # an automatic message, as before


@pytest.mark.django_db
def test_an_arf_complaint_suppresses_and_withdraws_consent_with_the_event_in_the_history(client):
    message = _message(email="angry@mailbox-provider.example")
    raw = report("arf_complaint.eml", row_id=message.pk, recipient="angry@mailbox-provider.example")

    post_mail(client, raw)

    customer = message.customer
    customer.refresh_from_db()
    assert customer.suppressed
    assert SuppressedAddress.objects.get().reason == "complaint"
    assert not Consent.objects.get(customer=customer, channel="email").granted
    event = ConsentEvent.objects.filter(customer=customer, channel="email", granted=False).get()
    assert event.source == "complaint"
    complaint = DeliveryReport.objects.get()
    assert (complaint.event, complaint.source, complaint.campaign_id) == ("complaint", "arf", message.campaign_id)
    stored = InboundMail.objects.get()
    assert "complaint report" in stored.error and stored.handled_at is not None


@pytest.mark.django_db
def test_a_complaint_is_found_by_our_message_id_when_the_return_path_is_gone():
    message = _message()
    raw = report("arf_complaint.eml", row_id=message.pk, recipient="", path="bounces@shop.example")

    (complaint,) = report_receive(message=_parsed(raw))

    assert (complaint.row_id, complaint.address) == (message.pk, message.customer.email)


@pytest.mark.django_db
def test_a_bounce_of_an_after_sales_message_finds_its_address_through_the_registry():
    ack = TicketAcknowledgement.objects.create(ticket=TicketFactory(), to="typo@exmaple.com", status="sent")
    raw = report("postfix_dsn.eml", kind="a", row_id=ack.pk, recipient="typo@exmaple.com")

    (bounce,) = report_receive(message=_parsed(raw))

    assert (bounce.kind_code, bounce.row_id, bounce.campaign_id) == ("a", ack.pk, None)
    assert SuppressedAddress.objects.filter(address="typo@exmaple.com", reason="hard_bounce").exists()


@pytest.mark.django_db(transaction=True)
def test_the_next_campaign_skips_an_address_that_bounced_and_one_that_complained(smtp_server, audience, client):
    campaign, segment, (bounced, complained, fine) = audience(consenting=3)
    campaign_start(campaign=campaign)
    assert smtp_server.count_by_recipient() == {c.email: 1 for c in (bounced, complained, fine)}
    sent = {m.customer_id: m.pk for m in Message.objects.filter(campaign=campaign)}

    post_mail(client, report("postfix_dsn.eml", row_id=sent[bounced.pk], recipient=bounced.email))
    post_mail(client, report("arf_complaint.eml", row_id=sent[complained.pk], recipient=complained.email))

    next_campaign, _segment, _others = audience(consenting=0)
    next_campaign.segments.set([segment])
    smtp_server.received.clear()
    campaign_start(campaign=next_campaign)

    next_campaign.refresh_from_db()
    assert next_campaign.status == CampaignStatus.SENT
    assert smtp_server.count_by_recipient() == {fine.email: 1}
    assert smtp_server.to(bounced.email) == [] and smtp_server.to(complained.email) == []
