"""Sending SMS: claim → delivering → record, as e-mail is sent (``campaigns.services.sending``), over ``SmsMessage``.

Rows are claimed in id-ordered batches (``queue.rows_claim_due``: ``queued`` → ``sending`` with a claim token).
For each claimed row the send checks, at that moment, what may have changed since it was queued: SMS consent, the
customer's suppression, the number on the suppression list, a valid E.164 number (refused: ``failed`` with the
reason) and the quiet hours of the customer's time zone (``campaigns.send_time.allowed_moment``: back to
``queued`` with ``next_attempt_at`` at their end, no attempt counted). The rest are rendered, and handed to the
provider a chunk at a time (``provider.batch_size``): the chunk is marked ``delivering`` and committed *before* the
provider is called, and its answers are recorded in the next commit. A worker killed in between leaves rows in
``delivering``; once their claim is older than ``CAMPAIGNS_SEND_CLAIM_TIMEOUT`` they are ``failed`` ("may have
arrived") instead of sent again, and the rows claimed but not started go back to the queue. So no SMS goes twice.

A refusal for now is tried again after ``retry_delay`` (exponential backoff), and failed after
``SMS_SEND_MAX_ATTEMPTS``; a refusal for good fails at once. The pace towards the provider
(``SMS_RATE_PER_SECOND``) is counted in the shared cache, so every worker together keeps to it.
"""

import contextlib
import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.models import Campaign, CampaignStatus, Channel, MessageStatus, OccasionOffer, SmsMessage, SmsOrigin
from campaigns.selectors import customers_email_context
from campaigns.send_time import allowed_moment
from campaigns.services.campaigns import campaign_finish
from campaigns.services.sending.queue import Claim, retry_delay, rows_claim_due, rows_reclaim_stale
from campaigns.sms.encoding import sms_size
from campaigns.sms.providers import Outgoing, SendResult, SmsProvider, current_provider
from campaigns.sms.selectors import (
    contactable_by_sms,
    phone_country,
    sms_campaign_audience,
    sms_creatives_by_language,
    sms_senders,
)
from campaigns.templating import CompiledCreative
from customers.models import Customer
from customers.selectors import suppressed_among
from emarketing.contacts import InvalidPhone, normalise_phone
from emarketing.db import relaxed_commits
from emarketing.ratelimit import allow_key, seconds_left
from emarketing.workflow import InvalidTransition, change_status

from .links import shorten, sms_links_sync

NO_CONSENT = gettext_lazy("No SMS consent, or the customer is suppressed.")
LISTED = gettext_lazy("The number is on the suppression list.")
NO_NUMBER = gettext_lazy("The customer has no valid mobile number in E.164 form.")
NO_SENDER = gettext_lazy("No SMS sender for this country: add one (SMS senders) or set SMS_DEFAULT_SENDER.")
NO_TEXT = gettext_lazy("The campaign has no SMS text in any language.")


@dataclass
class SmsRunResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    deferred: int = 0  # held back by the quiet hours
    more: bool = False
    stopped: bool = False
    finished: bool = False
    retry_in: float | None = None


@dataclass
class _Ready:
    row: SmsMessage
    outgoing: Outgoing
    encoding: str
    parts: int


def _relaxed() -> contextlib.AbstractContextManager[None]:
    """Commits that survive a killed worker without a disk flush each (``emarketing.db.relaxed_commits``), unless
    the caller holds a transaction (where the setting cannot change)."""
    return contextlib.nullcontext() if connection.in_atomic_block else relaxed_commits()


def pace(provider: str, count: int = 1) -> None:
    """Wait until ``count`` more messages fit in the provider's rate (``SMS_RATE_PER_SECOND``), counted in the shared
    cache so that all workers together keep to it."""
    rate = float(settings.SMS_RATE_PER_SECOND)
    if rate <= 0:
        return
    limit, window = (int(rate), 1) if rate >= 1 else (1, max(1, round(1 / rate)))
    for _i in range(count):
        while not allow_key(f"sms:{provider}", limit=limit, window=window):
            time.sleep(seconds_left(window) + 0.005)


