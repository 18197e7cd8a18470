"""The fields of preparation's own models that segments can use, and where they say a customer changed."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from customers.models import (
    RELATIVE_DATE_LOOKUPS,
    AcquisitionSource,
    Consent,
    ConsentChannel,
    CustomerHistory,
    CustomerValue,
    Language,
    LifecycleStage,
    NeedCategory,
    NeedMention,
    Occasion,
    SegmentField,
    SegmentLookup,
    ValueTier,
)
from customers.registry import (
    BOOL,
    CHOICE,
    DATE,
    NUMBER,
    RELATED,
    TEXT,
    Condition,
    FieldSpec,
    change_sources,
    has_rows,
    segment_fields,
)
from customers.segment_calendar import Calendar
from customers.segments.rules import MAX_OCCASION_DAYS

TEXT_LOOKUPS = (SegmentLookup.IS, SegmentLookup.IS_NOT, SegmentLookup.CONTAINS, SegmentLookup.IS_EMPTY)
CHOICE_LOOKUPS = (SegmentLookup.IS, SegmentLookup.IS_NOT)
RANGE_LOOKUPS = (SegmentLookup.GTE, SegmentLookup.LTE, SegmentLookup.IS_EMPTY)
DATE_LOOKUPS = (SegmentLookup.GTE, SegmentLookup.LTE, *RELATIVE_DATE_LOOKUPS)
# The fields read from the value refresh's ``CustomerValue``: only they change when the nightly scores do.
VALUE_FIELDS = (
    SegmentField.RECENCY_SCORE,
    SegmentField.FREQUENCY_SCORE,
    SegmentField.MONETARY_SCORE,
    SegmentField.PREDICTED_VALUE,
    SegmentField.PROBABILITY_ALIVE,
)


def _on_days(days: Iterable[dt.date]) -> Q:
    """Occasions that fall on any of ``days`` (by month and day, whatever the year)."""
    q = Q()
    for d in days:
        q |= Q(month=d.month, day=d.day)
    return q


def _occasion_days(today: dt.date, ahead: int) -> Q:
    return _on_days(today + dt.timedelta(days=offset) for offset in range(ahead + 1))


def _occasion_q(cond: Condition, calendar: Calendar) -> Q:
    """An occasion (birthday, anniversary) from the customer's today to ``value`` days after it."""
    result = Q()
    by_today: dict[dt.date, list[str]] = {}
    for name in calendar.time_zones:
        by_today.setdefault(calendar.today(name), []).append(name)
    for today, names in by_today.items():
        occasions = Occasion.objects.filter(_occasion_days(today, cond["value"]))
        result |= Q(time_zone__in=names) & has_rows(occasions)
    site_today = calendar.today(settings.TIME_ZONE)
    others = Occasion.objects.filter(_occasion_days(site_today, cond["value"]))
    return result | (~Q(time_zone__in=calendar.time_zones) & has_rows(others))


def _occasion_moved(cond: Condition, before: Calendar, after: Calendar) -> "QuerySet[Any] | None":
    """The days that left the window (passed) or entered it (came within reach) between the two moments, in any
    time zone: the customers with an occasion on one of them."""
    zones = {*before.time_zones, *after.time_zones, settings.TIME_ZONE}
    if all(before.today(z) == after.today(z) for z in zones):
        return None
    start, end = min(before.today(z) for z in zones), max(after.today(z) for z in zones)
    if (end - start).days > MAX_OCCASION_DAYS:
        return Occasion.objects.order_by().values("customer_id")
    span = range((end - start).days + 1)
    left = (start + dt.timedelta(days=offset) for offset in span)
    entered = (start + dt.timedelta(days=offset + cond["value"]) for offset in span)
    return Occasion.objects.filter(_on_days([*left, *entered])).order_by().values("customer_id")


def _need_q(cond: Condition, calendar: Calendar) -> Q:
    return has_rows(NeedMention.objects.filter(need_id__in=cond["value"]))


def _need_category_q(cond: Condition, calendar: Calendar) -> Q:
    return has_rows(NeedMention.objects.filter(need__category__in=cond["value"]))


