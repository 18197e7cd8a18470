"""Segment rules compiled to ``Q``: the members of a segment, and who the calendar alone may have moved."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, SegmentLookup
from customers.registry import BOOL, CHOICE, DATE, NUMBER, TEXT, Condition
from customers.segment_calendar import Calendar, Edges, Window
from customers.segments.rules import FIELDS, RuleError, _conditions, _moves_with_calendar, validate_rules


def date_window(cond: Condition) -> "Callable[[dt.date], Window]":
    """The local days ``[low, high)`` a date condition asks for, as a function of the customer's today.

    "In the last 90 days" is today and the 89 days before it; "more than 180 days ago" ends 180 days before
    today; "between 30 and 60 days ago" runs from 60 days to 30 days before today, both included.
    """
    lookup, value = cond["lookup"], cond["value"]
    day = dt.timedelta(days=1)
    if lookup == SegmentLookup.LAST_DAYS:
        return lambda today: (today - day * (value - 1), None)
    if lookup == SegmentLookup.OVER_DAYS_AGO:
        return lambda today: (None, today - day * value)
    if lookup == SegmentLookup.DAYS_AGO_BETWEEN:
        low, high = value
        return lambda today: (today - day * high, today - day * (low - 1))
    fixed = dt.date.fromisoformat(value)
    if lookup == SegmentLookup.GTE:
        return lambda today: (fixed, None)
    return lambda today: (None, fixed + day)


def moved_by_calendar(rules: Any, before: Calendar, after: Calendar) -> list["QuerySet[Any]"]:
    """The ids of the customers whose answer to the rules the calendar alone may have changed from ``before`` to
    ``after`` (one query per moving condition; none when no condition moves with the calendar)."""
    found: list[QuerySet[Any]] = []
    for cond in _conditions(rules):
        if not _moves_with_calendar(cond):
            continue
        spec = FIELDS[cond["field"]]
        if spec.kind == DATE:
            stamps = spec.stamps or _column_stamps(spec.column or cond["field"])
            found.extend(stamps(low, high) for low, high in before.moved(after, date_window(cond)))
        else:
            assert spec.moved is not None, f"{cond['field']} moves with the calendar but says not how"
            ids = spec.moved(cond, before, after)
            if ids is not None:
                found.append(ids)
    return found


def _column_window(column: str) -> "Callable[[Edges], Q]":
    def dated(edges: Edges) -> Q:
        low, high = edges.at(0, F("time_zone")), edges.at(1, F("time_zone"))
        q = Q()
        if low is not None:
            q &= Q(**{f"{column}__gte": low})
        if high is not None:
            q &= Q(**{f"{column}__lt": high})
        return q

    return dated


def _column_stamps(column: str) -> "Callable[[dt.datetime, dt.datetime], QuerySet[Any]]":
    def stamps(low: dt.datetime, high: dt.datetime) -> "QuerySet[Any]":
        return Customer.objects.filter(**{f"{column}__gte": low, f"{column}__lt": high}).order_by().values("pk")

    return stamps


def _positive_q(cond: Condition, calendar: Calendar) -> Q:
    field, lookup = cond["field"], cond["lookup"]
    value: Any = cond.get("value")
    spec = FIELDS[field]
    column = spec.column or field
    if spec.compile is not None:
        return spec.compile(cond, calendar)
    if lookup == SegmentLookup.IS_EMPTY:
        if spec.empty is not None:
            return spec.empty()
        if spec.kind == TEXT:
            return Q(**{column: ""})
        return Q(**{f"{column}__isnull": True})
    if spec.kind == TEXT:
        if lookup == SegmentLookup.CONTAINS:
            return Q(**{f"{column}__icontains": value})
        q = Q()
        for v in value:
            q |= Q(**{f"{column}__iexact": v})
        return q
    if spec.kind == CHOICE:
        return Q(**{f"{column}__in": value})
    if spec.kind == BOOL:
        return Q(**{column: value})
    if spec.kind == DATE:
        return (spec.dated or _column_window(column))(Edges(calendar, date_window(cond)))
    if spec.kind == NUMBER:
        return Q(**{f"{column}__{lookup}": Decimal(value)})
    raise RuleError(_("“%(field)s” is not a field segments can use.") % {"field": field})  # pragma: no cover


def condition_q(cond: Condition, *, calendar: Calendar | None = None) -> Q:
    calendar = calendar or Calendar(timezone.now())
    q = _positive_q(cond, calendar)
    return ~q if cond["lookup"] == SegmentLookup.IS_NOT else q


def compile_rules(rules: Any, *, calendar: Calendar | None = None) -> Q | None:
    """The ``Q`` that selects a segment's members; None when the segment has no rules (it selects nobody).

    An erased customer is in no segment, whatever their kept figures (tier, stage) say."""
    rules = validate_rules(rules)
    if not rules:
        return None
    calendar = calendar or Calendar(timezone.now())
    result = Q()
    for group in rules["any"]:
        part = Q()
        for cond in group["all"]:
            part &= condition_q(cond, calendar=calendar)
        result |= part
    return Q(result, erased_at__isnull=True)


def matching_customers(rules: Any, *, calendar: Calendar | None = None) -> "QuerySet[Customer]":
    """The customers the rules select, as a queryset (empty when there are no rules)."""
    q = compile_rules(rules, calendar=calendar)
    if q is None:
        return Customer.objects.none()
    return Customer.objects.filter(q)
