"""What happened, told to whoever listens: a small publish/subscribe bus at the bottom of the house.

Each stage names the events it publishes in its ``AppConfig.ready()`` (``events.register("order.paid",
_("Order paid"))``) and calls ``publish("order.paid", key=f"order:{order.pk}", payload=...)`` in the service where
it happens, without knowing who listens. ``key`` names the object the event is about: listeners that keep an order
(outgoing webhooks) keep it per key. ``payload`` is a dict that JSON can hold, built by the stage.

Two kinds of listener:

- ``on_commit`` listeners (the default) run once the publishing transaction has committed, and not at all when it
  rolls back: journeys, the loop, anything that acts on what happened.
- ``in_transaction`` listeners run at once, inside the publishing transaction, and may only write rows of their own
  (an outbox). What they write commits or rolls back with the change itself, so nothing is lost when a process
  dies between the commit and its ``on_commit`` callbacks. They must not talk to the outside world.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.functional import Promise

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """One thing that happened: its name in the catalogue, the object it is about, what the stage tells of it."""

    name: str
    key: str
    payload: Mapping[str, Any]


Listener = Callable[[Event], None]


class Catalogue:
    """The events the stages publish, each with a label for people (admin forms, the delivery log)."""

    def __init__(self) -> None:
        self._labels: dict[str, str | Promise] = {}

    def register(self, name: str, label: str | Promise) -> None:
        if name in self._labels and self._labels[name] != label:
            raise ImproperlyConfigured(f"The event {name!r} is registered twice with different labels.")
        self._labels[name] = label

    def __contains__(self, name: object) -> bool:
        return name in self._labels

    def label(self, name: str) -> str:
        return str(self._labels.get(name, name))

    def choices(self) -> list[tuple[str, str]]:
        """``(name, label)`` pairs in name order, the stages' events grouped by their prefix."""
        return [(name, str(label)) for name, label in sorted(self._labels.items())]


events = Catalogue()

_on_commit: list[Listener] = []
_in_transaction: list[Listener] = []


def subscribe(listener: Listener, *, in_transaction: bool = False) -> None:
    """Call ``listener`` with every published event (see the module's docstring for ``in_transaction``)."""
    target = _in_transaction if in_transaction else _on_commit
    if listener not in target:
        target.append(listener)


def unsubscribe(listener: Listener) -> None:
    for target in (_in_transaction, _on_commit):
        if listener in target:
            target.remove(listener)


def _run_after_commit(event: Event) -> None:
    for listener in _on_commit:
        try:
            listener(event)
        except Exception:  # one listener's failure must not cost the others their event
            logger.exception("A listener of %s failed", event.name)


def publish(name: str, *, key: str, payload: Mapping[str, Any]) -> None:
    """Tell every listener that ``name`` happened to the object ``key``; call it inside the service's transaction."""
    if name not in events:
        raise ImproperlyConfigured(f"The event {name!r} is not in the catalogue: register it in the app's ready().")
    event = Event(name=name, key=key, payload=dict(payload))
    for listener in _in_transaction:
        listener(event)
    if _on_commit:
        transaction.on_commit(lambda: _run_after_commit(event))