def e164_mobile(phone: str, country: str = "") -> str:
    """The number in E.164 when it is a valid number that can take SMS (no extension, not a fixed line), else ""."""
    try:
        e164 = normalise_phone(phone or "", country=country or None)
    except InvalidPhone:
        return ""
    if not e164 or ";" in e164:
        return ""
    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    if kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.VOIP):
        return ""
    return e164


class SmsRun:
    """Sends the due rows of ``scope`` through one provider, batch after batch."""

    def __init__(self, scope: Q, *, provider: SmsProvider | None = None, campaign: Campaign | None = None) -> None:
        self.scope = scope
        self.provider = provider or current_provider()
        self.campaign = campaign
        self.senders = sms_senders(provider=self.provider.name)
        self.compiled: dict[int, CompiledCreative] = {}
        self.links: dict[int, dict[str, int]] = {}
        self.max_attempts = settings.SMS_SEND_MAX_ATTEMPTS

    def _rows(self, token: str) -> Any:
        return SmsMessage.objects.filter(claim=token)

    def still_sending(self) -> bool:
        if self.campaign is None:
            return True
        return Campaign.objects.filter(pk=self.campaign.pk, status=CampaignStatus.SENDING).exists()

    def run(self, result: SmsRunResult, deadline: float | None = None) -> bool:
        size = settings.CAMPAIGNS_SEND_BATCH_SIZE
        while True:
            if not self.still_sending():
                result.stopped = True
                return False
            now = timezone.now()
            rows_reclaim_stale(model=SmsMessage, scope=self.scope, now=now)
            claim = rows_claim_due(model=SmsMessage, scope=self.scope, size=size, now=now)
            if not claim.ids:
                return True
            self.send(claim, result)
            if deadline is not None and time.monotonic() > deadline:
                result.more = True
                return False

    # -- one claimed batch -----------------------------------------------------------------------------------------

    def send(self, claim: Claim, result: SmsRunResult) -> None:
        token = claim.token
        rows = list(
            SmsMessage.objects.filter(pk__in=claim.ids, claim=token, status=MessageStatus.SENDING)
            .select_related("occasion_offer__occasion")
            .order_by("pk")
        )
        ready = self._check(token, rows, result)
        size = max(self.provider.batch_size, 1)
        answered: tuple[list[_Ready], dict[int, SendResult]] | None = None
        for start in range(0, len(ready), size):
            chunk = ready[start : start + size]
            pace(self.provider.name, len(chunk))
            # One commit: the answers for the chunk before, and this chunk marked as being handed over, before the
            # provider can accept any of it.
            with transaction.atomic():
                if answered is not None:
                    self._record_all(token, *answered, result)
                self._mark_delivering(token, chunk)
            answered = (chunk, self._hand_over(chunk))
        if answered is not None:
            with transaction.atomic():
                self._record_all(token, *answered, result)

    def _fail(self, token: str, pks: list[int], reason: object) -> None:
        if pks:
            self._rows(token).filter(pk__in=pks).update(status=MessageStatus.FAILED, error=str(reason)[:500], claim="")

    def _check(self, token: str, rows: list[SmsMessage], result: SmsRunResult) -> list[_Ready]:
        """The rows that may go now, rendered; the others failed or put back after the quiet hours."""
        customer_ids = [r.customer_id for r in rows]
        allowed = set(contactable_by_sms().filter(pk__in=customer_ids).values_list("pk", flat=True))
        people = {
            c["pk"]: c
            for c in Customer.objects.filter(pk__in=customer_ids).values("pk", "phone", "country", "time_zone")
        }
        requested = {r.customer_id for r in rows if r.origin == SmsOrigin.REQUESTED}
        contexts = customers_email_context(customer_ids=list(allowed | requested))
        refused: dict[str, list[int]] = {}
        later: list[tuple[int, dt.datetime]] = []
        candidates: list[tuple[SmsMessage, str]] = []
        now = timezone.now()
        for row in rows:
            person = people.get(row.customer_id)
            asked = row.origin == SmsOrigin.REQUESTED  # a code the customer asked for: not marketing
            if person is None or (row.customer_id not in allowed and not asked):
                refused.setdefault(str(NO_CONSENT), []).append(row.pk)
                continue
            to = e164_mobile(person["phone"], person["country"])
            if not to:
                refused.setdefault(str(NO_NUMBER), []).append(row.pk)
                continue
            moment = now if asked else allowed_moment(person["time_zone"], now)
            if moment > now:
                later.append((row.pk, moment))
                continue
            candidates.append((row, to))
        listed = suppressed_among([to for _row, to in candidates])
        ready: list[_Ready] = []
        for row, to in candidates:
            if to in listed:
                refused.setdefault(str(LISTED), []).append(row.pk)
                continue
            sender = self.senders.get(phone_country(to)) or self.senders.get("")
            sender_id = sender.sender if sender else settings.SMS_DEFAULT_SENDER
            if not sender_id and self.provider.name != "console":
                refused.setdefault(str(NO_SENDER), []).append(row.pk)
                continue
            try:
                text = self._text(row, contexts[row.customer_id])
            except Exception as exc:  # a broken template fails its message, never the batch
                refused.setdefault(str(exc) or exc.__class__.__name__, []).append(row.pk)
                continue
            size = sms_size(text)
            ready.append(_Ready(row, Outgoing(to, sender_id, text, row.pk), size.encoding, size.parts))
        for reason, pks in refused.items():
            self._fail(token, pks, reason)
            result.failed += len(pks)
        for pk, moment in later:
            self._rows(token).filter(pk=pk).update(
                status=MessageStatus.QUEUED, claim="", claimed_at=None, next_attempt_at=moment
            )
            result.deferred += 1
        return ready

    def _text(self, row: SmsMessage, ctx: dict[str, Any]) -> str:
        """The message's text: a campaign's creative rendered for the customer (its links shortened and tracked),
        or the text it was queued with."""
        if row.creative_id is None:
            text = row.text
        else:
            if row.creative_id not in self.compiled:
                creative = row.creative
                assert creative is not None
                self.compiled[row.creative_id] = CompiledCreative(
                    subject="", html_body="", text_body=creative.text_body
                )
            occasion = {}
            offer = row.occasion_offer
            if offer is not None and offer.occasion is not None:
                occ = offer.occasion
                occasion = {"kind": occ.get_kind_display(), "label": occ.label, "month": occ.month, "day": occ.day}
            context = {
                "customer": ctx["customer"],
                "occasions": ctx["occasions"],
                "occasion": occasion,
                "recommended_products": [],
            }
            text = self.compiled[row.creative_id].render(context)[2]
        text = text.strip()
        if row.campaign_id is not None:
            if row.campaign_id not in self.links:
                campaign = Campaign.objects.get(pk=row.campaign_id)
                sources = [c.text_body for c in sms_creatives_by_language(campaign=campaign).values()]
                self.links[row.campaign_id] = sms_links_sync(campaign=campaign, texts=[*sources, text])
            links = self.links[row.campaign_id]
            text = shorten(text, message_id=row.pk, links=links)
        return text

    def _mark_delivering(self, token: str, chunk: list[_Ready]) -> None:
        for item in chunk:
            self._rows(token).filter(pk=item.row.pk).update(
                status=MessageStatus.DELIVERING,
                text=item.outgoing.text,
                to=item.outgoing.to,
                sender=item.outgoing.sender,
                provider=self.provider.name,
                encoding=item.encoding,
                parts=item.parts,
            )

    def _hand_over(self, chunk: list[_Ready]) -> dict[int, SendResult]:
        """The provider's answer for each message of the chunk (already marked and committed)."""
        try:
            return {a.reference: a for a in self.provider.send([item.outgoing for item in chunk])}
        except Exception as exc:  # an adapter that raised: nothing of the chunk is known to have been accepted
            error = f"{exc.__class__.__name__}: {exc}"
            return {item.row.pk: SendResult(item.row.pk, False, error=error, temporary=True) for item in chunk}

    def _record_all(
        self, token: str, chunk: list[_Ready], answers: dict[int, SendResult], result: SmsRunResult
    ) -> None:
        now = timezone.now()
        for item in chunk:
            self._record(token, item.row, answers.get(item.row.pk), now, result)

    def _record(
        self, token: str, row: SmsMessage, answer: SendResult | None, now: dt.datetime, result: SmsRunResult
    ) -> None:
        rows = self._rows(token).filter(pk=row.pk)
        if answer is None:
            answer = SendResult(row.pk, False, error=_("The provider gave no answer for this message."), temporary=True)
        if answer.accepted:
            rows.update(
                status=MessageStatus.SENT,
                sent_at=now,
                provider_id=answer.provider_id[:64],
                attempts=F("attempts") + 1,
                error="",
                claim="",
            )
            result.sent += 1
        elif not answer.temporary or row.attempts + 1 >= self.max_attempts:
            rows.update(
                status=MessageStatus.FAILED,
                error=answer.error[:500],
                provider_id=answer.provider_id[:64],
                attempts=F("attempts") + 1,
                claim="",
            )
            result.failed += 1
        else:
            rows.update(
                status=MessageStatus.QUEUED,
                error=answer.error[:500],
                attempts=F("attempts") + 1,
                claim="",
                claimed_at=None,
                next_attempt_at=now + dt.timedelta(seconds=retry_delay(row.attempts + 1)),
            )
            result.retried += 1


