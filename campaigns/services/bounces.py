"""Bounces and complaints: what a report does to its address, and to the campaign that sent the message.

One entry point, :func:`delivery_report_record`, for every way a report arrives: the mail server refusing a
recipient while we send (source "smtp"), a delivery status notification or complaint report received by mail
(``campaigns.services.reports``), a provider's webhook (``campaigns.services.provider_events``).

- A **hard bounce** (the address does not exist, the domain does not receive mail) puts the address on the
  suppression list at once.
- A **soft bounce** (mailbox full, a message refused for its content or the sender's reputation, a delivery given up
  after days of temporary failures) counts. The address is suppressed at the ``CAMPAIGNS_SOFT_BOUNCE_LIMIT``-th soft
  bounce *in a row*: soft bounces of that many different messages (a provider reporting one message deferred three
  times counts once), recorded one after another with no delivery reported for the address in between. A run ends
  at a delivery report, or at a report that suppressed the address; so an address taken off the list by staff
  starts a new run. A message accepted by our mail server is not a delivery (its bounce may come days later), so
  it does not end a run.
- A **complaint** suppresses the address and withdraws the customer's e-mail consent, with the event in the consent
  history.
- A **delivery** is written only when it ends a run of soft bounces: the table holds reports worth keeping, not
  a row per message sent.

The same report twice (a DSN posted again, a provider retrying its webhook) has the same ``reference`` and is
recorded once. A report about a campaign's message then runs :func:`campaign_bounce_guard`.
"""

import re
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from campaigns.deliverability import delivered_row
from campaigns.models import (
    BOUNCE_EVENTS,
    Campaign,
    CampaignStatus,
    Channel,
    DeliveryEvent,
    DeliveryReport,
    Message,
    SmsMessage,
    SmsReport,
)
from customers.models import SuppressionReason, address_hash, suppression_form
from customers.services.suppression import suppression_add
from emarketing.workflow import InvalidTransition, change_status

# An enhanced status code (RFC 3463) as it appears in a Status field, a diagnostic or an SMTP reply.
ENHANCED_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
SMTP_REPLY = re.compile(r"(?<!\d)([45]\d\d)(?:[ -]|$)")
# Permanent failures that say nothing about the address: the mailbox is full or the message too big (X.2.2, X.2.3),
# the receiving system is broken (X.3.x), the delivery time ran out after temporary failures (X.4.7), the content
# was refused (X.6.x), or a policy refused the sender (X.7.x: a block list, a spam filter, authentication). Counted
# as soft bounces: suppressing on them would drop every address of a provider that blocks us for an hour.
NOT_ABOUT_THE_ADDRESS = ("2.2", "2.3", "3.", "4.7", "6.", "7.")
# Replies without an enhanced code that mean "full", not "unknown" (552: storage allocation exceeded).
SOFT_PERMANENT_REPLIES = {"552"}
_RUN_ENDS = Q(event=DeliveryEvent.DELIVERED) | Q(suppressed=True)


def status_event(status: str) -> str | None:
    """The event an enhanced status code ("5.1.1", "4.4.7", "5.7.1 …") means: hard, soft, or None (a success, or
    no code in the text)."""
    match = ENHANCED_STATUS.search(status or "")
    if match is None:
        return None
    klass, detail = match.group(1), f"{match.group(2)}.{match.group(3)}"
    if klass == "2":
        return None
    if klass == "4":
        return DeliveryEvent.SOFT_BOUNCE
    if any(detail == p or (p.endswith(".") and detail.startswith(p)) for p in NOT_ABOUT_THE_ADDRESS):
        return DeliveryEvent.SOFT_BOUNCE
    return DeliveryEvent.HARD_BOUNCE


