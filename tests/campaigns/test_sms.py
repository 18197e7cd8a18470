"""The SMS channel, against a local stand-in of the providers (no mock of the HTTP layer)."""

import datetime as dt
import json
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from campaigns.models import (
    CampaignStatus,
    Channel,
    CreativeKind,
    DeliveryEvent,
    DeliveryReport,
    MessageStatus,
    OccasionOffer,
    SmsMessage,
    SmsReport,
    SmsSender,
    Touch,
    TouchKind,
    TouchSource,
)
from campaigns.services import campaign_start
from campaigns.services.occasions import occasion_offers_send_due
from campaigns.services.sms import sms_message_enqueue, sms_send_due
from campaigns.sms.encoding import GSM7, UCS2, sms_size
from campaigns.sms.providers import twilio_signature
from campaigns.sms.selectors import sms_campaign_cost
from customers.models import Consent, ConsentChannel, ConsentEvent, ConsentSource
from customers.selectors import suppressed_among
from tests.campaigns.factories import CampaignFactory, CreativeFactory
from tests.customers.factories import ConsentFactory, CustomerFactory, OccasionFactory, SegmentFactory

pytestmark = pytest.mark.django_db


def texter(**kwargs):
    """A customer who may receive SMS."""
    customer = CustomerFactory(**kwargs)
    ConsentFactory(customer=customer, channel=ConsentChannel.SMS)
    return customer


def sms_creative(campaign, text, language="en"):
    return CreativeFactory(
        campaign=campaign, kind=CreativeKind.SMS, language=language, subject="", html_body="", text_body=text
    )


# -- encoding and parts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "parts"),
    [
        ("a" * 160, GSM7, 1),
        ("a" * 161, GSM7, 2),
        ("a" * 306, GSM7, 2),
        ("a" * 307, GSM7, 3),
        ("a" * 159 + "€", GSM7, 2),  # the euro sign is an escape and a character: 161 septets
        ("a" * 158 + "{", GSM7, 1),
        ("س" * 67, UCS2, 1),
        ("س" * 70, UCS2, 1),
        ("س" * 71, UCS2, 2),
        ("س" * 134, UCS2, 2),
        ("س" * 135, UCS2, 3),
        ("Hello سلام", UCS2, 1),
        ("a" * 69 + "😀", UCS2, 2),  # an emoji takes two UTF-16 units
    ],
)
def test_a_text_is_counted_in_parts_as_the_carriers_bill_it(text, encoding, parts):
    size = sms_size(text)
    assert (size.encoding, size.parts) == (encoding, parts)


def test_extension_characters_count_two_and_persian_counts_in_utf16_units():
    assert sms_size("[x]").characters == 5
    assert sms_size("سلام").characters == 4


# -- providers: the documented request shapes --------------------------------------------------------------------


def test_kavenegar_gets_receptor_sender_message_and_localid_and_its_message_id_is_kept(sms_provider, settings):
    settings.SMS_PROVIDER = "kavenegar"
    customer = texter(phone="+989121234567", country="IR")
    assert sms_message_enqueue(customer=customer, text="سلام، سفارش شما ارسال شد", key="order:1:shipped")
    result = sms_send_due()

    assert result.sent == 1
    [request] = sms_provider.of("kavenegar")
    assert request.path == "/v1/test-key/sms/send.json"
    message = SmsMessage.objects.get(key="order:1:shipped")
    assert request.fields == {
        "receptor": "+989121234567",
        "sender": "10004346",
        "message": "سلام، سفارش شما ارسال شد",
        "localid": str(message.pk),
    }
    assert message.status == MessageStatus.SENT
    assert message.provider_id == "8000001"
    assert (message.encoding, message.parts) == (UCS2, 1)


def test_twilio_gets_basic_auth_to_from_body_and_a_status_callback(sms_provider, settings):
    settings.SMS_PROVIDER = "twilio"
    settings.SITE_URL = "https://shop.example.com"
    SmsSender.objects.create(country="AE", provider="twilio", sender="+15005550006", price_per_part=Decimal("0.05"))
    customer = texter(phone="+971501234567", country="AE")
    sms_message_enqueue(customer=customer, text="Your order is on its way", key="k1")
    sms_send_due()

    [request] = sms_provider.of("twilio")
    assert request.path == f"/2010-04-01/Accounts/{sms_provider.account_sid}/Messages.json"
    assert request.fields == {
        "To": "+971501234567",
        "From": "+15005550006",
        "Body": "Your order is on its way",
        "StatusCallback": "https://shop.example.com/webhooks/sms/twilio/status/",
    }
    assert SmsMessage.objects.get(key="k1").provider_id.startswith("SM")