# -- what other code calls -----------------------------------------------------------------------------------------


def sms_send_due(*, time_budget: float | None = None) -> SmsRunResult:
    """Send every due SMS that is not a campaign's (single messages, journeys' steps, occasion offers)."""
    result = SmsRunResult()
    deadline = time.monotonic() + time_budget if time_budget else None
    with _relaxed():
        SmsRun(~Q(origin=SmsOrigin.CAMPAIGN)).run(result, deadline)
    return result


def sms_messages_materialize(*, campaign: Campaign) -> int:
    """List an SMS campaign's recipients once: one queued message per member who may receive SMS (keyset pages,
    each its own short transaction; the unique key makes a second run add nothing)."""
    creatives = sms_creatives_by_language(campaign=campaign)
    if not creatives:
        raise ValueError(str(NO_TEXT))
    size = settings.CAMPAIGNS_SEND_BATCH_SIZE
    audience = sms_campaign_audience(campaign=campaign)
    last, listed = 0, 0
    while True:
        rows = list(audience.filter(pk__gt=last).values_list("pk", "preferred_language")[: size * 4])
        if not rows:
            break
        SmsMessage.objects.bulk_create(
            [
                SmsMessage(
                    key=f"campaign:{campaign.pk}:{pk}",
                    origin=SmsOrigin.CAMPAIGN,
                    campaign=campaign,
                    customer_id=pk,
                    creative=creatives[lang],
                    language=creatives[lang].language,
                )
                for pk, lang in rows
            ],
            ignore_conflicts=True,
            batch_size=size,
        )
        listed += len(rows)
        last = rows[-1][0]
    Campaign.objects.filter(pk=campaign.pk).update(audience_built_at=timezone.now())
    return listed


