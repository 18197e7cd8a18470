"""Bounces and complaints: what they do to an address and to a campaign, the signed return path, the rates."""

import re

import pytest
from django.urls import reverse

from campaigns import verp
from campaigns.models import CampaignStatus, DeliveryEvent, DeliveryReport
from campaigns.selectors import campaign_delivery_rates
from campaigns.services.bounces import (
    campaign_bounce_guard,
    delivery_report_record,
    reply_event,
    soft_bounces_in_a_row,
    status_event,
)
from customers.models import ConsentEvent, SuppressedAddress, address_hash
from customers.services.suppression import suppression_remove
from tests.campaigns.factories import CampaignFactory, MessageFactory
from tests.customers.factories import ConsentFactory, CustomerFactory

pytestmark = pytest.mark.django_db

HARD, SOFT = DeliveryEvent.HARD_BOUNCE, DeliveryEvent.SOFT_BOUNCE


def _suppressed(address):
    return SuppressedAddress.objects.filter(address_hash=address_hash(address)).exists()


# --- the signed return path --------------------------------------------------------------------------------------


def test_a_return_path_names_its_message_and_keeps_to_rfc_5321(settings):
    path = verp.return_path(kind="c", row_id=9_223_372_036_854_775_807, sender="Shop <news@shop.example>")

    local, _at, domain = path.rpartition("@")
    assert domain == "shop.example" and local.startswith("bounces+c9223372036854775807-")
    assert re.fullmatch(r"[A-Za-z0-9+=-]+", local) and len(local) <= 64
    assert verp.return_path_read(path) == ("c", 9_223_372_036_854_775_807)
    assert verp.return_path_read(path.upper()) == ("c", 9_223_372_036_854_775_807)  # a server folded the case

    settings.CAMPAIGNS_RETURN_PATH = "Bounces <returns@bounces.shop.example>"
    assert re.fullmatch(
        r"returns\+s42-[a-z2-7]{10}@bounces\.shop\.example", verp.return_path(kind="s", row_id=42, sender="x@y.example")
    )


def test_a_forged_or_altered_return_path_names_nothing(settings):
    path = verp.return_path(kind="c", row_id=123, sender="news@shop.example")
    local, _at, domain = path.rpartition("@")
    signature = local.rsplit("-", 1)[1]

    assert verp.return_path_read(path.replace("c123", "c124")) is None
    assert verp.return_path_read(path.replace("c123", "s123")) is None
    assert verp.return_path_read(f"bounces+c123-{'a' * 10}@{domain}") is None
    assert verp.return_path_read(f"bounces+c123-{signature[:-1]}@{domain}") is None
    assert verp.return_path_read("news@shop.example") is None
    settings.SECRET_KEY = "another-key-" + "x" * 50
    assert verp.return_path_read(path) is None
    settings.SECRET_KEY_FALLBACKS = ["test-only-key-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"]
    assert verp.return_path_read(path) == ("c", 123)  # mail sent before a key rotation still finds its row


def test_our_message_id_names_its_message_too():
    value = verp.message_id(kind="l", row_id=7, domain="shop.example")

    assert verp.message_id_read(value) == ("l", 7)
    assert verp.message_id_read(value.replace("l7-", "l8-")) is None
    assert verp.message_id_read("<4VxK1c3Hn8z9sWR@mx1.mail.example.net>") is None


# --- what a status says ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("5.1.1", HARD),
        ("5.0.0", HARD),
        ("5.4.4", HARD),  # no such domain
        ("5.2.2", SOFT),  # mailbox full
        ("5.7.1", SOFT),  # refused by a policy, not about the address
        ("5.4.7", SOFT),  # delivery time expired
        ("4.4.1", SOFT),
        ("2.0.0", None),
        ("host 192.0.2.153 said nothing", None),
    ],
)
def test_enhanced_status_codes(text, event):
    assert status_event(text) == event


