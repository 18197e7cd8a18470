"""Segment rules: validated JSON that compiles to ``Q`` objects — marketers never write SQL.

The rules of a segment are kept in ``Segment.rules`` in disjunctive form::

    {"any": [                                   # any one group is enough (OR)
        {"all": [                               # every condition of a group must hold (AND)
            {"field": "value_tier", "lookup": "is", "value": ["most_valuable", "potential"]},
            {"field": "aida_step", "lookup": "is", "value": ["desire"], "campaign": 7},
        ]},
    ]}

Which fields exist, and how a condition on related rows compiles, is kept in ``customers.registry``:
preparation registers the fields of its own models (profile, needs, consents, occasions) below, and the stages
that own touches and orders register theirs (``campaigns.segment_fields``, ``orders.segment_fields``) in their
``AppConfig.ready()``. Conditions on related rows compile to ``pk__in`` sub-selects, so every condition can be
negated without duplicating rows.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from customers.models import (
    RELATIVE_DATE_LOOKUPS,
    AcquisitionSource,
    Consent,
    ConsentChannel,
    Customer,
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
from customers.segment_calendar import Calendar, Edges, Window
from emarketing.digits import localize_digits, normalize_digits

MAX_OCCASION_DAYS = 366
MAX_DAYS_BACK = 3660  # ten years

__all__ = [
    "BOOL",
    "CHOICE",
    "DATE",
    "FIELDS",
    "NUMBER",
    "RELATED",
    "TEXT",
    "Calendar",
    "FieldSpec",
    "RuleError",
    "compile_rules",
    "condition_q",
    "describe_rules",
    "fields_of",
    "is_time_relative",
    "matching_customers",
    "moved_by_calendar",
    "normalize_condition",
    "register_own_fields",
    "rules_from_rows",
    "validate_rules",
]

# Every field a condition can use, by code: filled in by the apps' ``ready()`` (see ``customers.registry``).
FIELDS = segment_fields

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

_BOOL_VALUES = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}


class RuleError(ValidationError):
    """Rules that name an unknown field, use a value that does not fit, or contradict each other."""


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value)]


def _label(field: str) -> str:
    try:
        return str(SegmentField(field).label)
    except ValueError:
        return field


def normalize_condition(raw: Any) -> Condition:
    """Check one condition and return it in canonical form; raise RuleError with a message a marketer reads."""
    if not isinstance(raw, dict):
        raise RuleError(_("A condition must be a field, a condition and a value."))
    field = raw.get("field")
    if not isinstance(field, str) or field not in FIELDS:
        raise RuleError(_("“%(field)s” is not a field segments can use.") % {"field": field})
    spec = FIELDS[field]
    lookup = raw.get("lookup") or SegmentLookup.IS
    if lookup not in spec.lookups:
        raise RuleError(
            _("“%(field)s” cannot be combined with “%(lookup)s”.") % {"field": _label(field), "lookup": lookup}
        )
    cond: Condition = {"field": field, "lookup": lookup}
    if lookup == SegmentLookup.IS_EMPTY:
        return cond
    values = [normalize_digits(v) if spec.kind != TEXT else v for v in _as_list(raw.get("value"))]
    if spec.per_campaign:
        campaign = raw.get("campaign")
        if campaign not in (None, ""):
            try:
                cond["campaign"] = int(campaign)
            except (TypeError, ValueError):
                raise RuleError(_("The campaign of an AIDA condition must be a campaign.")) from None
    if not values:
        raise RuleError(_("“%(field)s” needs a value.") % {"field": _label(field)})
    if spec.kind == CHOICE or (spec.kind == RELATED and spec.choices):
        unknown = [v for v in values if v not in spec.choices]
        if unknown:
            raise RuleError(
                _("“%(value)s” is not a value of “%(field)s”; use one of: %(allowed)s.")
                % {"value": unknown[0], "field": _label(field), "allowed": ", ".join(spec.choices)}
            )
        cond["value"] = sorted(set(values))
    elif spec.kind == BOOL:
        if len(values) != 1 or values[0].lower() not in _BOOL_VALUES:
            raise RuleError(_("“%(field)s” is yes or no.") % {"field": _label(field)})
        cond["value"] = _BOOL_VALUES[values[0].lower()]
    elif spec.kind == NUMBER:
        try:
            (number,) = values
            amount = Decimal(number)
            if not amount.is_finite():
                raise InvalidOperation
        except (ValueError, InvalidOperation):
            raise RuleError(_("“%(field)s” needs one number.") % {"field": _label(field)}) from None
        if (spec.lowest is not None and amount < spec.lowest) or (spec.highest is not None and amount > spec.highest):
            raise RuleError(
                _("“%(field)s” goes from %(low)s to %(high)s.")
                % {
                    "field": _label(field),
                    "low": spec.lowest,
                    "high": spec.highest if spec.highest is not None else "…",
                }
            )
        cond["value"] = str(amount)
    elif spec.kind == DATE and lookup in RELATIVE_DATE_LOOKUPS:
        cond["value"] = _days_back(field, lookup, values)
    elif spec.kind == DATE:
        try:
            (day,) = values
            cond["value"] = dt.date.fromisoformat(day).isoformat()
        except ValueError:
            raise RuleError(_("“%(field)s” needs one date, as YYYY-MM-DD.") % {"field": _label(field)}) from None
    elif field == SegmentField.UPCOMING_OCCASION:
        try:
            (text,) = values
            days = int(text)
        except ValueError:
            raise RuleError(_("Occasions need a number of days.")) from None
        if not 0 <= days <= MAX_OCCASION_DAYS:
            raise RuleError(_("Occasions are looked for at most a year ahead."))
        cond["value"] = days
    elif spec.kind == RELATED:  # product, product category or need: ids or names
        if spec.ids:
            try:
                cond["value"] = sorted({int(v) for v in values})
            except ValueError:
                raise RuleError(_("“%(field)s” needs ids.") % {"field": _label(field)}) from None
        else:
            cond["value"] = sorted(set(values))
    else:
        cond["value"] = values[0] if lookup == SegmentLookup.CONTAINS else sorted(set(values))
    if lookup == SegmentLookup.CONTAINS and len(_as_list(raw.get("value"))) != 1:
        raise RuleError(_("“contains” takes one text."))
    return cond


def _days_back(field: str, lookup: str, values: list[str]) -> int | list[int]:
    """The days of a relative date condition: one number, or two (low, high) for "between"."""
    wanted = 2 if lookup == SegmentLookup.DAYS_AGO_BETWEEN else 1
    try:
        days = [int(v) for v in values]
    except ValueError:
        days = []
    if len(days) != wanted:
        if wanted == 2:
            raise RuleError(_("“%(field)s” needs two numbers of days.") % {"field": _label(field)})
        raise RuleError(_("“%(field)s” needs a number of days.") % {"field": _label(field)})
    lowest = 1 if lookup == SegmentLookup.LAST_DAYS else 0
    if any(not lowest <= d <= MAX_DAYS_BACK for d in days):
        raise RuleError(
            _("“%(field)s” counts from %(low)d to %(high)d days.")
            % {"field": _label(field), "low": lowest, "high": MAX_DAYS_BACK}
        )
    return sorted(days) if wanted == 2 else days[0]


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


def _relative_span(cond: Condition) -> tuple[int | None, int | None]:
    """A relative window as days ago ``[newest, oldest]`` (None: open), to compare two of them."""
    lookup, value = cond["lookup"], cond["value"]
    if lookup == SegmentLookup.LAST_DAYS:
        return 0, value - 1
    if lookup == SegmentLookup.OVER_DAYS_AGO:
        return value + 1, None
    return value[0], value[1]


def _contradiction(group: list[Condition]) -> str | None:
    """A message if the conditions of one AND group can never all hold together, else None."""
    by_field: dict[tuple[str, int | None], list[Condition]] = {}
    for cond in group:
        by_field.setdefault((cond["field"], cond.get("campaign")), []).append(cond)
    for (field, _campaign), conds in by_field.items():
        spec, label = FIELDS[field], _label(field)
        wanted = [c for c in conds if c["lookup"] == SegmentLookup.IS]
        refused = [c for c in conds if c["lookup"] == SegmentLookup.IS_NOT]
        has_value = [c for c in conds if c["lookup"] not in (SegmentLookup.IS_EMPTY, SegmentLookup.IS_NOT)]
        if any(c["lookup"] == SegmentLookup.IS_EMPTY for c in conds) and has_value:
            return _("“%(field)s” cannot be empty and have a value.") % {"field": label}
        if field == SegmentField.UPCOMING_OCCASION:
            if any(w["value"] <= r["value"] for w in wanted for r in refused):
                return _("“%(field)s” is asked to be there and not to be there.") % {"field": label}
        elif spec.ordered:
            steps = spec.choices
            reached = [steps.index(min(w["value"], key=steps.index)) for w in wanted]
            not_reached = [steps.index(min(r["value"], key=steps.index)) for r in refused]
            if reached and not_reached and min(not_reached) <= max(reached):
                return _("A customer cannot both reach an AIDA step and not reach it.")
        elif spec.kind == RELATED:
            excluded = {v for r in refused for v in r["value"]}
            if any(set(w["value"]) <= excluded for w in wanted):
                return _("“%(field)s” is both required and excluded.") % {"field": label}
        else:
            fold = str.lower if spec.kind == TEXT else str
            allowed: set[str] | None = None
            for w in wanted:
                values = {fold(v) for v in (w["value"] if isinstance(w["value"], list) else [w["value"]])}
                allowed = values if allowed is None else allowed & values
            excluded = {fold(v) for r in refused for v in r["value"]}
            if allowed is not None and not (allowed - excluded):
                return _("“%(field)s” cannot be all of these values at once.") % {"field": label}
        relative = [_relative_span(c) for c in conds if c["lookup"] in RELATIVE_DATE_LOOKUPS]
        if relative:
            newest = max(span[0] or 0 for span in relative)
            oldest = min((span[1] for span in relative if span[1] is not None), default=None)
            if oldest is not None and newest > oldest:
                return _("“%(field)s” cannot fall in these windows of days at once.") % {"field": label}
        if spec.kind in (NUMBER, DATE):
            parse: Any = Decimal if spec.kind == NUMBER else dt.date.fromisoformat
            lows = [parse(c["value"]) for c in conds if c["lookup"] == SegmentLookup.GTE]
            highs = [parse(c["value"]) for c in conds if c["lookup"] == SegmentLookup.LTE]
            if lows and highs and max(lows) > min(highs):
                return _("“%(field)s” cannot be at least %(low)s and at most %(high)s.") % {
                    "field": label,
                    "low": max(lows),
                    "high": min(highs),
                }
    return None


def validate_rules(rules: Any) -> dict[str, Any]:
    """Return the rules in canonical form, or raise RuleError naming the first fault."""
    if rules in (None, {}, []):
        return {}
    if not isinstance(rules, dict) or not isinstance(rules.get("any"), list):
        raise RuleError(_("Rules are a list of groups of conditions."))
    groups = []
    for group in rules["any"]:
        conditions = group.get("all") if isinstance(group, dict) else None
        if not isinstance(conditions, list) or not conditions:
            raise RuleError(_("Each group needs at least one condition."))
        normal = [normalize_condition(c) for c in conditions]
        problem = _contradiction(normal)
        if problem:
            raise RuleError(problem)
        groups.append({"all": normal})
    return {"any": groups}


def rules_from_rows(rows: Iterable[tuple[int | None, Any]]) -> dict[str, Any]:
    """Build rules from the rows of the admin form: ``(group, {field, lookup, value, ...})`` pairs."""
    groups: dict[int, list[Any]] = {}
    for group, cond in rows:
        groups.setdefault(group or 1, []).append(cond)
    return validate_rules({"any": [{"all": groups[g]} for g in sorted(groups)]}) if groups else {}


def _conditions(rules: Any) -> list[Condition]:
    return [c for g in (rules or {}).get("any", []) for c in g["all"]]


def _moves_with_calendar(cond: Condition) -> bool:
    return FIELDS[cond["field"]].time_relative or cond["lookup"] in RELATIVE_DATE_LOOKUPS


def is_time_relative(rules: Any) -> bool:
    """True when membership can change with the calendar alone ("in the last 90 days", upcoming occasions)."""
    return any(_moves_with_calendar(c) for c in _conditions(rules))


def fields_of(rules: Any) -> set[str]:
    """The fields the rules' conditions look at."""
    return {c["field"] for c in _conditions(rules)}


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
    """The ``Q`` that selects a segment's members; None when the segment has no rules (it selects nobody)."""
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
    return result


