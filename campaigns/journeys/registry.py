"""What journeys can start from, test and do: three registries the stages fill in their ``AppConfig.ready()``.

Communication knows its own triggers (a segment joined, a website event, an occasion), conditions (a journey
message opened, a tier, consent) and actions (publish ``journey.step``, add to a segment); orders and after-sales
register theirs (an order paid, N days without an order, "ordered since entry", open a ticket) without
communication ever importing them, as ``customers.registry`` does for segment fields.

- A **trigger** either listens to a bus event (``event``: its name; ``customer_of`` reads the customer from the
  payload; ``matches`` tests the journey's parameters against it) or is **scheduled** (``scheduled``: given the
  parameters, the moment of the last evaluation and now, a queryset of customer ids, one column; evaluated
  set-based every minute), or is manual (neither).
- A **condition** compiles to a ``Q`` on :class:`campaigns.models.Enrolment`: the outer row's ``customer_id``,
  ``entered_at`` and ``step_at`` are there for ``OuterRef``; ``version_id`` too.
- An **action** works over a queryset of enrolments at once (never one customer at a time), inside the tick's
  transaction: what it writes commits with the move past its step, or not at all.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Q, QuerySet
from django.utils.functional import Promise

Params = Mapping[str, Any]


def _always(params: Params, payload: Mapping[str, Any]) -> bool:
    return True


def _customer_field(payload: Mapping[str, Any]) -> int | None:
    value = payload.get("customer")
    return value if isinstance(value, int) else None


def _no_check(params: Params) -> None:
    return None


@dataclass(frozen=True)
class TriggerSpec:
    label: str | Promise
    event: str = ""
    customer_of: Callable[[Mapping[str, Any]], int | None] = _customer_field
    matches: Callable[[Params, Mapping[str, Any]], bool] = _always
    scheduled: Callable[[Params, dt.datetime | None, dt.datetime], "QuerySet[Any]"] | None = None
    check: Callable[[Params], None] = _no_check
    help: str | Promise = ""


@dataclass(frozen=True)
class ConditionSpec:
    label: str | Promise
    compile: Callable[[Params, Any], Q]  # (parameters, the step's version) -> Q on Enrolment
    check: Callable[[Params], None] = _no_check


@dataclass(frozen=True)
class ActionSpec:
    label: str | Promise
    run: Callable[[Params, "QuerySet[Any]", Any, dt.datetime], int]  # (params, enrolments, step, now) -> done
    # A message to the customer: held back in quiet hours and given only to consenting, unsuppressed customers.
    sends: bool = False
    channel: str = "email"  # the consent a sending action needs
    check: Callable[[Params], None] = _no_check


@dataclass
class Registry:
    what: str
    specs: dict[str, Any] = field(default_factory=dict)

    def register(self, name: str, spec: Any) -> None:
        if name in self.specs and self.specs[name] != spec:
            raise ImproperlyConfigured(f"The journey {self.what} {name!r} is registered twice.")
        self.specs[name] = spec

    def get(self, name: str) -> Any:
        try:
            return self.specs[name]
        except KeyError:
            raise ValidationError(f"No journey {self.what} is called {name!r}.") from None

    def __contains__(self, name: object) -> bool:
        return name in self.specs

    def choices(self) -> list[tuple[str, str]]:
        return sorted(((name, str(spec.label)) for name, spec in self.specs.items()), key=lambda pair: pair[1])

    def names(self) -> list[str]:
        return sorted(self.specs)


triggers = Registry("trigger")
conditions = Registry("condition")
actions = Registry("action")


def register_trigger(name: str, spec: TriggerSpec) -> None:
    triggers.register(name, spec)


def register_condition(name: str, spec: ConditionSpec) -> None:
    conditions.register(name, spec)


def register_action(name: str, spec: ActionSpec) -> None:
    actions.register(name, spec)


def events_listened() -> dict[str, list[str]]:
    """``{bus event: [trigger names]}`` of the event triggers."""
    listened: dict[str, list[str]] = {}
    for name, spec in triggers.specs.items():
        if spec.event:
            listened.setdefault(spec.event, []).append(name)
    return listened