def test_the_generic_gateway_gets_its_body_template_filled_and_json_escaped(sms_provider, settings):
    settings.SMS_PROVIDER = "http"
    customer = texter(phone="+989121234567")
    sms_message_enqueue(customer=customer, text='He said "hi"\nتخفیف', key="k2")
    sms_send_due()

    [request] = sms_provider.of("http")
    assert json.loads(request.body)["text"] == 'He said "hi"\nتخفیف'
    assert request.fields["to"] == "+989121234567"
    assert SmsMessage.objects.get(key="k2").provider_id.startswith("gw-")


def test_the_console_provider_records_what_would_be_sent(sms_provider, settings):
    settings.SMS_PROVIDER = "console"
    sms_message_enqueue(customer=texter(phone="+989121234567"), text="Hi", key="k3")
    sms_send_due()
    with open(settings.SMS_CONSOLE_FILE, encoding="utf-8") as outbox:
        [line] = outbox.read().splitlines()
    assert json.loads(line)["to"] == "+989121234567"
    assert SmsMessage.objects.get(key="k3").status == MessageStatus.SENT


# -- errors: retried with backoff, or failed for good ------------------------------------------------------------


def test_a_temporary_provider_error_is_retried_later_with_backoff_and_then_sent(sms_provider, settings):
    settings.SMS_PROVIDER = "kavenegar"
    settings.CAMPAIGNS_SEND_RETRY_BACKOFF = 60
    sms_provider.fail_next("kavenegar", 409, {"return": {"status": 409, "message": "server busy"}, "entries": None})
    sms_message_enqueue(customer=texter(), text="Hi", key="k4")
    before = timezone.now()

    first = sms_send_due()
    message = SmsMessage.objects.get(key="k4")
    assert (first.sent, first.retried) == (0, 1)
    assert message.status == MessageStatus.QUEUED and message.attempts == 1
    assert "409" in message.error
    assert message.next_attempt_at >= before + dt.timedelta(seconds=60)
    assert sms_send_due().sent == 0  # not due yet: nothing is sent again now

    SmsMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert sms_send_due().sent == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2
    assert len(sms_provider.of("kavenegar")) == 2


def test_an_unreachable_provider_is_a_temporary_error(sms_provider, settings):
    settings.SMS_PROVIDER = "kavenegar"
    settings.SMS_KAVENEGAR_BASE_URL = "http://127.0.0.1:9"  # nothing listens there
    sms_message_enqueue(customer=texter(), text="Hi", key="k5")
    assert sms_send_due().retried == 1
    assert SmsMessage.objects.get(key="k5").status == MessageStatus.QUEUED


def test_a_permanent_error_fails_the_message_at_once(sms_provider, settings):
    settings.SMS_PROVIDER = "twilio"
    sms_provider.fail_next(
        "twilio", 400, {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400}
    )
    sms_message_enqueue(customer=texter(), text="Hi", key="k6")
    result = sms_send_due()
    message = SmsMessage.objects.get(key="k6")
    assert (result.failed, message.status) == (1, MessageStatus.FAILED)
    assert "21211" in message.error
    assert sms_send_due().sent == 0 and len(sms_provider.of("twilio")) == 1


def test_the_last_attempt_fails_the_message(sms_provider, settings):
    settings.SMS_PROVIDER = "kavenegar"
    settings.SMS_SEND_MAX_ATTEMPTS = 2
    sms_provider.fail_next("kavenegar", 500, {"return": {"status": 500, "message": "oops"}}, times=2)
    sms_message_enqueue(customer=texter(), text="Hi", key="k7")
    sms_send_due()
    SmsMessage.objects.filter(key="k7").update(next_attempt_at=None)
    sms_send_due()
    assert SmsMessage.objects.get(key="k7").status == MessageStatus.FAILED


# -- checked at send: consent, suppression, number, quiet hours --------------------------------------------------


