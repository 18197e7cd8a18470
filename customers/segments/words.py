"""Segment rules in the marketer's words: each condition described, and what the condition form offers."""

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from customers.models import (
    RELATIVE_DATE_LOOKUPS,
    AcquisitionSource,
    ConsentChannel,
    Language,
    LifecycleStage,
    NeedCategory,
    SegmentField,
    SegmentLookup,
    ValueTier,
)
from customers.registry import BOOL, CHOICE, DATE, NUMBER, Condition
from customers.segments.rules import FIELDS, _label
from emarketing.digits import localize_digits


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
    if cond.get("within"):
        unit = FIELDS[cond["field"]].window
        span = (_("in the last %(n)s hours") if unit == "hours" else _("in the last %(n)s days")) % {
            "n": _number(cond["within"])
        }
        shown = ", ".join(str(v) for v in value or [])
        text = f"{label} {shown}".strip() if lookup == SegmentLookup.IS else f"{_('Not:')} {label} {shown}".strip()
        return f"{text} {span}"
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