def reply_event(reply: str) -> str | None:
    """The event of a mail server's refusal (``550 5.1.1 <a@b>: Recipient address rejected`` or the pipeline's
    ``550 b'Mailbox unavailable'``): by its enhanced code when it has one, else by its reply code (5xx hard, 552
    and 4xx soft); None when the text holds neither."""
    by_status = status_event(reply)
    if by_status is not None or ENHANCED_STATUS.search(reply or ""):
        return by_status
    match = SMTP_REPLY.search(reply or "")
    if match is None:
        return None
    code = match.group(1)
    if code.startswith("4") or code in SOFT_PERMANENT_REPLIES:
        return DeliveryEvent.SOFT_BOUNCE
    return DeliveryEvent.HARD_BOUNCE


def _status_of(detail: str) -> str:
    match = ENHANCED_STATUS.search(detail or "")
    if match:
        return match.group(0)
    reply = SMTP_REPLY.search(detail or "")
    return reply.group(1) if reply else ""


def soft_bounces_in_a_row(*, key: str) -> int:
    """How many different messages soft-bounced for the address (by hash) since its run last ended."""
    last_end = (
        DeliveryReport.objects.filter(_RUN_ENDS, address_hash=key).order_by("-id").values_list("id", flat=True).first()
    )
    softs = DeliveryReport.objects.filter(address_hash=key, event=DeliveryEvent.SOFT_BOUNCE)
    if last_end is not None:
        softs = softs.filter(id__gt=last_end)
    messages = set()
    for kind, row_id, reference, pk in softs.values_list("kind_code", "row_id", "reference", "id")[:1000]:
        messages.add((kind, row_id) if row_id is not None else ("", reference or pk))
    return len(messages)


def delivery_report_record(
    *,
    address: str,
    event: str,
    source: str,
    detail: str = "",
    kind_code: str = "",
    row_id: int | None = None,
    reference: str = "",
    status: str = "",
) -> DeliveryReport | None:
    """Record one report about one address and act on it (see the module); None when it was recorded before, or
    is a delivery that ends no run of soft bounces.

    ``kind_code`` and ``row_id`` name the message when known (the return path, our Message-ID, the pipeline): its
    campaign is then found through the registry of kinds, and its address when ``address`` is empty. A report
    without a ``reference`` that names a message gets one (source, message, event), so the pipeline recording the
    same refusal twice records it once.
    """
    campaign_id = None
    if kind_code and row_id is not None:
        row = delivered_row(kind=kind_code, row_id=row_id)
        if row is not None:
            campaign_id = row.campaign_id
            address = address or row.address
        reference = reference or f"{source}:{kind_code}{row_id}:{event}"
    form = suppression_form(address)
    if not form:
        return None
    key = address_hash(form)
    if event == DeliveryEvent.DELIVERED and not soft_bounces_in_a_row(key=key):
        return None
    if reference and DeliveryReport.objects.filter(reference=reference[:255]).exists():
        return None
    report = DeliveryReport(
        event=event,
        address=form[:254],
        address_hash=key,
        kind_code=kind_code[:1],
        row_id=row_id if kind_code else None,
        campaign_id=campaign_id,
        source=source,
        status=(status or _status_of(detail))[:16],
        detail=" ".join(detail.split())[:500],
        reference=reference[:255],
    )
    report.full_clean(exclude=["campaign"])
    try:
        with transaction.atomic():
            report.save()
            _act(report)
    except IntegrityError:
        return None  # the same report, recorded at the same moment by another worker
    if campaign_id is not None and event in BOUNCE_EVENTS:
        campaign_bounce_guard(campaign_id=campaign_id)
    return report