def test_consent_suppression_and_a_bad_number_are_checked_when_sending(sms_provider, settings):
    settings.SMS_PROVIDER = "kavenegar"
    no_consent = CustomerFactory()
    ConsentFactory(customer=no_consent, channel=ConsentChannel.SMS, granted=False)
    email_only = CustomerFactory()
    ConsentFactory(customer=email_only)  # e-mail consent is not SMS consent
    landline = texter(phone="+982188776655", country="IR")
    ok = texter()
    for i, customer in enumerate([no_consent, email_only, landline, ok]):
        sms_message_enqueue(customer=customer, text="Hi", key=f"c{i}")

    result = sms_send_due()
    assert (result.sent, result.failed) == (1, 3)
    assert [r.fields["receptor"] for r in sms_provider.of("kavenegar")] == [ok.phone]
    assert "E.164" in SmsMessage.objects.get(key="c2").error


def test_quiet_hours_hold_a_message_until_they_end_in_the_customers_time_zone(sms_provider, settings):
    settings.SMS_PROVIDER = "kavenegar"
    now = timezone.now().astimezone(dt.UTC)
    settings.CAMPAIGNS_QUIET_HOURS_START = (now - dt.timedelta(hours=1)).strftime("%H:%M")
    settings.CAMPAIGNS_QUIET_HOURS_END = (now + dt.timedelta(hours=1)).strftime("%H:%M")
    sms_message_enqueue(customer=texter(time_zone="UTC"), text="Hi", key="q1")

    result = sms_send_due()
    message = SmsMessage.objects.get(key="q1")
    assert (result.sent, result.deferred) == (0, 1)
    assert message.status == MessageStatus.QUEUED and message.attempts == 0
    assert now + dt.timedelta(minutes=58) < message.next_attempt_at <= now + dt.timedelta(hours=1)
    assert sms_provider.of("kavenegar") == []


def test_enqueue_keeps_one_message_per_key(sms_provider):
    customer = texter()
    assert sms_message_enqueue(customer=customer, text="Step 1", key="journey:5:step:2") is True
    assert sms_message_enqueue(customer=customer, text="Step 1 again", key="journey:5:step:2") is False
    assert SmsMessage.objects.get(key="journey:5:step:2").text == "Step 1"


# -- campaigns: texts per language, tracked short links, cost ----------------------------------------------------


@pytest.fixture
def sms_campaign(db):
    segment = SegmentFactory()
    campaign = CampaignFactory(name="Yalda", channel=Channel.SMS)
    campaign.segments.add(segment)
    sms_creative(campaign, "Hi {{ customer.first_name }}, 20% off: https://shop.example.com/yalda. Reply STOP to end")
    sms_creative(campaign, "سلام {{ customer.first_name }}، ۲۰٪ تخفیف: https://shop.example.com/yalda", language="fa")
    return campaign, segment


def test_an_sms_campaign_sends_each_language_its_text_with_a_short_tracked_link(
    sms_provider, settings, sms_campaign, client, django_capture_on_commit_callbacks
):
    settings.SMS_PROVIDER = "kavenegar"
    settings.SITE_URL = "https://mk.example.com"
    campaign, segment = sms_campaign
    english, persian = texter(first_name="Ann"), texter(first_name="زهرا", preferred_language="fa")
    outsider = texter()
    for c in (english, persian):
        segment.members.add(c)

    with django_capture_on_commit_callbacks(execute=True):
        campaign_start(campaign=campaign)  # eager Celery: the send runs after the commit
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    texts = {r.fields["receptor"]: r.fields["message"] for r in sms_provider.of("kavenegar")}
    assert set(texts) == {english.phone, persian.phone} and outsider.phone not in texts
    assert texts[english.phone].startswith("Hi Ann, 20% off: https://mk.example.com/s/")
    assert texts[english.phone].endswith(". Reply STOP to end")
    assert texts[persian.phone].startswith("سلام زهرا")
    assert "shop.example.com" not in texts[english.phone]

    short = texts[english.phone].split("off: ")[1].split(". Reply")[0]
    response = client.get(short.removeprefix("https://mk.example.com"))
    assert response.status_code == 302 and response["Location"] == "https://shop.example.com/yalda"
    touch = Touch.objects.get()
    assert (touch.kind, touch.source, touch.customer_id, touch.campaign_id) == (
        TouchKind.CLICK,
        TouchSource.SMS,
        english.pk,
        campaign.pk,
    )
    tampered = short.removeprefix("https://mk.example.com")[:-2] + "xx"
    assert client.get(tampered).status_code == 400