def sms_campaign_send_run(*, campaign_id: int, time_budget: float | None = None) -> SmsRunResult:
    """Send what is due of one SMS campaign until done or ``time_budget`` seconds are used; finish it when nothing
    is left. Safe to run twice at once and again after a crash: only claimed rows are sent."""
    result = SmsRunResult()
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.status != CampaignStatus.SENDING or campaign.channel != Channel.SMS:
        result.stopped = True
        return result
    if campaign.occasion_kind:
        result.stopped = True  # sent by the occasion job, customer by customer
        return result
    if campaign.audience_built_at is None:
        try:
            sms_messages_materialize(campaign=campaign)
        except ValueError as exc:
            change_status(campaign, CampaignStatus.PAUSED, note=str(exc)[:255])
            result.stopped = True
            return result
    deadline = time.monotonic() + time_budget if time_budget else None
    scope = Q(campaign_id=campaign_id, origin=SmsOrigin.CAMPAIGN)
    with _relaxed():
        if not SmsRun(scope, campaign=campaign).run(result, deadline):
            return result
    left = SmsMessage.objects.filter(scope).aggregate(
        queued=Count("pk", filter=Q(status=MessageStatus.QUEUED)),
        sending=Count("pk", filter=Q(status__in=[MessageStatus.SENDING, MessageStatus.DELIVERING])),
        next_at=Min("next_attempt_at", filter=Q(status=MessageStatus.QUEUED)),
    )
    if not left["queued"] and not left["sending"]:
        try:
            result.finished = campaign_finish(campaign=campaign) or True
        except InvalidTransition:
            result.stopped = True
    elif left["queued"] and left["next_at"]:
        result.retry_in = max((left["next_at"] - timezone.now()).total_seconds(), 1.0)
    else:
        result.retry_in = float(settings.CAMPAIGNS_SEND_CLAIM_TIMEOUT)
    return result


