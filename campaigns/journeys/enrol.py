"""Customers entering a journey: one ``INSERT … SELECT`` under the journey's re-entry rule, then its first step.

The rule is a queryset filter, so it holds for one customer (a bus event) as for a million (a scheduled trigger);
a partial unique index keeps anyone from being inside the same journey twice at once, even when two events for
them arrive together.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.journeys.engine import version_start
from campaigns.journeys.registry import triggers
from campaigns.journeys.sql import insert_select
from campaigns.models import INSIDE, Enrolment, EnrolmentState, Journey, JourneyStatus, Reentry
from customers.models import Customer


def _allowed(journey: Journey, customers: "QuerySet[Customer]", now: dt.datetime) -> "QuerySet[Customer]":
    before = Enrolment.objects.filter(journey=journey, customer=OuterRef("pk")).order_by()
    if journey.reentry == Reentry.ONCE:
        return customers.filter(~Exists(before))
    if journey.reentry == Reentry.PER_DAYS:
        recent = before.filter(entered_at__gt=now - dt.timedelta(days=journey.reentry_days))
        return customers.filter(~Exists(recent))
    return customers.filter(~Exists(before.filter(state__in=INSIDE)))


@transaction.atomic
def journey_enrol(
    *, journey: Journey, customers: "QuerySet[Any] | Iterable[int]", now: dt.datetime | None = None
) -> int:
    """Enrol ``customers`` (ids, or a one-column queryset of ids) in the live ``journey``'s current version, those
    the re-entry rule lets in; they reach the first step at once. Returns how many entered."""
    if journey.status != JourneyStatus.LIVE:
        raise ValidationError(_("Only a live journey takes customers in."))
    version = journey.current_version()
    if version is None:
        raise ValidationError(_("The journey has no steps yet."))
    now = now or timezone.now()
    ids = customers if isinstance(customers, QuerySet) else list(customers)
    candidates = _allowed(journey, Customer.objects.filter(pk__in=ids, erased_at__isnull=True), now)
    entered = insert_select(
        Enrolment._meta.db_table,
        ["customer_id", "journey_id", "version_id", "state", "due_at", "entered_at", "step_at"],
        candidates.order_by().values_list("pk"),
        extra=[journey.pk, version.pk, EnrolmentState.ACTIVE, now, now, now],
    )
    if entered:
        version_start(version=version, now=now)
    return entered


def scheduled_triggers_run(*, journey: Journey, now: dt.datetime) -> int:
    """Enrol the customers a scheduled trigger selects since it was last evaluated (set-based)."""
    spec = triggers.specs.get(journey.trigger)
    if spec is None or spec.scheduled is None:
        return 0
    with transaction.atomic():
        locked = Journey.objects.select_for_update(skip_locked=True).filter(pk=journey.pk).first()
        if locked is None:
            return 0  # another tick is evaluating it
        entered = journey_enrol(
            journey=locked, customers=spec.scheduled(locked.trigger_params, locked.trigger_checked_at, now), now=now
        )
        Journey.objects.filter(pk=journey.pk).update(trigger_checked_at=now)
    return entered


def journey_exit(
    *, journey: Journey, customers: "QuerySet[Any] | Iterable[int]", now: dt.datetime | None = None
) -> int:
    """Take ``customers`` out of ``journey`` (they count as exited where they stood)."""
    now = now or timezone.now()
    ids = customers if isinstance(customers, QuerySet) else list(customers)
    return Enrolment.objects.filter(journey=journey, customer_id__in=ids, state__in=INSIDE).update(
        state=EnrolmentState.EXITED, ended_at=now, due_at=now
    )
