"""Customer mail through a real, strict mail server: Debian's Postfix on 127.0.0.1, which refuses a bare line feed
(RFC 5321 2.3.8) and 8-bit body text not declared as such, and relays what it accepts to an aiosmtpd sink."""

import email
import smtplib
from email import policy

import dkim
import pytest
from django.urls import reverse

from campaigns.models import CampaignStatus, DeliveryEvent, DeliveryReport, Message, MessageStatus
from campaigns.services import campaign_start
from campaigns.services.domains import dkim_key_activate, sending_domain_create
from campaigns.services.sending.dkim import signer_cache_clear
from campaigns.verp import return_path_read
from customers.selectors import suppressed_among
from emarketing.signing import signature_headers
from tests.campaigns.factories import CreativeFactory
from tests.campaigns.reports import report
from tests.campaigns.test_dkim import published
from tests.customers.factories import ConsentFactory, CustomerFactory, SegmentFactory
from tests.mailserver import HOSTNAME

pytestmark = pytest.mark.mailserver

PUNYCODE_DOMAIN = "xn--mgbh0fb.xn--mgba3a4f16a"  # مثال.ایران
ENGLISH_SUBJECT = "Spring sale – 30% off for {{ customer.first_name }}"
PERSIAN_SUBJECT = (
    "{{ customer.first_name }} عزیز، حراج بزرگ بهاره‌ی فروشگاه آغاز شد: تا سی درصد تخفیف روی همه‌ی محصولات، "
    "ارسال رایگان برای خریدهای بالای یک میلیون تومان و هدیه‌ی ویژه برای مشتریان وفادار – فقط تا پایان هفته"
)


def _raw(body: bytes) -> bytes:
    return (
        b"From: shop@example.com\r\n"
        b"To: sara@example.com\r\n"
        b"Subject: Line endings\r\n"
        b"Date: Fri, 20 Mar 2026 10:00:00 +0000\r\n"
        b"Message-ID: <line-endings@example.com>\r\n"
        b"\r\n" + body
    )


def test_a_bare_line_feed_is_refused_and_the_same_message_with_crlf_is_relayed(postfix):
    with pytest.raises(smtplib.SMTPDataError) as refused:
        postfix.send_raw(
            _raw(b"First line\nSecond line\r\n"), sender="shop@example.com", recipients=["sara@example.com"]
        )

    assert refused.value.smtp_code == 550
    assert b"5.5.2" in refused.value.smtp_error and b"bare <LF> received" in refused.value.smtp_error
    assert "bare <LF> received" in postfix.wait_log("bare <LF> received")

    refused_recipients = postfix.send_raw(
        _raw(b"First line\r\nSecond line\r\n"), sender="shop@example.com", recipients=["sara@example.com"]
    )
    assert refused_recipients == {}
    (relayed,) = postfix.wait_relayed(1)
    assert relayed.recipients == ["sara@example.com"]
    assert relayed.data.endswith(b"\r\n\r\nFirst line\r\nSecond line\r\n")
    assert postfix.wait_queue_empty() == "Mail queue is empty"


@pytest.fixture
def campaign_to_three(db):
    """A campaign with an English creative (an en dash in its subject) and a Persian one (a long subject), to a
    segment of three consenting customers: a plain address, a Persian local part, a Persian domain."""
    segment = SegmentFactory()
    english = CreativeFactory(
        language="en",
        subject=ENGLISH_SUBJECT,
        html_body='<p>Hello {{ customer.first_name }}</p><a href="https://shop.example.com/spring">Spring</a>',
        text_body="Hello {{ customer.first_name }}",
        campaign__name="Spring",
    )
    campaign = english.campaign
    campaign.segments.add(segment)
    CreativeFactory(
        campaign=campaign,
        language="fa",
        subject=PERSIAN_SUBJECT,
        html_body='<p>سلام {{ customer.first_name }}</p><a href="https://shop.example.com/spring">بهار</a>',
        text_body="سلام {{ customer.first_name }}",
    )
    customers = [
        CustomerFactory(email="sara@example.com"),
        CustomerFactory(persian=True, email="زهرا@example.com"),
        CustomerFactory(persian=True, email="ali@مثال.ایران"),
    ]
    for customer in customers:
        ConsentFactory(customer=customer)
        segment.members.add(customer)
    return campaign, customers