def test_the_short_link_goes_only_to_a_link_of_the_messages_campaign(
    sms_provider, settings, sms_campaign, client, django_capture_on_commit_callbacks
):
    from campaigns import tokens
    from campaigns.models import Link

    campaign, segment = sms_campaign
    customer = texter()
    segment.members.add(customer)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_start(campaign=campaign)
    message = SmsMessage.objects.get(campaign=campaign)
    elsewhere = Link.objects.create(campaign=CampaignFactory(), url="https://evil.example.net/")
    token = tokens.sms_click_token(message.pk, elsewhere.pk)
    assert client.get(f"/s/{token}").status_code == 404


def test_the_admin_shows_parts_encoding_and_cost_before_sending(sms_campaign):
    campaign, segment = sms_campaign
    SmsSender.objects.create(country="IR", provider="kavenegar", sender="10004346", price_per_part=Decimal("0.0100"))
    SmsSender.objects.create(country="", provider="kavenegar", sender="10004346", price_per_part=Decimal("0.0500"))
    for _i in range(3):
        segment.members.add(texter(preferred_language="fa", phone=f"+98912{_i:07d}"))
    segment.members.add(texter(phone="+971501234567", country="AE"))
    segment.members.add(CustomerFactory())  # no SMS consent: not counted

    estimate = sms_campaign_cost(campaign=campaign, provider="kavenegar")
    assert (estimate.texts["en"].encoding, estimate.texts["en"].parts) == (GSM7, 1)
    assert estimate.texts["fa"].encoding == UCS2
    by_country = {c.country: (c.recipients, c.parts, c.cost) for c in estimate.countries}
    fa_parts = estimate.texts["fa"].parts
    assert by_country == {
        "IR": (3, 3 * fa_parts, Decimal("0.0100") * 3 * fa_parts),
        "AE": (1, 1, Decimal("0.0500")),
    }
    assert estimate.recipients == 4


def test_the_campaign_page_shows_the_sms_estimate(admin_client, sms_campaign):
    campaign, segment = sms_campaign
    segment.members.add(texter())
    response = admin_client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "GSM-7" in page and "UCS-2" in page


@pytest.mark.django_db(transaction=True)
def test_an_occasion_campaign_by_sms_sends_its_offer_as_an_sms_once(sms_provider, settings):
    settings.SMS_PROVIDER = "kavenegar"
    campaign = CampaignFactory(name="Birthday", occasion_kind="birthday", channel=Channel.SMS)
    sms_creative(campaign, "Happy birthday {{ customer.first_name }}! {{ occasion.day }}/{{ occasion.month }}")
    campaign_start(campaign=campaign)
    customer = texter(first_name="Ann", time_zone="UTC")
    OccasionFactory(customer=customer, kind="birthday", month=3, day=4)
    at = dt.datetime(2027, 3, 4, 12, 0, tzinfo=dt.UTC)

    occasion_offers_send_due(now=at)
    occasion_offers_send_due(now=at + dt.timedelta(hours=1))
    [request] = sms_provider.of("kavenegar")
    assert request.fields["message"] == "Happy birthday Ann! 4/3"
    assert OccasionOffer.objects.get().status == MessageStatus.SENT
    assert SmsMessage.objects.get().status == MessageStatus.SENT


# -- webhooks: delivery reports, signatures, replies -------------------------------------------------------------


def _sent_through(provider, settings, sms_provider):
    settings.SMS_PROVIDER = provider
    customer = texter()
    sms_message_enqueue(customer=customer, text="Hi", key=f"r-{provider}")
    sms_send_due()
    return SmsMessage.objects.get(key=f"r-{provider}")


