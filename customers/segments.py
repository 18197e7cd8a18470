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
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import (
    AcquisitionSource,
    Consent,
    ConsentChannel,
    Customer,
    CustomerHistory,
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
    segment_fields,
)
from emarketing.digits import normalize_digits

MAX_OCCASION_DAYS = 366

__all__ = [
    "BOOL",
    "CHOICE",
    "DATE",
    "FIELDS",
    "NUMBER",
    "RELATED",
    "TEXT",
    "FieldSpec",
    "RuleError",
    "compile_rules",
    "condition_q",
    "is_time_relative",
    "matching_customers",
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
            cond["value"] = str(Decimal(number))
        except (ValueError, InvalidOperation):
            raise RuleError(_("“%(field)s” needs one number.") % {"field": _label(field)}) from None
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


def is_time_relative(rules: Any) -> bool:
    """True when membership can change with the calendar alone (upcoming occasions), not just with data."""
    return any(FIELDS[c["field"]].time_relative for g in (rules or {}).get("any", []) for c in g["all"])


def _occasion_q(cond: Condition, today: dt.date) -> Q:
    q = Q()
    for offset in range(cond["value"] + 1):
        d = today + dt.timedelta(days=offset)
        q |= Q(month=d.month, day=d.day)
    return Q(pk__in=Occasion.objects.filter(q).values("customer_id"))


def _need_q(cond: Condition, today: dt.date) -> Q:
    return Q(pk__in=NeedMention.objects.filter(need_id__in=cond["value"], customer__isnull=False).values("customer_id"))


def _need_category_q(cond: Condition, today: dt.date) -> Q:
    mentions = NeedMention.objects.filter(need__category__in=cond["value"], customer__isnull=False)
    return Q(pk__in=mentions.values("customer_id"))


def _consent_q(cond: Condition, today: dt.date) -> Q:
    return Q(pk__in=Consent.objects.filter(channel__in=cond["value"], granted=True).values("customer_id"))


def register_own_fields() -> None:
    """Register the fields of preparation's own models, and where they say a customer changed."""
    register = segment_fields.register
    for code in (SegmentField.FIRST_NAME, SegmentField.LAST_NAME, SegmentField.EMAIL):
        register(code, FieldSpec(TEXT, TEXT_LOOKUPS))
    register(SegmentField.LANGUAGE, FieldSpec(CHOICE, CHOICE_LOOKUPS, tuple(Language.values)))
    for code in (SegmentField.COUNTRY, SegmentField.REGION, SegmentField.CITY):
        register(code, FieldSpec(TEXT, TEXT_LOOKUPS))
    register(SegmentField.ACQUISITION_SOURCE, FieldSpec(CHOICE, CHOICE_LOOKUPS, tuple(AcquisitionSource.values)))
    register(SegmentField.CREATED_AT, FieldSpec(DATE, (SegmentLookup.GTE, SegmentLookup.LTE)))
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
        FieldSpec(RELATED, (SegmentLookup.IS, SegmentLookup.IS_NOT), time_relative=True, compile=_occasion_q),
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


def _positive_q(cond: Condition, today: dt.date) -> Q:
    field, lookup = cond["field"], cond["lookup"]
    value: Any = cond.get("value")
    spec = FIELDS[field]
    if lookup == SegmentLookup.IS_EMPTY:
        if spec.kind == TEXT:
            return Q(**{field: ""})
        return Q(**{f"{field}__isnull": True})
    if spec.kind == TEXT:
        if lookup == SegmentLookup.CONTAINS:
            return Q(**{f"{field}__icontains": value})
        q = Q()
        for v in value:
            q |= Q(**{f"{field}__iexact": v})
        return q
    if spec.kind == CHOICE:
        return Q(**{f"{field}__in": value})
    if spec.kind == BOOL:
        return Q(**{field: value})
    if spec.kind in (NUMBER, DATE):
        if spec.kind == DATE:
            day = dt.date.fromisoformat(value)
            if lookup == SegmentLookup.GTE:
                return Q(created_at__date__gte=day)
            return Q(created_at__date__lte=day)
        return Q(**{f"{field}__{lookup}": Decimal(value)})
    if spec.compile is not None:
        return spec.compile(cond, today)
    raise RuleError(_("“%(field)s” is not a field segments can use.") % {"field": field})  # pragma: no cover


def condition_q(cond: Condition, *, today: dt.date | None = None) -> Q:
    today = today or timezone.localdate()
    q = _positive_q(cond, today)
    return ~q if cond["lookup"] == SegmentLookup.IS_NOT else q


def compile_rules(rules: Any, *, today: dt.date | None = None) -> Q | None:
    """The ``Q`` that selects a segment's members; None when the segment has no rules (it selects nobody)."""
    rules = validate_rules(rules)
    if not rules:
        return None
    result = Q()
    for group in rules["any"]:
        part = Q()
        for cond in group["all"]:
            part &= condition_q(cond, today=today)
        result |= part
    return result


def matching_customers(rules: Any, *, today: dt.date | None = None) -> "QuerySet[Customer]":
    """The customers the rules select, as a queryset (empty when there are no rules)."""
    q = compile_rules(rules, today=today)
    if q is None:
        return Customer.objects.none()
    return Customer.objects.filter(q)