def _parse(relayed):
    """The message as a reader's program parses it. One that travelled with SMTPUTF8 has its headers in UTF-8
    (RFC 6532): it is decoded as UTF-8 first, which fails on anything else; the others must be ASCII-clean."""
    if "SMTPUTF8" in relayed.mail_options:
        return email.message_from_string(relayed.data.decode("utf-8"), policy=policy.default)
    return email.message_from_bytes(relayed.data, policy=policy.default)


def _defects(message, *, smtputf8):
    """Every defect the parser found, in the structure and in each header, of every part. Python's parser
    follows RFC 5322 only and flags any non-ASCII local part; RFC 6532 allows one in a message sent with
    SMTPUTF8, so there (and only in an address header) it is no defect."""
    allowed = {("To", "NonASCIILocalPartDefect"), ("From", "NonASCIILocalPartDefect")} if smtputf8 else set()
    found = []
    for part in message.walk():
        found += [(part.get_content_type(), type(defect).__name__) for defect in part.defects]
        found += [(name, type(defect).__name__) for name, value in part.items() for defect in value.defects]
    return [defect for defect in found if defect not in allowed]


@pytest.fixture
def signing(settings, django_capture_on_commit_callbacks):
    """The shop signs its mail: an active DKIM key for its domain; unsubscribing by mail is offered too."""
    settings.CAMPAIGNS_FROM_EMAIL = "Saffron Shop <news@shop.example>"
    settings.CAMPAIGNS_UNSUBSCRIBE_EMAIL = "unsubscribe@shop.example"
    signer_cache_clear()
    domain = sending_domain_create(domain="shop.example")
    with django_capture_on_commit_callbacks(execute=True):
        dkim_key_activate(key=domain.dkim_keys.get(), require_published=False)
    yield domain
    signer_cache_clear()


@pytest.mark.django_db(transaction=True)
def test_a_campaign_is_accepted_by_a_strict_server_and_arrives_intact(postfix, campaign_to_three, signing):
    campaign, (sara, zahra, ali) = campaign_to_three

    campaign_start(campaign=campaign)

    # Postfix's answer to a message it refused is the message's error (a bare <LF>: "550 5.5.2 ...").
    outcomes = {m.customer.email: (m.status, m.error) for m in Message.objects.filter(campaign=campaign)}
    assert outcomes == {c.email: (MessageStatus.SENT, "") for c in (sara, zahra, ali)}
    relayed = {r.recipients[0]: r for r in postfix.wait_relayed(3)}
    assert set(relayed) == {"sara@example.com", "زهرا@example.com", f"ali@{PUNYCODE_DOMAIN}"}
    assert postfix.wait_queue_empty() == "Mail queue is empty"  # nothing deferred or held by Postfix
    log = postfix.postfix_log()
    assert "reject" not in log and "bare <LF>" not in log

    subjects, texts = {}, {}
    for recipient, message in relayed.items():
        # What the sink read off the wire, line by line up to each CRLF: no line ends in anything else.
        assert b"\n" not in message.data.replace(b"\r\n", b""), recipient
        assert b"\r" not in message.data.replace(b"\r\n", b""), recipient
        assert max(len(line) for line in message.data.split(b"\r\n")) <= 998, recipient  # RFC 5322 2.1.1
        parsed = _parse(message)
        assert _defects(parsed, smtputf8="SMTPUTF8" in message.mail_options) == [], recipient
        # The product's own Date and Message-ID: Postfix adds its own only when they are missing.
        assert len(parsed.get_all("Date")) == 1 and len(parsed.get_all("Message-ID")) == 1, recipient
        assert not parsed["Message-ID"].endswith(f"@{HOSTNAME}>"), recipient
        assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", recipient
        one_click, by_mail = "".join(str(parsed["List-Unsubscribe"]).split()).split(",")
        assert one_click.startswith("<http") and "/t/u/" in one_click, recipient
        assert by_mail.startswith("<mailto:unsubscribe@shop.example?subject=unsubscribe%20"), recipient
        # Signed by the shop's domain, and still verifying after a real server relayed it (its Received added).
        assert dkim.verify(message.data, dnsfunc=published(signing)), recipient
        subjects[recipient] = parsed["Subject"]
        texts[recipient] = parsed.get_body(preferencelist=("plain",)).get_content()

    assert subjects == {
        "sara@example.com": ENGLISH_SUBJECT.replace("{{ customer.first_name }}", sara.first_name),
        "زهرا@example.com": PERSIAN_SUBJECT.replace("{{ customer.first_name }}", zahra.first_name),
        f"ali@{PUNYCODE_DOMAIN}": PERSIAN_SUBJECT.replace("{{ customer.first_name }}", ali.first_name),
    }
    assert texts["sara@example.com"].startswith(f"Hello {sara.first_name}")
    assert texts["زهرا@example.com"].startswith(f"سلام {zahra.first_name}")

    # The Persian local part needs SMTPUTF8 (RFC 6531) all the way: from the product to Postfix, and on to the sink.
    assert "SMTPUTF8" in relayed["زهرا@example.com"].mail_options
    assert "with UTF8SMTP" in str(email.message_from_bytes(relayed["زهرا@example.com"].data)["Received"])
    assert "SMTPUTF8" not in relayed["sara@example.com"].mail_options
    assert "SMTPUTF8" not in relayed[f"ali@{PUNYCODE_DOMAIN}"].mail_options  # an IDNA domain is plain ASCII