@pytest.mark.parametrize(
    ("reply", "event"),
    [
        ("550 b'5.1.1 <a@b.example>: Recipient address rejected'", HARD),
        ("550 b'Mailbox unavailable'", HARD),
        ("552 b'Mailbox full'", SOFT),
        ("421 b'Try again later'", SOFT),
        ("554 b'5.7.1 Service unavailable; client host blocked'", SOFT),
        ("connection closed", None),
    ],
)
def test_smtp_replies(reply, event):
    assert reply_event(reply) == event


# --- what a report does to its address ---------------------------------------------------------------------------


def test_a_permanent_refusal_at_sending_time_suppresses_the_address_once():
    message = MessageFactory(status="failed")
    address = message.customer.email

    first = delivery_report_record(
        address="", event=HARD, source="smtp", detail="550 b'5.1.1 User unknown'", kind_code="c", row_id=message.pk
    )
    again = delivery_report_record(address="", event=HARD, source="smtp", kind_code="c", row_id=message.pk)

    assert first is not None and again is None
    assert (first.address, first.campaign_id, first.status, first.suppressed) == (
        address,
        message.campaign_id,
        "5.1.1",
        True,
    )
    message.customer.refresh_from_db()
    assert message.customer.suppressed and _suppressed(address.upper())
    assert not ConsentEvent.objects.filter(customer=message.customer).exists()  # a bounce is no withdrawal


def _soft(address, message_key, n=0):
    return delivery_report_record(
        address=address, event=SOFT, source="mailgun", reference=f"soft-{message_key}-{n}", kind_code="", row_id=None
    )


def test_soft_bounces_suppress_at_the_limit_of_different_messages_in_a_row(settings):
    settings.CAMPAIGNS_SOFT_BOUNCE_LIMIT = 3
    customer = CustomerFactory(email="full@example.com")
    messages = [MessageFactory(customer=customer) for _i in range(4)]

    def soft(message, n=0):
        return delivery_report_record(
            address="", event=SOFT, source="mailgun", reference=f"mg-{message.pk}-{n}", kind_code="c",
            row_id=message.pk,
        )  # fmt: skip

    soft(messages[0])
    soft(messages[1])
    soft(messages[1], n=1)  # the same message deferred again counts once
    soft(messages[1], n=2)
    assert soft_bounces_in_a_row(key=address_hash("full@example.com")) == 2
    assert not _suppressed("full@example.com")

    third = soft(messages[2])

    assert third.suppressed and _suppressed("full@example.com")
    assert SuppressedAddress.objects.get().reason == "soft_bounces"
    customer.refresh_from_db()
    assert customer.suppressed


def test_a_delivery_ends_the_run_and_so_does_a_removal_by_staff(settings, admin_user):
    settings.CAMPAIGNS_SOFT_BOUNCE_LIMIT = 3
    address = "sometimes@example.com"
    CustomerFactory(email=address)

    _soft(address, 1)
    _soft(address, 2)
    delivered = delivery_report_record(address=address, event=DeliveryEvent.DELIVERED, source="postmark", reference="d")
    _soft(address, 3)
    _soft(address, 4)
    assert delivered is not None and not _suppressed(address)  # 2, then 2 again: never 3 in a row

    _soft(address, 5)
    assert _suppressed(address)
    suppression_remove(address=address, by=admin_user)
    _soft(address, 6)
    assert not _suppressed(address)  # a new run starts after the removal


def test_a_delivery_with_no_run_to_end_is_not_written():
    assert delivery_report_record(address="ok@example.com", event=DeliveryEvent.DELIVERED, source="postmark") is None
    assert not DeliveryReport.objects.exists()


def test_a_complaint_withdraws_consent_with_the_event_in_the_history():
    customer = CustomerFactory(email="angry@example.com")
    ConsentFactory(customer=customer)

    delivery_report_record(address="Angry@Example.com", event=DeliveryEvent.COMPLAINT, source="sendgrid", reference="x")

    customer.refresh_from_db()
    assert customer.suppressed
    event = ConsentEvent.objects.get(customer=customer, granted=False)
    assert (event.channel, event.source) == ("email", "complaint")