def _consent_q(cond: Condition, calendar: Calendar) -> Q:
    return has_rows(Consent.objects.filter(channel__in=cond["value"], granted=True))


def register_own_fields() -> None:
    """Register the fields of preparation's own models, and where they say a customer changed."""
    register = segment_fields.register
    for code in (SegmentField.FIRST_NAME, SegmentField.LAST_NAME, SegmentField.EMAIL):
        register(code, FieldSpec(TEXT, TEXT_LOOKUPS))
    register(SegmentField.LANGUAGE, FieldSpec(CHOICE, CHOICE_LOOKUPS, tuple(Language.values)))
    for code in (SegmentField.COUNTRY, SegmentField.REGION, SegmentField.CITY):
        register(code, FieldSpec(TEXT, TEXT_LOOKUPS))
    register(SegmentField.ACQUISITION_SOURCE, FieldSpec(CHOICE, CHOICE_LOOKUPS, tuple(AcquisitionSource.values)))
    register(SegmentField.CREATED_AT, FieldSpec(DATE, DATE_LOOKUPS))
    register(SegmentField.VALUE_TIER, FieldSpec(CHOICE, CHOICE_LOOKUPS, tuple(ValueTier.values)))
    register(SegmentField.LIFECYCLE_STAGE, FieldSpec(CHOICE, CHOICE_LOOKUPS, tuple(LifecycleStage.values)))
    register(SegmentField.SATISFACTION, FieldSpec(NUMBER, RANGE_LOOKUPS))
    register(SegmentField.LAST_NPS, FieldSpec(NUMBER, RANGE_LOOKUPS))
    register(SegmentField.AT_RISK, FieldSpec(BOOL, (SegmentLookup.IS,), ("yes", "no")))
    register(SegmentField.REFERRAL_CANDIDATE, FieldSpec(BOOL, (SegmentLookup.IS,), ("yes", "no")))
    register(SegmentField.NEED, FieldSpec(RELATED, CHOICE_LOOKUPS, ids=True, compile=_need_q))
    register(
        SegmentField.NEED_CATEGORY,
        FieldSpec(RELATED, CHOICE_LOOKUPS, tuple(NeedCategory.values), compile=_need_category_q),
    )
    register(
        SegmentField.UPCOMING_OCCASION,
        FieldSpec(
            RELATED,
            (SegmentLookup.IS, SegmentLookup.IS_NOT),
            time_relative=True,
            compile=_occasion_q,
            moved=_occasion_moved,
        ),
    )
    # What the value refresh found (``CustomerValue``): scores against the other buyers, and the model's view.
    for code, column in (
        (SegmentField.RECENCY_SCORE, "value__recency_score"),
        (SegmentField.FREQUENCY_SCORE, "value__frequency_score"),
        (SegmentField.MONETARY_SCORE, "value__monetary_score"),
    ):
        register(code, FieldSpec(NUMBER, RANGE_LOOKUPS, column=column, lowest=Decimal(1), highest=Decimal(5)))
    register(
        SegmentField.PREDICTED_VALUE,
        FieldSpec(NUMBER, RANGE_LOOKUPS, column="value__predicted_value", lowest=Decimal(0)),
    )
    register(
        SegmentField.PROBABILITY_ALIVE,
        FieldSpec(NUMBER, RANGE_LOOKUPS, column="value__probability_alive", lowest=Decimal(0), highest=Decimal(1)),
    )
    register(SegmentField.CONSENT, FieldSpec(RELATED, CHOICE_LOOKUPS, tuple(ConsentChannel.values), compile=_consent_q))

    change_sources.register(
        "consents", lambda since: Consent.objects.filter(updated_at__gt=since).values("customer_id")
    )
    change_sources.register(
        "need_mentions", lambda since: NeedMention.objects.filter(heard_at__gt=since).values("customer_id")
    )
    # Value tier and lifecycle stage, written by the nightly jobs.
    change_sources.register(
        "history", lambda since: CustomerHistory.objects.filter(changed_at__gt=since).values("customer_id")
    )
    change_sources.register(
        "values",
        lambda since: CustomerValue.objects.filter(computed_at__gt=since).values("customer_id"),
        fields=VALUE_FIELDS,
    )
