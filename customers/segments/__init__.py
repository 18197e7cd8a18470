"""Segment rules: validated JSON that compiles to ``Q`` objects — marketers never write SQL.

The rules of a segment are kept in ``Segment.rules`` in disjunctive form::

    {"any": [                                   # any one group is enough (OR)
        {"all": [                               # every condition of a group must hold (AND)
            {"field": "value_tier", "lookup": "is", "value": ["most_valuable", "potential"]},
            {"field": "aida_step", "lookup": "is", "value": ["desire"], "campaign": 7},
        ]},
    ]}

Which fields exist, and how a condition on related rows compiles, is kept in ``customers.registry``:
preparation registers the fields of its own models (profile, needs, consents, occasions) in ``own_fields``, and
the stages that own touches and orders register theirs (``campaigns.segment_fields``, ``orders.segment_fields``)
in their ``AppConfig.ready()``. Conditions on related rows compile to ``pk__in`` sub-selects, so every condition
can be negated without duplicating rows.

One module per step: ``rules`` checks them and puts them in canonical form, ``compiler`` turns them into
``Q``, ``own_fields`` registers preparation's own fields and ``words`` says them as a marketer reads them.
"""

from customers.registry import BOOL, CHOICE, DATE, NUMBER, RELATED, TEXT, FieldSpec
from customers.segment_calendar import Calendar
from customers.segments.compiler import compile_rules, condition_q, date_window, matching_customers, moved_by_calendar
from customers.segments.own_fields import (
    CHOICE_LOOKUPS,
    DATE_LOOKUPS,
    RANGE_LOOKUPS,
    TEXT_LOOKUPS,
    VALUE_FIELDS,
    register_own_fields,
)
from customers.segments.rules import (
    FIELDS,
    MAX_DAYS_BACK,
    MAX_OCCASION_DAYS,
    RuleError,
    fields_of,
    is_time_relative,
    normalize_condition,
    rules_from_rows,
    validate_rules,
)
from customers.segments.words import choice_labels, condition_form_specs, describe_condition, describe_rules

__all__ = [
    "BOOL",
    "CHOICE",
    "CHOICE_LOOKUPS",
    "DATE",
    "DATE_LOOKUPS",
    "FIELDS",
    "MAX_DAYS_BACK",
    "MAX_OCCASION_DAYS",
    "NUMBER",
    "RANGE_LOOKUPS",
    "RELATED",
    "TEXT",
    "TEXT_LOOKUPS",
    "VALUE_FIELDS",
    "Calendar",
    "FieldSpec",
    "RuleError",
    "choice_labels",
    "compile_rules",
    "condition_form_specs",
    "condition_q",
    "date_window",
    "describe_condition",
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
