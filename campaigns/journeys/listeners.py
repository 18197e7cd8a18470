"""The bus, heard by journeys: an event enrols its customer in the live journeys it triggers, and wakes the
customers waiting for it at a "wait for an event" step.

An event is first noted in :class:`~campaigns.models.JourneyInbox` inside the transaction that published it (an
``in_transaction`` listener: it commits or rolls back with the change), then heard once that transaction has
committed. Hearing takes each noted event under a row lock, acts on it and deletes it in one transaction, so each
event is heard once; one whose process died between the commit and the hearing is heard by the next tick.
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from campaigns.journeys.enrol import journey_enrol
from campaigns.journeys.registry import events_listened, triggers
from campaigns.models import Enrolment, EnrolmentState, Journey, JourneyInbox, JourneyStatus, StepKind
from emarketing.hooks.bus import Event

logger = logging.getLogger(__name__)


def _customer_of(event: Event) -> int | None:
    for key in ("customer", "customer_id"):
        value = event.payload.get(key)
        if isinstance(value, int):
            return value
    return None


def journeys_note(event: Event) -> None:
    """Keep ``event`` for journeys when it may concern them (a trigger's event, or one about a customer, who may be
    waiting for it), and hear it once the publishing transaction has committed."""
    if event.name in events_listened() or _customer_of(event) is not None:
        JourneyInbox.objects.create(name=event.name, key=event.key[:200], payload=dict(event.payload))
        transaction.on_commit(journeys_inbox_hear, robust=True)


def journeys_inbox_hear() -> int:
    """Hear every event noted and not heard yet, oldest first, each in a transaction of its own that deletes it;
    returns how many. Events another process is hearing are skipped (row lock)."""
    heard = 0
    while True:
        with transaction.atomic():
            row = JourneyInbox.objects.select_for_update(skip_locked=True).order_by("id").first()
            if row is None:
                return heard
            try:
                with transaction.atomic():
                    journeys_hear(Event(name=row.name, key=row.key, payload=row.payload), now=row.created_at)
            except Exception:  # an event that cannot be heard must not stop the others: logged, then dropped
                logger.exception("Journeys could not hear %s %s", row.name, row.key)
            row.delete()
            heard += 1


def journeys_hear(event: Event, *, now: dt.datetime | None = None) -> None:
    """Enrol the event's customer where a live journey starts from it; wake those waiting for it. ``now``: when it
    happened."""
    now = now or timezone.now()
    names = events_listened().get(event.name, [])
    if names:
        for journey in Journey.objects.filter(status=JourneyStatus.LIVE, trigger__in=names):
            spec = triggers.get(journey.trigger)
            customer = spec.customer_of(event.payload)
            if customer is None or not spec.matches(journey.trigger_params, event.payload):
                continue
            with transaction.atomic():
                journey_enrol(journey=journey, customers=[customer], now=now)
    customer = _customer_of(event)
    if customer is not None:
        # One UPDATE: the tick moves them on at once, down the "it happened" branch.
        Enrolment.objects.filter(
            customer_id=customer,
            state=EnrolmentState.WAITING,
            step__kind=StepKind.WAIT_EVENT,
            step__params__event=event.name,
        ).update(event_at=now, due_at=now)