def matching_customers(rules: Any, *, calendar: Calendar | None = None) -> "QuerySet[Customer]":
    """The customers the rules select, as a queryset (empty when there are no rules)."""
    q = compile_rules(rules, calendar=calendar)
    if q is None:
        return Customer.objects.none()
    return Customer.objects.filter(q)


# -- In the marketer's words -----------------------------------------------------------------------------------


def _lookup_label(lookup: str) -> str:
    try:
        return str(SegmentLookup(lookup).label)
    except ValueError:
        return lookup


def _value_words(cond: Condition) -> str:
    field, lookup, value = cond["field"], cond["lookup"], cond.get("value")
    spec = FIELDS[field]
    if lookup == SegmentLookup.IS_EMPTY:
        return ""
    if lookup in RELATIVE_DATE_LOOKUPS:
        return ""
    labels = dict(choice_labels(field))
    if isinstance(value, list):
        return _(" or ").join(str(labels.get(str(v), v)) for v in value)
    if spec.kind == BOOL:
        return str(_("yes") if value else _("no"))
    return str(labels.get(str(value), value))


def _number(value: Any) -> str:
    """A number of a rule in the digits of the marketer's language (Persian, Arabic-Indic or ASCII)."""
    return str(localize_digits(str(value), get_language()))


def describe_condition(cond: Condition) -> str:
    """One condition as a marketer reads it: "Last purchase in the last 90 days", "Value tier is Potential"."""
    label, lookup = _label(cond["field"]), cond["lookup"]
    value: Any = cond.get("value")
    if lookup == SegmentLookup.LAST_DAYS:
        return _("%(field)s in the last %(days)s days") % {"field": label, "days": _number(value)}
    if lookup == SegmentLookup.OVER_DAYS_AGO:
        return _("%(field)s more than %(days)s days ago") % {"field": label, "days": _number(value)}
    if lookup == SegmentLookup.DAYS_AGO_BETWEEN:
        return _("%(field)s between %(low)s and %(high)s days ago") % {
            "field": label,
            "low": _number(value[0]),
            "high": _number(value[1]),
        }
    if cond["field"] == SegmentField.UPCOMING_OCCASION:
        days = {"days": _number(value)}
        if lookup == SegmentLookup.IS:
            return _("An occasion in the next %(days)s days") % days
        return _("No occasion in the next %(days)s days") % days
    words = _value_words(cond)
    if FIELDS[cond["field"]].kind in (NUMBER, DATE):
        words = _number(words)
    text = f"{label} {_lookup_label(lookup)} {words}".strip()
    if cond.get("campaign"):
        text += " " + _("(campaign %(campaign)s)") % {"campaign": cond["campaign"]}
    return text