def sms_message_enqueue(
    *,
    customer: Customer,
    text: str,
    key: str,
    language: str | None = None,
    campaign: Campaign | None = None,
    requested: bool = False,
) -> bool:
    """Queue one SMS for ``customer``, once per ``key``: False when a message with that key exists already.

    The text is sent as given (links in it are shortened and tracked when ``campaign`` is given). Consent, the
    suppression list, the number and the quiet hours are checked when it is sent, not here: a message queued for a
    customer who may not receive SMS then is failed with the reason. ``requested``: the customer asked for this
    message a moment ago (a sign-in code), so SMS consent and the quiet hours do not apply to it; the suppression
    list and the number do. Sent after commit by the ``send_sms`` task, and every minute by beat for retries and
    anything a dead worker left.
    """
    if not key or len(key) > 200:
        raise ValueError("An SMS key is 1 to 200 characters.")
    if not text.strip():
        raise ValueError("An SMS needs a text.")
    if SmsMessage.objects.filter(key=key).exists():
        return False
    message = SmsMessage(
        key=key,
        origin=SmsOrigin.REQUESTED if requested else SmsOrigin.SINGLE,
        customer=customer,
        campaign=campaign,
        text=text.strip(),
        language=language or customer.preferred_language,
    )
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        return False  # the same key, written at the same moment by another caller
    from campaigns.tasks import send_sms

    transaction.on_commit(send_sms.delay)
    return True


def sms_offers_enqueue() -> int:
    """Queue one SMS for each listed offer of an SMS occasion campaign (its key names the offer, so never twice),
    and mark the offer sent: for an SMS campaign the offer is handed on to the SMS queue, whose message carries the
    delivery from then on. Returns how many were queued."""
    offers = OccasionOffer.objects.filter(
        status=MessageStatus.QUEUED, campaign_id__in=Campaign.objects.filter(channel=Channel.SMS).values("pk")
    ).order_by("pk")
    creatives: dict[int, dict[str, Any]] = {}
    queued = 0
    while True:
        # Each page leaves the queued state (sent or failed), so the next query starts after it.
        page = list(offers.select_related("customer", "campaign")[: settings.CAMPAIGNS_SEND_BATCH_SIZE])
        if not page:
            break
        messages, refused = [], []
        for offer in page:
            if offer.campaign_id not in creatives:
                creatives[offer.campaign_id] = sms_creatives_by_language(campaign=offer.campaign)
            creative = creatives[offer.campaign_id].get(offer.customer.preferred_language)
            if creative is None:
                refused.append(offer.pk)
                continue
            messages.append(
                SmsMessage(
                    key=f"offer:{offer.pk}",
                    origin=SmsOrigin.OCCASION,
                    customer_id=offer.customer_id,
                    campaign_id=offer.campaign_id,
                    creative=creative,
                    occasion_offer=offer,
                    language=creative.language,
                )
            )
        with transaction.atomic():
            SmsMessage.objects.bulk_create(messages, ignore_conflicts=True)
            OccasionOffer.objects.filter(pk__in=[m.occasion_offer_id for m in messages]).update(
                status=MessageStatus.SENT, sent_at=timezone.now()
            )
            OccasionOffer.objects.filter(pk__in=refused).update(status=MessageStatus.FAILED, error=str(NO_TEXT))
        queued += len(messages)
    return queued