# --- the campaign: its rates and the pause -----------------------------------------------------------------------


@pytest.fixture
def sending_campaign(settings):
    settings.CAMPAIGNS_BOUNCE_PAUSE_SAMPLE = 20
    settings.CAMPAIGNS_BOUNCE_PAUSE_RATE = 0.1  # more than 2 bounces among the first 20 messages
    campaign = CampaignFactory(status=CampaignStatus.SENDING)
    messages = [MessageFactory(campaign=campaign, status="sent") for _i in range(25)]
    return campaign, messages


def _bounce(message, event=HARD):
    return delivery_report_record(
        address="", event=event, source="dsn", kind_code="c", row_id=message.pk, reference=f"b{message.pk}"
    )


def test_a_campaign_pauses_once_its_first_messages_bounce_past_the_limit(sending_campaign):
    campaign, messages = sending_campaign

    _bounce(messages[0])
    _bounce(messages[19], event=SOFT)  # the last message of the sample; soft bounces count too
    for late in messages[20:]:
        _bounce(late)  # after the sample: shown in the rates, not counted for the pause
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENDING  # 2 of 20: at the limit, not past it

    _bounce(messages[5])

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED
    change = campaign.status_changes.first()
    assert (change.from_status, change.to_status) == ("sending", "paused")
    assert "3 of the first 20 messages bounced" in change.note and "10%" in change.note


def test_the_same_message_bouncing_twice_counts_once_and_only_a_sending_campaign_pauses(sending_campaign):
    campaign, messages = sending_campaign
    _bounce(messages[0])
    _bounce(messages[1])
    delivery_report_record(address="", event=HARD, source="mailgun", kind_code="c", row_id=messages[1].pk)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENDING

    campaign.status = CampaignStatus.SENT
    campaign.save(update_fields=["status"])
    _bounce(messages[2])
    _bounce(messages[3])
    assert campaign_bounce_guard(campaign_id=campaign.pk) is False
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_a_campaign_smaller_than_the_sample_pauses_only_past_the_same_count(settings):
    settings.CAMPAIGNS_BOUNCE_PAUSE_SAMPLE = 1000
    settings.CAMPAIGNS_BOUNCE_PAUSE_RATE = 0.002  # more than 2
    campaign = CampaignFactory(status=CampaignStatus.SENDING)
    messages = [MessageFactory(campaign=campaign, status="sent") for _i in range(10)]

    _bounce(messages[0])
    _bounce(messages[1])
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENDING  # 20% of 10, but only 2 bounces

    _bounce(messages[2])
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED


def test_the_campaign_page_shows_its_bounce_and_complaint_rates(admin_client, sending_campaign, settings):
    settings.CAMPAIGNS_BOUNCE_PAUSE_SAMPLE = 1000
    campaign, messages = sending_campaign
    _bounce(messages[0])
    _bounce(messages[1], event=SOFT)
    delivery_report_record(
        address="", event=DeliveryEvent.COMPLAINT, source="arf", kind_code="c", row_id=messages[2].pk, reference="c"
    )

    rates = campaign_delivery_rates(campaign=campaign)
    response = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))

    assert (rates.sent, rates.hard_bounces, rates.soft_bounces, rates.complaints) == (25, 1, 1, 1)
    assert rates.bounce_rate == pytest.approx(2 / 25) and rates.complaint_rate == pytest.approx(1 / 25)
    page = response.content.decode()
    assert "bounce rate" in page and "8.0%" in page and "4.0%" in page


def test_an_erasure_blanks_the_address_in_the_reports_and_keeps_the_count():
    from campaigns.services.bounces import delivery_reports_forget

    _soft("erase.me@example.com", 1)

    assert delivery_reports_forget(address="Erase.Me@example.com") == 1
    assert DeliveryReport.objects.get().address == ""
    assert soft_bounces_in_a_row(key=address_hash("erase.me@example.com")) == 1