def describe_rules(rules: Any) -> list[str]:
    """Each group of conditions as one line ("… and …"); the lines are alternatives."""
    return [_(" and ").join(describe_condition(c) for c in group["all"]) for group in (rules or {}).get("any", [])]


def choice_labels(field: str) -> list[tuple[str, str]]:
    """The values a condition on ``field`` offers, with the label a marketer reads (codes are never shown)."""
    spec = FIELDS[field]
    enums: dict[str, Any] = {
        SegmentField.LANGUAGE: Language,
        SegmentField.ACQUISITION_SOURCE: AcquisitionSource,
        SegmentField.VALUE_TIER: ValueTier,
        SegmentField.LIFECYCLE_STAGE: LifecycleStage,
        SegmentField.NEED_CATEGORY: NeedCategory,
        SegmentField.CONSENT: ConsentChannel,
    }
    if field in enums:
        return [(str(v), str(label)) for v, label in enums[field].choices]
    if spec.labels is not None:
        return list(spec.labels())
    return [(c, c) for c in spec.choices]


def condition_form_specs() -> dict[str, dict[str, Any]]:
    """What the condition form offers for each field: its lookups and, where the values are a list, the values
    with their labels; the range of numbers; "days" or "a date" for dates. Read by the form's script."""
    specs: dict[str, dict[str, Any]] = {}
    for code in SegmentField.values:
        if code not in FIELDS:
            continue
        spec = FIELDS[code]
        listed = spec.kind == CHOICE or bool(spec.choices) or spec.labels is not None
        if code in (SegmentField.NEED, SegmentField.PRODUCT_BOUGHT):
            listed = False  # picked with the product or need field of the row
        specs[code] = {
            "kind": "days_ahead" if code == SegmentField.UPCOMING_OCCASION else spec.kind,
            "lookups": [str(lookup) for lookup in spec.lookups],
            "choices": [{"value": v, "label": label} for v, label in choice_labels(code)] if listed else None,
            "single": spec.ordered,
            "lowest": str(spec.lowest) if spec.lowest is not None else None,
            "highest": str(spec.highest) if spec.highest is not None else None,
        }
    return specs