def _act(report: DeliveryReport) -> None:
    note = " ".join(filter(None, [report.get_source_display(), report.status, report.detail]))[:500]
    reason = None
    if report.event == DeliveryEvent.HARD_BOUNCE:
        reason = SuppressionReason.HARD_BOUNCE
    elif report.event == DeliveryEvent.COMPLAINT:
        reason = SuppressionReason.COMPLAINT
    elif (
        report.event == DeliveryEvent.SOFT_BOUNCE
        and soft_bounces_in_a_row(key=report.address_hash) >= settings.CAMPAIGNS_SOFT_BOUNCE_LIMIT
    ):
        reason = SuppressionReason.SOFT_BOUNCES
    if reason is None:
        return
    suppression_add(address=report.address, reason=reason, note=note)
    DeliveryReport.objects.filter(pk=report.pk).update(suppressed=True)
    report.suppressed = True


def campaign_bounce_guard(*, campaign_id: int) -> bool:
    """Pause a sending campaign whose first messages bounce too often; True when it paused it.

    The sample is the campaign's first ``CAMPAIGNS_BOUNCE_PAUSE_SAMPLE`` messages (in id order, the order they are
    sent in). The campaign pauses as soon as the messages of that sample with a bounce (hard or soft, each message
    once) are more than ``CAMPAIGNS_BOUNCE_PAUSE_RATE`` × the sample size: from then on the sample's rate is over
    the limit whatever the rest of it does, so the check can fire before the thousandth message is sent, and
    never on a guess from a few first bounces. A campaign smaller than the sample pauses only once its bounces
    pass that same count. Bounces of later messages, and complaints, do not count here; they show in the rates.
    """
    campaign = Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.SENDING).first()
    if campaign is None:
        return False
    sample = settings.CAMPAIGNS_BOUNCE_PAUSE_SAMPLE
    limit = settings.CAMPAIGNS_BOUNCE_PAUSE_RATE * sample
    if campaign.channel == Channel.SMS:
        # A text's bounce is its carrier's report: failed or undeliverable (campaigns.services.sms.replies).
        texts = SmsMessage.objects.filter(campaign_id=campaign_id)
        cutoff = list(texts.order_by("pk").values_list("pk", flat=True)[sample - 1 : sample])
        failed = texts.filter(report__in=[SmsReport.FAILED, SmsReport.UNDELIVERABLE])
        count = (failed.filter(pk__lte=cutoff[0]) if cutoff else failed).count()
    else:
        last_in_sample = (
            Message.objects.filter(campaign_id=campaign_id)
            .order_by("pk")
            .values_list("pk", flat=True)[sample - 1 : sample]
        )
        bounced = DeliveryReport.objects.filter(
            campaign_id=campaign_id, kind_code="c", event__in=BOUNCE_EVENTS, row_id__isnull=False
        )
        cutoff = list(last_in_sample)
        if cutoff:
            bounced = bounced.filter(row_id__lte=cutoff[0])
        count = bounced.values("row_id").distinct().count()
    if count <= limit:
        return False
    note = _("Paused: %(count)d of the first %(sample)d messages bounced (the limit is %(rate)s%%).") % {
        "count": count,
        "sample": sample,
        "rate": f"{settings.CAMPAIGNS_BOUNCE_PAUSE_RATE * 100:g}",
    }
    try:
        return change_status(campaign, CampaignStatus.PAUSED, note=note[:255])
    except InvalidTransition:
        return False  # finished or cancelled meanwhile


def delivery_reports_forget(*, address: str) -> int:
    """Blank an address in its delivery reports (a customer's erasure), and their diagnostics, which often quote
    it; the hash the runs are counted by, the event and the status code stay."""
    reports = DeliveryReport.objects.filter(address_hash=address_hash(address))
    return reports.exclude(address="", detail="").update(address="", detail="")


def delivery_reports_forget_rows(*, kind: str, row_ids: Iterable[int]) -> int:
    """Blank the address and diagnostic of the reports on these messages of one kind (a customer's erasure: a
    report may have come to an address the customer no longer has)."""
    ids = list(row_ids)
    reports = DeliveryReport.objects.filter(kind_code=kind, row_id__in=ids) if ids else DeliveryReport.objects.none()
    return reports.exclude(address="", detail="").update(address="", detail="")
