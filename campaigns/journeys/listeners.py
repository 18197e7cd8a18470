"""The bus, heard by journeys: an event enrols its customer in the live journeys it triggers, and wakes the
customers waiting for it at a "wait for an event" step. Runs after the publishing transaction committed."""

import logging

from django.db import transaction
from django.utils import timezone

from campaigns.journeys.enrol import journey_enrol
from campaigns.journeys.registry import events_listened, triggers
from campaigns.models import Enrolment, EnrolmentState, Journey, JourneyStatus, StepKind
from emarketing.hooks.bus import Event

logger = logging.getLogger(__name__)


def _customer_of(event: Event) -> int | None:
    for key in ("customer", "customer_id"):
        value = event.payload.get(key)
        if isinstance(value, int):
            return value
    return None


def journeys_hear(event: Event) -> None:
    """Enrol the event's customer where a live journey starts from it; wake those waiting for it."""
    now = timezone.now()
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
