"""When each listed message of a campaign goes: at the campaign's (or its variant's) local time in each customer's
time zone, or at the hour the customer usually reads, never in the quiet hours (``campaigns.send_time``).

Time zones are few beside customers: the moment is computed once per zone (and variant) and written in one UPDATE
per zone. The per-customer hour is computed in the database, per zone: the customer's last
``CAMPAIGNS_SEND_TIME_LAST_TOUCHES`` opens by a person and clicks, counted by local hour; the most frequent hour
wins (the earlier on a tie), for customers with at least ``CAMPAIGNS_SEND_TIME_MIN_TOUCHES`` of them.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, DateTimeField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, ExtractHour
from django.utils import timezone

from campaigns.models import Campaign, Message, MessageStatus, Touch, TouchKind, Variant
from campaigns.send_time import allowed_moment, local_moment, zone

READING_KINDS = (TouchKind.EMAIL_OPEN, TouchKind.CLICK)
_UPDATE_CHUNK = 5000


def send_moment(*, time_zone: str, at: dt.time | None, now: dt.datetime) -> dt.datetime:
    """The moment a message goes to a customer in ``time_zone``: the next ``at`` on their clock (now when no time
    is set), moved past the quiet hours."""
    moment = local_moment(time_zone, at, after=now) if at is not None else now
    return allowed_moment(time_zone, moment)


def _pending(campaign: Campaign) -> QuerySet[Message]:
    return Message.objects.filter(campaign=campaign, status=MessageStatus.QUEUED, next_attempt_at__isnull=True)


def preferred_hours(
    *, time_zone: str, pending: QuerySet[Message] | None = None, customer_ids: Iterable[int] | None = None
) -> dict[int, list[int]]:
    """The customers (of ``pending`` messages, or of ``customer_ids``) who live in ``time_zone``, grouped by the
    local hour at which they most often opened or clicked: ``{hour: [customer id, …]}``. Customers with fewer
    than ``CAMPAIGNS_SEND_TIME_MIN_TOUCHES`` counted touches are left out."""
    last = max(int(settings.CAMPAIGNS_SEND_TIME_LAST_TOUCHES), 1)
    least = int(settings.CAMPAIGNS_SEND_TIME_MIN_TOUCHES)
    reading = Touch.objects.filter(kind__in=READING_KINDS, is_automated=False)
    if pending is not None:
        reading = reading.filter(customer_id__in=pending.values("customer_id"))
    else:
        reading = reading.filter(customer_id__in=list(customer_ids or []))
    reading = reading.filter(customer__time_zone=time_zone)
    # The moment of the customer's N-th latest counted touch: only touches from then on count.
    nth = (
        Touch.objects.filter(customer_id=OuterRef("customer_id"), kind__in=READING_KINDS, is_automated=False)
        .order_by("-occurred_at", "-id")
        .values("occurred_at")[last - 1 : last]
    )
    oldest = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    rows = (
        reading.filter(occurred_at__gte=Coalesce(Subquery(nth), Value(oldest), output_field=DateTimeField()))
        .annotate(hour=ExtractHour("occurred_at", tzinfo=zone(time_zone)))
        .values("customer_id", "hour")
        .annotate(n=Count("id"))
        .order_by("customer_id", "-n", "hour")
    )
    found: dict[int, list[int]] = defaultdict(list)
    current, best, total = None, -1, 0
    for row in rows.iterator(chunk_size=5000):
        if row["customer_id"] != current:
            if current is not None and total >= least:
                found[best].append(current)
            current, best, total = row["customer_id"], row["hour"], 0
        total += row["n"]
    if current is not None and total >= least:
        found[best].append(current)
    return dict(found)


def messages_schedule(*, campaign: Campaign, now: dt.datetime | None = None) -> int:
    """Give every listed message of ``campaign`` that has no send moment yet its own; returns how many UPDATE
    statements it took (one per zone and variant time, plus one per zone and hour for per-customer times)."""
    now = now or timezone.now()
    statements = 0
    pending = _pending(campaign)
    zones = sorted(set(pending.values_list("customer__time_zone", flat=True).distinct()))
    variant_times = dict(
        Variant.objects.filter(campaign=campaign, local_send_time__isnull=False).values_list("pk", "local_send_time")
    )
    if campaign.send_time_per_customer:
        # Not the test recipients of a variant that has its own send time: that time is what the test measures.
        own_hour = pending.exclude(variant_id__in=variant_times)
        for time_zone in zones:
            for hour, ids in preferred_hours(pending=own_hour, time_zone=time_zone).items():
                moment = send_moment(time_zone=time_zone, at=dt.time(hour, 0), now=now)
                for start in range(0, len(ids), _UPDATE_CHUNK):
                    own_hour.filter(customer_id__in=ids[start : start + _UPDATE_CHUNK]).update(next_attempt_at=moment)
                    statements += 1
    groups: list[tuple[int | None, dt.time | None]] = [(None, campaign.local_send_time), *variant_times.items()]
    for time_zone in zones:
        in_zone = pending.filter(customer__time_zone=time_zone)
        for variant_id, at in groups:
            moment = send_moment(time_zone=time_zone, at=at, now=now)
            rows = (
                in_zone.filter(variant_id=variant_id) if variant_id else in_zone.exclude(variant_id__in=variant_times)
            )
            rows.update(next_attempt_at=moment)
            statements += 1
    return statements