def test_a_signed_twilio_status_callback_marks_the_message_delivered(sms_provider, settings, client):
    message = _sent_through("twilio", settings, sms_provider)
    params = {"MessageSid": message.provider_id, "MessageStatus": "delivered", "To": message.to}
    url = "http://testserver/webhooks/sms/twilio/status/"
    signature = twilio_signature(url=url, params=list(params.items()), auth_token=sms_provider.auth_token)
    response = client.post("/webhooks/sms/twilio/status/", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.report == SmsReport.DELIVERED


def test_a_forged_status_callback_is_refused_and_changes_nothing(sms_provider, settings, client):
    message = _sent_through("twilio", settings, sms_provider)
    params = {"MessageSid": message.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30005"}
    forged = twilio_signature(
        url="http://testserver/webhooks/sms/twilio/status/", params=list(params.items()), auth_token="guess"
    )
    assert client.post("/webhooks/sms/twilio/status/", params, HTTP_X_TWILIO_SIGNATURE=forged).status_code == 403
    assert client.post("/webhooks/sms/twilio/status/", params).status_code == 403
    message.refresh_from_db()
    assert message.report == SmsReport.NONE
    assert not suppressed_among([message.to])


def test_kavenegar_reports_need_the_secret_token_and_an_undeliverable_number_is_suppressed(
    sms_provider, settings, client
):
    message = _sent_through("kavenegar", settings, sms_provider)
    body = {"messageid": message.provider_id, "status": "11"}
    assert client.post("/webhooks/sms/kavenegar/status/?token=wrong", body).status_code == 403
    assert client.post("/webhooks/sms/kavenegar/status/", body).status_code == 403
    assert client.post("/webhooks/sms/kavenegar/status/?token=hook-secret", body).status_code == 200
    message.refresh_from_db()
    assert message.report == SmsReport.UNDELIVERABLE
    report = DeliveryReport.objects.get()
    assert (report.event, report.kind_code, report.row_id) == (DeliveryEvent.HARD_BOUNCE, "m", message.pk)
    assert suppressed_among([message.to]) == {message.to}

    # The next SMS to that number is refused before it reaches the provider.
    sms_message_enqueue(customer=message.customer, text="Again", key="again")
    assert sms_send_due().failed == 1
    assert len(sms_provider.of("kavenegar")) == 1


def test_a_webhook_body_too_large_is_refused_before_it_is_read(sms_provider, settings, client):
    settings.SMS_WEBHOOK_MAX_BYTES = 100
    body = urlencode({"messageid": "1", "status": "10", "pad": "x" * 200})
    response = client.post(
        "/webhooks/sms/kavenegar/status/?token=hook-secret", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "reply",
    ["STOP", " stop ", "Unsubscribe!", "لغو", "لغو۱۱", "لغو 11", "توقف", "إلغاء", "الغاء", "ايقاف", "إلغاء الاشتراك"],
)
def test_a_stop_reply_in_english_persian_or_arabic_withdraws_sms_consent(sms_provider, client, reply):
    customer = texter(phone="+989121234567")
    body = {"from": "09121234567", "to": "10004346", "message": reply, "messageid": "77"}
    assert client.post("/webhooks/sms/kavenegar/inbound/?token=hook-secret", body).status_code == 200
    assert Consent.objects.get(customer=customer, channel=ConsentChannel.SMS).granted is False
    event = ConsentEvent.objects.get(customer=customer, channel=ConsentChannel.SMS, granted=False)
    assert event.source == ConsentSource.SMS_REPLY


@pytest.mark.parametrize("reply", ["stop sending the blue one?", "لغو سفارش", "thanks", "no"])
def test_other_replies_change_nothing(sms_provider, client, reply):
    customer = texter(phone="+989121234567")
    body = {"from": "+989121234567", "message": reply}
    assert client.post("/webhooks/sms/kavenegar/inbound/?token=hook-secret", body).status_code == 200
    assert Consent.objects.get(customer=customer, channel=ConsentChannel.SMS).granted is True


def test_the_send_panel_counts_phones_and_sms_consent_and_the_progress_counts_sms(
    admin_client, sms_provider, sms_campaign, django_capture_on_commit_callbacks
):
    from campaigns.selectors import campaign_audience_summary, campaign_progress

    campaign, segment = sms_campaign
    segment.members.add(texter(), texter())
    email_only = CustomerFactory()
    ConsentFactory(customer=email_only)
    segment.members.add(email_only, CustomerFactory(phone="", email="no-phone@example.com"))

    summary = campaign_audience_summary(campaign=campaign)
    assert (summary.members, summary.no_address, summary.no_consent, summary.audience) == (4, 1, 1, 2)
    assert "no SMS consent" in admin_client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        campaign_start(campaign=campaign)
    progress = campaign_progress(campaign_id=campaign.pk)
    assert (progress.total, progress.sent) == (2, 2)


def test_an_erasure_blanks_the_number_and_text_of_the_customers_sms(sms_provider, settings):
    from customers.services.erasure import customer_erase

    settings.SMS_PROVIDER = "kavenegar"
    customer = texter()
    sms_message_enqueue(customer=customer, text="Your code is 1234", key="e1")
    sms_send_due()
    sms_message_enqueue(customer=customer, text="Later", key="e2")
    customer_erase(customer=customer, source="admin", requested_by=None)

    sent, unsent = SmsMessage.objects.get(key="e1"), SmsMessage.objects.get(key="e2")
    assert (sent.to, sent.text, sent.status) == ("", "", MessageStatus.SENT)
    assert (unsent.text, unsent.status) == ("", MessageStatus.FAILED)


def test_retention_blanks_old_sms_once_sent_and_never_the_text_of_one_still_to_send(sms_provider, settings):
    from campaigns.services.retention import retention_apply

    settings.SMS_PROVIDER = "kavenegar"
    settings.PRIVACY_RETENTION_DAYS = 30
    customer = texter()
    sms_message_enqueue(customer=customer, text="Sent long ago", key="old-sent")
    sms_send_due()
    sms_message_enqueue(customer=customer, text="Still to send", key="old-queued")
    long_ago = timezone.now() - dt.timedelta(days=31)
    SmsMessage.objects.update(created_at=long_ago)

    retention_apply()
    sent, queued = SmsMessage.objects.get(key="old-sent"), SmsMessage.objects.get(key="old-queued")
    assert (sent.to, sent.text, sent.status) == ("", "", MessageStatus.SENT)
    assert queued.text == "Still to send"


def test_a_signed_twilio_reply_stop_withdraws_consent(sms_provider, client):
    customer = texter(phone="+971501234567", country="AE")
    params = {"From": "+971501234567", "Body": "Stop", "MessageSid": "SM1"}
    url = "http://testserver/webhooks/sms/twilio/inbound/"
    signature = twilio_signature(url=url, params=list(params.items()), auth_token=sms_provider.auth_token)
    assert client.post("/webhooks/sms/twilio/inbound/", params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 200
    assert Consent.objects.get(customer=customer, channel=ConsentChannel.SMS).granted is False


def test_the_generic_gateway_reports_in_json_with_the_token(sms_provider, settings, client):
    message = _sent_through("http", settings, sms_provider)
    body = json.dumps({"id": message.provider_id, "status": "delivered"})
    url = "/webhooks/sms/http/status/?token=hook-secret"
    assert client.post(url, body, content_type="application/json").status_code == 200
    message.refresh_from_db()
    assert message.report == SmsReport.DELIVERED


def test_the_estimate_counts_a_long_link_as_the_short_address_that_replaces_it(sms_campaign):
    campaign, _segment = sms_campaign
    long_link = "https://shop.example.com/" + "spring-collection/" * 9
    creative = campaign.creatives.get(language="en")
    creative.text_body = f"Sale: {long_link}"
    creative.save()
    assert sms_size(creative.text_body).parts == 2
    assert sms_campaign_cost(campaign=campaign).texts["en"].parts == 1


def test_an_sms_campaign_whose_first_texts_fail_too_often_is_paused(settings):
    from campaigns.models import CampaignStatus
    from campaigns.services.sms.replies import sms_status_record
    from campaigns.sms.providers.base import DELIVERED, FAILED, UNDELIVERABLE, StatusReport

    settings.CAMPAIGNS_BOUNCE_PAUSE_SAMPLE, settings.CAMPAIGNS_BOUNCE_PAUSE_RATE = 10, 0.2  # more than 2 of 10
    campaign = CampaignFactory(name="Yalda", channel=Channel.SMS, status=CampaignStatus.SENDING)
    texts = [
        SmsMessage.objects.create(
            key=f"campaign:{campaign.pk}:{i}",
            customer=CustomerFactory(phone=f"+98912000{i:04d}"),
            campaign=campaign,
            text="Yalda",
            provider="kavenegar",
            provider_id=f"k{i}",
        )
        for i in range(12)
    ]

    def report(message, state):
        sms_status_record(provider="kavenegar", report=StatusReport(provider_id=message.provider_id, state=state))
        campaign.refresh_from_db()
        return campaign.status

    assert report(texts[10], UNDELIVERABLE) == CampaignStatus.SENDING  # past the sample: not counted
    assert report(texts[11], FAILED) == CampaignStatus.SENDING
    assert report(texts[0], DELIVERED) == CampaignStatus.SENDING
    assert report(texts[1], UNDELIVERABLE) == CampaignStatus.SENDING
    assert report(texts[2], FAILED) == CampaignStatus.SENDING  # 2 of the first 10: at the limit
    assert report(texts[3], FAILED) == CampaignStatus.PAUSED  # 3: over it
    assert "3 of the first 10" in campaign.status_changes.order_by("pk").last().note
