"""Segment rules: validated JSON that compiles to ``Q`` objects — marketers never write SQL.

The rules of a segment are kept in ``Segment.rules`` in disjunctive form::

    {"any": [                                   # any one group is enough (OR)
        {"all": [                               # every condition of a group must hold (AND)
            {"field": "value_tier", "lookup": "is", "value": ["most_valuable", "potential"]},
            {"field": "aida_step", "lookup": "is", "value": ["desire"], "campaign": 7},
        ]},
    ]}

Conditions on related rows (orders, touches, needs, consents, occasions) compile to ``pk__in`` sub-selects on
Customer through its reverse relations, so this module imports no later stage and every condition can be
negated without duplicating rows.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import (
    AcquisitionSource,
    ConsentChannel,
    Customer,
    Language,
    LifecycleStage,
    NeedCategory,
    SegmentField,
    SegmentLookup,
    ValueTier,
)

# The AIDA steps in the order a customer walks them; the codes are those of campaigns.AidaStep.
AIDA_STEPS = ["attention", "information", "desire", "action", "satisfaction"]
MAX_OCCASION_DAYS = 366

TEXT, CHOICE, NUMBER, DATE, BOOL, RELATED = "text", "choice", "number", "date", "bool", "related"


@dataclass(frozen=True)
class FieldSpec:
    kind: str
    lookups: tuple
    choices: tuple = ()
    time_relative: bool = False


_TEXT_LOOKUPS = (SegmentLookup.IS, SegmentLookup.IS_NOT, SegmentLookup.CONTAINS, SegmentLookup.IS_EMPTY)
_CHOICE_LOOKUPS = (SegmentLookup.IS, SegmentLookup.IS_NOT)
_RANGE_LOOKUPS = (SegmentLookup.GTE, SegmentLookup.LTE, SegmentLookup.IS_EMPTY)

FIELDS = {
    SegmentField.FIRST_NAME: FieldSpec(TEXT, _TEXT_LOOKUPS),
    SegmentField.LAST_NAME: FieldSpec(TEXT, _TEXT_LOOKUPS),
    SegmentField.EMAIL: FieldSpec(TEXT, _TEXT_LOOKUPS),
    SegmentField.LANGUAGE: FieldSpec(CHOICE, _CHOICE_LOOKUPS, tuple(Language.values)),
    SegmentField.COUNTRY: FieldSpec(TEXT, _TEXT_LOOKUPS),
    SegmentField.REGION: FieldSpec(TEXT, _TEXT_LOOKUPS),
    SegmentField.CITY: FieldSpec(TEXT, _TEXT_LOOKUPS),
    SegmentField.ACQUISITION_SOURCE: FieldSpec(CHOICE, _CHOICE_LOOKUPS, tuple(AcquisitionSource.values)),
    SegmentField.CREATED_AT: FieldSpec(DATE, (SegmentLookup.GTE, SegmentLookup.LTE)),
    SegmentField.VALUE_TIER: FieldSpec(CHOICE, _CHOICE_LOOKUPS, tuple(ValueTier.values)),
    SegmentField.LIFECYCLE_STAGE: FieldSpec(CHOICE, _CHOICE_LOOKUPS, tuple(LifecycleStage.values)),
    SegmentField.SATISFACTION: FieldSpec(NUMBER, _RANGE_LOOKUPS),
    SegmentField.LAST_NPS: FieldSpec(NUMBER, _RANGE_LOOKUPS),
    SegmentField.AT_RISK: FieldSpec(BOOL, (SegmentLookup.IS,), ("yes", "no")),
    SegmentField.REFERRAL_CANDIDATE: FieldSpec(BOOL, (SegmentLookup.IS,), ("yes", "no")),
    SegmentField.AIDA_STEP: FieldSpec(RELATED, _CHOICE_LOOKUPS, tuple(AIDA_STEPS)),
    SegmentField.PRODUCT_BOUGHT: FieldSpec(RELATED, _CHOICE_LOOKUPS),
    SegmentField.PRODUCT_CATEGORY_BOUGHT: FieldSpec(RELATED, _CHOICE_LOOKUPS),
    SegmentField.NEED: FieldSpec(RELATED, _CHOICE_LOOKUPS),
    SegmentField.NEED_CATEGORY: FieldSpec(RELATED, _CHOICE_LOOKUPS, tuple(NeedCategory.values)),
    SegmentField.UPCOMING_OCCASION: FieldSpec(RELATED, (SegmentLookup.IS, SegmentLookup.IS_NOT), time_relative=True),
    SegmentField.CONSENT: FieldSpec(RELATED, _CHOICE_LOOKUPS, tuple(ConsentChannel.values)),
}

_BOOL_VALUES = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


class RuleError(ValidationError):
    """Rules that name an unknown field, use a value that does not fit, or contradict each other."""


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value)]


def _label(field):
    try:
        return str(SegmentField(field).label)
    except ValueError:
        return field


def normalize_condition(raw) -> dict:
    """Check one condition and return it in canonical form; raise RuleError with a message a marketer reads."""
    if not isinstance(raw, dict):
        raise RuleError(_("A condition must be a field, a condition and a value."))
    field = raw.get("field")
    if field not in FIELDS:
        raise RuleError(_("“%(field)s” is not a field segments can use.") % {"field": field})
    spec = FIELDS[field]
    lookup = raw.get("lookup") or SegmentLookup.IS
    if lookup not in spec.lookups:
        raise RuleError(
            _("“%(field)s” cannot be combined with “%(lookup)s”.") % {"field": _label(field), "lookup": lookup}
        )
    cond = {"field": field, "lookup": lookup}
    if lookup == SegmentLookup.IS_EMPTY:
        return cond
    values = [v.translate(_DIGITS) if spec.kind != TEXT else v for v in _as_list(raw.get("value"))]
    if field == SegmentField.AIDA_STEP:
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
            (days,) = values
            days = int(days)
        except ValueError:
            raise RuleError(_("Occasions need a number of days.")) from None
        if not 0 <= days <= MAX_OCCASION_DAYS:
            raise RuleError(_("Occasions are looked for at most a year ahead."))
        cond["value"] = days
    elif spec.kind == RELATED:  # product, product category or need: ids or names
        if field in (SegmentField.PRODUCT_BOUGHT, SegmentField.NEED):
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


def _contradiction(group):
    """A message if the conditions of one AND group can never all hold together, else None."""
    by_field = {}
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
        elif field == SegmentField.AIDA_STEP:
            reached = [AIDA_STEPS.index(min(w["value"], key=AIDA_STEPS.index)) for w in wanted]
            not_reached = [AIDA_STEPS.index(min(r["value"], key=AIDA_STEPS.index)) for r in refused]
            if reached and not_reached and min(not_reached) <= max(reached):
                return _("A customer cannot both reach an AIDA step and not reach it.")
        elif spec.kind == RELATED:
            excluded = {v for r in refused for v in r["value"]}
            if any(set(w["value"]) <= excluded for w in wanted):
                return _("“%(field)s” is both required and excluded.") % {"field": label}
        else:
            fold = str.lower if spec.kind == TEXT else (lambda v: v)
            allowed = None
            for w in wanted:
                values = {fold(v) for v in (w["value"] if isinstance(w["value"], list) else [w["value"]])}
                allowed = values if allowed is None else allowed & values
            excluded = {fold(v) for r in refused for v in r["value"]}
            if allowed is not None and not (allowed - excluded):
                return _("“%(field)s” cannot be all of these values at once.") % {"field": label}
        if spec.kind in (NUMBER, DATE):
            parse = Decimal if spec.kind == NUMBER else dt.date.fromisoformat
            lows = [parse(c["value"]) for c in conds if c["lookup"] == SegmentLookup.GTE]
            highs = [parse(c["value"]) for c in conds if c["lookup"] == SegmentLookup.LTE]
            if lows and highs and max(lows) > min(highs):
                return _("“%(field)s” cannot be at least %(low)s and at most %(high)s.") % {
                    "field": label,
                    "low": max(lows),
                    "high": min(highs),
                }
    return None


def validate_rules(rules) -> dict:
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


def rules_from_rows(rows) -> dict:
    """Build rules from the rows of the admin form: ``(group, {field, lookup, value, ...})`` pairs."""
    groups = {}
    for group, cond in rows:
        groups.setdefault(group or 1, []).append(cond)
    return validate_rules({"any": [{"all": groups[g]} for g in sorted(groups)]}) if groups else {}


def is_time_relative(rules) -> bool:
    """True when membership can change with the calendar alone (upcoming occasions), not just with data."""
    return any(FIELDS[c["field"]].time_relative for g in (rules or {}).get("any", []) for c in g["all"])


def _sub(**lookups):
    return Q(pk__in=Customer.objects.filter(**lookups).values("pk"))


def _occasion_q(days, today):
    q = Q()
    for offset in range(days + 1):
        d = today + dt.timedelta(days=offset)
        q |= Q(occasions__month=d.month, occasions__day=d.day)
    return Q(pk__in=Customer.objects.filter(q).values("pk"))


def _positive_q(cond, today):
    field, lookup, value = cond["field"], cond["lookup"], cond.get("value")
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
    if field == SegmentField.AIDA_STEP:
        # "reached" a step: a counted touch at that step or any later one.
        first = min(AIDA_STEPS.index(v) for v in value)
        lookups = {"touches__step__in": AIDA_STEPS[first:], "touches__is_automated": False}
        if cond.get("campaign"):
            lookups["touches__campaign_id"] = cond["campaign"]
        return _sub(**lookups)
    if field == SegmentField.PRODUCT_BOUGHT:
        return _sub(orders__lines__product_id__in=value)
    if field == SegmentField.PRODUCT_CATEGORY_BOUGHT:
        return _sub(orders__lines__product__category__in=value)
    if field == SegmentField.NEED:
        return _sub(need_mentions__need_id__in=value)
    if field == SegmentField.NEED_CATEGORY:
        return _sub(need_mentions__need__category__in=value)
    if field == SegmentField.UPCOMING_OCCASION:
        return _occasion_q(value, today)
    if field == SegmentField.CONSENT:
        return _sub(consents__channel__in=value, consents__granted=True)
    raise RuleError(_("“%(field)s” is not a field segments can use.") % {"field": field})  # pragma: no cover


def condition_q(cond, *, today=None) -> Q:
    today = today or timezone.localdate()
    q = _positive_q(cond, today)
    return ~q if cond["lookup"] == SegmentLookup.IS_NOT else q


def compile_rules(rules, *, today=None) -> Q | None:
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


def matching_customers(rules, *, today=None):
    """The customers the rules select, as a queryset (empty when there are no rules)."""
    q = compile_rules(rules, today=today)
    if q is None:
        return Customer.objects.none()
    return Customer.objects.filter(q)
