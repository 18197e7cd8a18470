"""Posting deliveries: oldest first per object, signed, timed, retried with backoff, and the receiver that keeps
failing turned off.

Order per object: only the head of each line (subscription, key) is ever taken, the open delivery with the lowest
sequence, so the next event of an object waits until the one before it is delivered or given up.

Claims, not locks: a sender takes a batch of heads by stamping them with its token and a lease
(WEBHOOK_CLAIM_SECONDS) in one short transaction (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two
senders take different heads), posts them without holding any lock, then records each outcome if it still holds
the claim. A sender killed mid-batch leaves its claims to expire; the heads it never posted are then posted once by
the next sender. The one it was posting when it died may have reached the receiver without our knowing: it is
posted again, with the same ``X-Emarketing-Delivery`` id, which is why receivers drop an id they already have. No
protocol over HTTP can do better (the answer can be lost after the receiver acted).
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import urllib3
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from emarketing.hooks.models import OPEN_STATUSES, RESPONSE_BODY_CHARS, Delivery, DeliveryStatus, Subscription
from emarketing.hooks.targets import url_problem

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Emarketing-Signature"
EVENT_HEADER = "X-Emarketing-Event"
DELIVERY_HEADER = "X-Emarketing-Delivery"
USER_AGENT = "emarketing-webhooks/1"


def signature_header(*, secret: str, body: bytes, timestamp: int) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``: the receiver recomputes it and checks the time."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def delivery_body(delivery: Delivery) -> bytes:
    envelope = {
        "id": delivery.pk,
        "event": delivery.event,
        "object": delivery.key,
        "sequence": delivery.sequence,
        "occurred_at": delivery.created_at,
        "data": delivery.payload,
    }
    return json.dumps(envelope, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: doubling from the base up to the cap, each
    drawn at random from its upper half so that receivers coming back are not hit by every sender at once."""
    ceiling = min(settings.WEBHOOK_RETRY_MAX_SECONDS, settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return float(ceiling / 2 + random.uniform(0, ceiling / 2))


@dataclass
class Outcome:
    delivery_id: int
    status_code: int | None = None
    ms: int | None = None
    body: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass
class SendResult:
    delivered: int = 0
    failed: int = 0
    given_up: int = 0
    disabled: list[int] = field(default_factory=list)
    more: bool = False  # stopped on its time budget with heads still due

    @property
    def posted(self) -> int:
        return self.delivered + self.failed + self.given_up


def _due_heads(now: dt.datetime) -> "QuerySet[Delivery]":
    earlier_open = Delivery.objects.filter(
        subscription=OuterRef("subscription"),
        key=OuterRef("key"),
        sequence__lt=OuterRef("sequence"),
        status__in=OPEN_STATUSES,
    )
    return (
        Delivery.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=now, subscription__active=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .exclude(Exists(earlier_open))
        .order_by("next_attempt_at", "pk")
    )


def deliveries_claim(*, limit: int, now: dt.datetime | None = None) -> tuple[str, list[Delivery]]:
    """Take up to ``limit`` heads that are due; each counts one attempt from here."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        heads = _due_heads(now)
        if connection.features.has_select_for_update_skip_locked:
            heads = heads.select_for_update(skip_locked=True, of=("self",))
        ids = list(heads.values_list("pk", flat=True)[:limit])
        if not ids:
            return token, []
        Delivery.objects.filter(pk__in=ids).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)).update(
            claim_token=token,
            claimed_until=now + dt.timedelta(seconds=settings.WEBHOOK_CLAIM_SECONDS),
            attempts=F("attempts") + 1,
            last_attempt_at=now,
        )
    claimed = Delivery.objects.filter(pk__in=ids, claim_token=token).select_related("subscription").order_by("pk")
    return token, list(claimed)


def _post(pool: urllib3.PoolManager, delivery: Delivery, problems: dict[str, str]) -> Outcome:
    subscription = delivery.subscription
    outcome = Outcome(delivery_id=delivery.pk)
    url = subscription.url
    if url not in problems:
        problems[url] = url_problem(url, resolve=True)
    if problems[url]:
        outcome.error = problems[url]
        return outcome
    body = delivery_body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.pk),
        SIGNATURE_HEADER: signature_header(secret=subscription.secret, body=body, timestamp=int(time.time())),
    }
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    started = time.monotonic()
    try:
        response = pool.request(
            "POST",
            url,
            body=body,
            headers=headers,
            timeout=urllib3.Timeout(connect=min(timeout, 5.0), read=timeout),
            retries=False,
            redirect=False,
            preload_content=False,
        )
        try:
            head = response.read(RESPONSE_BODY_CHARS * 4, decode_content=True)
        finally:
            if response.length_remaining == 0:
                response.release_conn()
            else:
                response.close()  # a long answer is not read to its end: the connection goes with it
        outcome.status_code = response.status
        outcome.body = head.decode("utf-8", "replace")[:RESPONSE_BODY_CHARS]
    except urllib3.exceptions.HTTPError as error:
        outcome.error = f"{type(error).__name__}: {error}"[:255]
    outcome.ms = round((time.monotonic() - started) * 1000)
    return outcome


def _posted(deliveries: list[Delivery]) -> Iterator[Outcome]:
    """Post a batch on up to WEBHOOK_SEND_THREADS connections; outcomes as they come in."""
    threads = max(1, min(settings.WEBHOOK_SEND_THREADS, len(deliveries)))
    pool = urllib3.PoolManager(num_pools=50, maxsize=threads, block=False)
    problems: dict[str, str] = {}
    try:
        if threads == 1:
            for delivery in deliveries:
                yield _post(pool, delivery, problems)
            return
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="webhook") as executor:
            futures = [executor.submit(_post, pool, d, problems) for d in deliveries]
            for future in as_completed(futures):
                yield future.result()
    finally:
        pool.clear()


@transaction.atomic
def outcomes_record(*, token: str, outcomes: list[Outcome], now: dt.datetime | None = None) -> SendResult:
    """Write what each post came to, for the deliveries this sender still holds; count the subscriptions' failures
    in a row and turn off those over the limit."""
    now = now or timezone.now()
    result = SendResult()
    held = {
        d.pk: d
        for d in Delivery.objects.select_for_update().filter(
            pk__in=[o.delivery_id for o in outcomes], claim_token=token
        )
    }
    subscriptions = {
        s.pk: s
        # In id order, so that two senders recording at once lock them in the same order (no deadlock).
        for s in Subscription.objects.select_for_update()
        .filter(pk__in={d.subscription_id for d in held.values()})
        .order_by("pk")
    }
    touched: set[int] = set()
    for outcome in outcomes:
        delivery = held.get(outcome.delivery_id)
        if delivery is None:
            continue  # the claim ran out and another sender took it over: its record counts
        delivery.last_status_code = outcome.status_code
        delivery.response_ms = outcome.ms
        delivery.response_body = outcome.body
        delivery.last_error = outcome.error
        delivery.claim_token = ""
        delivery.claimed_until = None
        subscription = subscriptions[delivery.subscription_id]
        if outcome.ok:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            result.delivered += 1
            if subscription.consecutive_failures or subscription.failing_since:
                subscription.consecutive_failures, subscription.failing_since = 0, None
                touched.add(subscription.pk)
        else:
            if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.DEAD
                result.given_up += 1
            else:
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = now + dt.timedelta(seconds=retry_delay(delivery.attempts))
                result.failed += 1
            subscription.consecutive_failures += 1
            subscription.failing_since = subscription.failing_since or now
            touched.add(subscription.pk)
    for delivery in held.values():  # one short update each: a CASE over the batch costs more on every database
        Delivery.objects.filter(pk=delivery.pk).update(
            status=delivery.status,
            next_attempt_at=delivery.next_attempt_at,
            delivered_at=delivery.delivered_at,
            last_status_code=delivery.last_status_code,
            response_ms=delivery.response_ms,
            response_body=delivery.response_body,
            last_error=delivery.last_error,
            claim_token="",
            claimed_until=None,
        )
    for pk in touched:
        subscription = subscriptions[pk]
        fields = ["consecutive_failures", "failing_since"]
        if subscription.active and _over_the_limit(subscription, now):
            from .subscriptions import subscription_disable

            subscription_disable(subscription=subscription, reason=_last_error(held, subscription), now=now)
            result.disabled.append(pk)
        Subscription.objects.filter(pk=pk).update(**{name: getattr(subscription, name) for name in fields})
    return result


def _over_the_limit(subscription: Subscription, now: dt.datetime) -> bool:
    return (
        subscription.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER_FAILURES
        and subscription.failing_since is not None
        and (now - subscription.failing_since).total_seconds() >= settings.WEBHOOK_DISABLE_AFTER_SECONDS
    )


def _last_error(held: dict[int, Delivery], subscription: Subscription) -> str:
    for delivery in sorted(held.values(), key=lambda d: -d.pk):
        if delivery.subscription_id == subscription.pk and delivery.status != DeliveryStatus.DELIVERED:
            if delivery.last_status_code is not None:
                return f"HTTP {delivery.last_status_code}"
            return delivery.last_error
    return ""


def webhooks_send_due(*, budget_seconds: float | None = None, now: dt.datetime | None = None) -> SendResult:
    """Post every delivery that is due, batch after batch, until none is left or the time budget is spent.

    ``now`` (tests) stands for the clock when claiming and recording; left out, each batch reads the clock.
    """
    budget = settings.WEBHOOK_TASK_SECONDS if budget_seconds is None else budget_seconds
    deadline = time.monotonic() + budget
    total = SendResult()
    while True:
        token, batch = deliveries_claim(limit=settings.WEBHOOK_SEND_BATCH_SIZE, now=now)
        if not batch:
            return total
        outcomes = list(_posted(batch))
        result = outcomes_record(token=token, outcomes=outcomes, now=now)
        total.delivered += result.delivered
        total.failed += result.failed
        total.given_up += result.given_up
        total.disabled += result.disabled
        if time.monotonic() >= deadline:
            total.more = True
            return total


def next_attempt_in(*, now: dt.datetime | None = None) -> float | None:
    """Seconds until the earliest open delivery of an active subscription is due (None: nothing is waiting)."""
    now = now or timezone.now()
    first: Any = (
        Delivery.objects.filter(status__in=OPEN_STATUSES, subscription__active=True)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if first is None:
        return None
    return max(0.0, float((first - now).total_seconds()))
