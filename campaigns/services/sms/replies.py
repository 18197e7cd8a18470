"""What providers tell us back: delivery reports, and customers' replies (a stop word withdraws SMS consent)."""

import logging

from django.db import transaction
from django.utils import timezone

from campaigns.models import DeliveryEvent, ReportSource, SmsMessage, SmsReport
from campaigns.services.bounces import campaign_bounce_guard, delivery_report_record
from campaigns.sms.providers import DELIVERED, FAILED, UNDELIVERABLE, Inbound, StatusReport
from customers.models import ConsentChannel, ConsentSource, Customer
from customers.services.consent import consent_set
from customers.text_reading import fold
from emarketing.contacts import InvalidPhone, normalise_phone

logger = logging.getLogger("campaigns.sms")

# The kind of message a delivery report names (``campaigns.deliverability``): "m", an SMS message.
SMS_KIND = "m"
SOURCES = {
    "kavenegar": ReportSource.SMS_KAVENEGAR,
    "twilio": ReportSource.SMS_TWILIO,
    "http": ReportSource.SMS_HTTP,
}
EVENTS = {
    DELIVERED: DeliveryEvent.DELIVERED,
    FAILED: DeliveryEvent.SOFT_BOUNCE,  # the carrier gave up this time: counts towards a run of soft bounces
    UNDELIVERABLE: DeliveryEvent.HARD_BOUNCE,  # the number does not take SMS: suppressed
}
REPORTS = {DELIVERED: SmsReport.DELIVERED, FAILED: SmsReport.FAILED, UNDELIVERABLE: SmsReport.UNDELIVERABLE}

# Stop words, folded (``customers.text_reading.fold``): a reply that is one of them, whole, opts out. Kept short
# on purpose: "no" or "cancel my order" must not withdraw anyone's consent.
STOP_WORDS = frozenset(
    fold(word)
    for word in (
        # English
        "stop",
        "stopall",
        "unsubscribe",
        "end",
        "quit",
        "cancel",
        "optout",
        "opt out",
        "opt-out",
        # Persian
        "لغو",
        "لغو ۱۱",
        "لغو11",
        "توقف",
        "انصراف",
        "خروج",
        "عدم ارسال",
        # Arabic
        "إلغاء",
        "الغاء",
        "إيقاف",
        "ايقاف",
        "توقف",
        "إلغاء الاشتراك",
        "الغاء الاشتراك",
    )
)
_EDGES = " \t\r\n.!؟?،,;:-_*\"'«»()[]"


def is_stop_word(text: str) -> bool:
    """True when the whole message, trimmed and folded (letter variants, Persian and Arabic digits, case), is a
    stop word."""
    folded = " ".join(fold(text).strip(_EDGES).split())
    return folded in STOP_WORDS or folded.replace(" ", "") in STOP_WORDS


@transaction.atomic
def sms_status_record(*, provider: str, report: StatusReport) -> bool:
    """Record a delivery report on the message it names; True when it changed the message.

    The report is recorded as a delivery report of the number as e-mail's are of the address: undeliverable is a
    hard bounce (the number is suppressed), failed a soft one, delivered ends a run of soft bounces. A report
    posted again changes nothing again; a report in progress (queued, sent to the carrier) is not kept.
    """
    state = REPORTS.get(report.state)
    if state is None or not report.provider_id:
        return False
    row = SmsMessage.objects.filter(provider=provider, provider_id=report.provider_id).order_by("pk").first()
    if row is None:
        return False
    if row.report == state:
        return False
    if row.report == SmsReport.DELIVERED:
        return False  # a late failure after a delivery changes nothing
    SmsMessage.objects.filter(pk=row.pk).update(report=state, reported_at=timezone.now())
    delivery_report_record(
        address=row.to,
        event=EVENTS[report.state],
        source=SOURCES.get(provider, ReportSource.SMS_HTTP),
        detail=report.detail,
        kind_code=SMS_KIND,
        row_id=row.pk,
        reference=f"sms:{provider}:{report.provider_id}:{report.state}",
    )
    if row.campaign_id is not None and state != SmsReport.DELIVERED:
        campaign_bounce_guard(campaign_id=row.campaign_id)
    return True


def sms_reply_record(*, provider: str, inbound: Inbound) -> int:
    """Act on a customer's reply: a stop word withdraws SMS consent (source "SMS reply") of every customer with that
    number; returns how many changed. Other replies are only logged."""
    if not is_stop_word(inbound.text):
        logger.info("SMS reply through %s kept as nothing (not a stop word)", provider)
        return 0
    try:
        phone = normalise_phone(inbound.sender)
    except InvalidPhone:
        logger.warning("SMS stop reply from an unreadable number through %s", provider)
        return 0
    changed = 0
    for customer in Customer.objects.filter(phone=phone).order_by("pk"):
        changed += consent_set(
            customer=customer,
            channel=ConsentChannel.SMS,
            granted=False,
            source=ConsentSource.SMS_REPLY,
            note=f"{provider}: {inbound.text.strip()}"[:255],
        )
    return changed