@pytest.mark.django_db(transaction=True)
def test_a_real_bounce_and_a_complaint_through_the_inbound_webhook_keep_the_next_campaign_from_them(
    postfix, campaign_to_three, client, settings
):
    """The next hop refuses one address: Postfix accepted the message, so it writes a delivery status notification
    (RFC 3464) to the message's own return path. That bounce, and a complaint about another message, arrive
    through the signed inbound-mail webhook; the next campaign to the same segment skips both addresses."""
    settings.INBOUND_MAIL_SECRET = "mail-secret"
    campaign, (sara, zahra, ali) = campaign_to_three
    postfix.sink.refuse.add("sara@example.com")

    campaign_start(campaign=campaign)

    # Postfix took all three (its answer is what the product records); the sink refused one onwards.
    assert set(Message.objects.filter(campaign=campaign).values_list("status", flat=True)) == {MessageStatus.SENT}
    relayed = postfix.wait_relayed(3)  # two messages, and Postfix's own bounce
    (bounce,) = [r for r in relayed if return_path_read(r.recipients[0])]
    sara_message = Message.objects.get(campaign=campaign, customer=sara)
    assert return_path_read(bounce.recipients[0]) == ("c", sara_message.pk)
    assert b"multipart/report" in bounce.data and b"report-type=delivery-status" in bounce.data

    def post(raw):
        return client.post(
            reverse("aftersales:inbound_mail_webhook"),
            data=raw,
            content_type="message/rfc822",
            headers=signature_headers(body=raw, secret="mail-secret", scope="inbound-mail"),
        )

    assert post(bounce.data).status_code == 202
    zahra_message = Message.objects.get(campaign=campaign, customer=zahra)
    complaint = report("arf_complaint.eml", row_id=zahra_message.pk, recipient=zahra.email)
    assert post(complaint).status_code == 202

    reports = {r.address: r.event for r in DeliveryReport.objects.filter(campaign=campaign)}
    assert reports == {sara.email: DeliveryEvent.HARD_BOUNCE, zahra.email: DeliveryEvent.COMPLAINT}
    assert suppressed_among([sara.email, zahra.email, ali.email]) == {sara.email, zahra.email}

    next_campaign = CreativeFactory(language="en", subject="Summer", campaign__name="Summer").campaign
    next_campaign.segments.set(campaign.segments.all())
    postfix.reset()
    campaign_start(campaign=next_campaign)

    next_campaign.refresh_from_db()
    assert next_campaign.status == CampaignStatus.SENT
    assert [r.recipients for r in postfix.wait_relayed(1)] == [[f"ali@{PUNYCODE_DOMAIN}"]]
