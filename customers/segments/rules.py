"""Segment rules checked and put in canonical form: one condition, a group that contradicts itself, the whole."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from customers.models import RELATIVE_DATE_LOOKUPS, SegmentField, SegmentLookup
from customers.registry import BOOL, CHOICE, DATE, NUMBER, RELATED, TEXT, Condition, segment_fields
from emarketing.digits import normalize_digits

MAX_OCCASION_DAYS = 366
MAX_DAYS_BACK = 3660  # ten years

# Every field a condition can use, by code: filled in by the apps' ``ready()`` (see ``customers.registry``).
FIELDS = segment_fields

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
    if spec.window:
        return _windowed(cond, spec.window, spec.window_max, values)
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


def _windowed(cond: Condition, unit: str, most: int, values: list[str]) -> Condition:
    """A condition on recent behaviour: how many days or hours back first, then the values (perhaps none)."""
    try:
        within = int(values[0])
    except (IndexError, ValueError):
        within = 0
    if not 1 <= within <= most:
        message = (
            _("“%(field)s” needs first a number of hours, from 1 to %(most)d.")
            if unit == "hours"
            else _("“%(field)s” needs first a number of days, from 1 to %(most)d.")
        )
        raise RuleError(message % {"field": _label(cond["field"]), "most": most})
    cond["within"] = within
    cond["value"] = sorted(set(values[1:]))
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
        elif spec.window:
            pass  # each condition has its window: "in the last 7 days and not in the last day" can hold
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
