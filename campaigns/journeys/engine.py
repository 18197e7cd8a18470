"""The tick: every due enrolment of every live journey moved on, step by step, in bulk SQL.

For each step of a live version, the enrolments due there (``due_at`` passed, still inside) are taken in id-ordered
batches of ``JOURNEYS_TICK_BATCH``. A batch is one transaction that holds the step's row (``SELECT … FOR UPDATE
SKIP LOCKED``: a second tick at the same time skips the step rather than wait). In it the step does its work for
the whole batch (``INSERT … SELECT`` of the e-mails, an action over the queryset), then each branch's share of the
batch reaches its next step: an ``INSERT … SELECT`` of a :class:`~campaigns.models.JourneyPassage` each (unique per
enrolment and step) and one ``UPDATE`` of the enrolments. Conditions are querysets over the enrolments' customers;
no customer is looked at from Python.

Exactly once: a worker killed in a batch rolls the whole batch back (work and moves together), and the next tick
does it again from the start; a batch committed is never done again, because its enrolments are no longer at the
step. E-mails go through the sending pipeline, which sends each row once.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Value
from django.db.models.functions import Mod
from django.db.models.lookups import LessThan
from django.utils import timezone

from campaigns.journeys.registry import actions, conditions
from campaigns.journeys.sql import insert_select
from campaigns.models import (
    INSIDE,
    Enrolment,
    EnrolmentState,
    Journey,
    JourneyMessage,
    JourneyPassage,
    JourneyStatus,
    JourneyStep,
    JourneyVersion,
    MessageStatus,
    StepKind,
)
from campaigns.send_time import local_moment, parse_clock, quiet_until
from customers.models import Consent, ConsentChannel

MESSAGE_COLUMNS = ["enrolment_id", "customer_id", "step_id", "campaign_id", "created_at", "status", "attempts"]
MESSAGE_COLUMNS += ["error", "claim"]

# A prime far from 100: the random split's bucket of an enrolment, ``id * SPREAD mod 100``, is fixed and even.
SPREAD = 7919


@dataclass
class TickResult:
    entered: int = 0
    moved: int = 0
    converted: int = 0
    messages: int = 0
    held: int = 0  # e-mails and texts held back to the end of the customer's quiet hours

    def add(self, other: "TickResult") -> None:
        for name in ("entered", "moved", "converted", "messages", "held"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def duration(params: dict[str, Any], prefix: str = "") -> dt.timedelta:
    """``{"days": 2, "hours": 3, "minutes": 0}`` (or ``timeout_days`` … with ``prefix="timeout_"``)."""
    return dt.timedelta(
        days=float(params.get(f"{prefix}days") or 0),
        hours=float(params.get(f"{prefix}hours") or 0),
        minutes=float(params.get(f"{prefix}minutes") or 0),
    )


def _inside(queryset: "QuerySet[Enrolment]") -> "QuerySet[Enrolment]":
    return queryset.filter(state__in=INSIDE)


def move(subset: "QuerySet[Enrolment]", target: JourneyStep | None, now: dt.datetime) -> int:
    """Everyone in ``subset`` reaches ``target`` (None: the end of the journey) and waits there as it says."""
    if target is None:
        return subset.update(step=None, state=EnrolmentState.DONE, ended_at=now, due_at=now, event_at=None)
    insert_select(
        JourneyPassage._meta.db_table,
        ["enrolment_id", "step_id", "at"],
        subset.values_list("id"),
        extra=[target.pk, now],
    )
    arrive: dict[str, Any] = {"step": target, "step_at": now, "event_at": None}
    if target.kind == StepKind.EXIT:
        return subset.update(**arrive, state=EnrolmentState.EXITED, ended_at=now)
    if target.kind == StepKind.WAIT:
        return subset.update(**arrive, state=EnrolmentState.WAITING, due_at=now + duration(target.params))
    if target.kind == StepKind.WAIT_EVENT:
        timeout = duration(target.params, "timeout_")
        return subset.update(**arrive, state=EnrolmentState.WAITING, due_at=now + timeout)
    if target.kind == StepKind.WAIT_UNTIL:
        # "At 10:00" where each customer lives: one UPDATE per time zone (zones are few beside customers).
        clock = parse_clock(str(target.params.get("time", "10:00")))
        moved = 0
        for zone in subset.order_by().values_list("customer__time_zone", flat=True).distinct():
            moved += subset.filter(customer__time_zone=zone).update(
                **arrive, state=EnrolmentState.WAITING, due_at=local_moment(zone, clock, after=now)
            )
        return moved
    return subset.update(**arrive, state=EnrolmentState.ACTIVE, due_at=now)


def hold_quiet(batch: "QuerySet[Enrolment]", now: dt.datetime) -> int:
    """Customers whose local clock is within the quiet hours wait at the step until they end (campaigns.send_time):
    one UPDATE per time zone that is quiet now."""
    held = 0
    for zone in batch.order_by().values_list("customer__time_zone", flat=True).distinct():
        until = quiet_until(zone, now)
        if until is not None:
            held += batch.filter(customer__time_zone=zone).update(due_at=until, state=EnrolmentState.WAITING)
    return held


def reachable(batch: "QuerySet[Enrolment]", channel: str = ConsentChannel.EMAIL) -> "QuerySet[Enrolment]":
    """The enrolments whose customer may be written to on ``channel``: consent given, not suppressed, not erased."""
    consent = Consent.objects.filter(customer=OuterRef("customer_id"), channel=channel, granted=True).order_by()
    return batch.filter(Exists(consent), customer__suppressed=False, customer__erased_at__isnull=True)


class Step:
    """One step over a batch of its due enrolments."""

    def __init__(self, step: JourneyStep, by_key: dict[str, JourneyStep], now: dt.datetime) -> None:
        self.step, self.by_key, self.now = step, by_key, now

    def target(self, branch: int) -> JourneyStep | None:
        keys = self.step.next or []
        if not keys:
            return None
        key = keys[branch] if branch < len(keys) else keys[-1]
        return self.by_key.get(key) if key else None

    def advance(self, batch: "QuerySet[Enrolment]", result: TickResult) -> None:
        step, kind, now = self.step, self.step.kind, self.now
        if kind in (StepKind.WAIT, StepKind.WAIT_UNTIL):
            result.moved += move(batch, self.target(0), now)
        elif kind == StepKind.WAIT_EVENT:
            result.moved += move(batch.filter(event_at__gte=F("step_at")), self.target(0), now)
            result.moved += move(batch, self.target(1), now)  # the time ran out
        elif kind == StepKind.CONDITION:
            spec = conditions.get(step.params.get("condition", ""))
            result.moved += move(batch.filter(spec.compile(step.params, step.version)), self.target(0), now)
            result.moved += move(batch, self.target(1), now)
        elif kind == StepKind.SPLIT:
            shares = [int(share) for share in step.params.get("shares", [50, 50])]
            bucket = Mod(F("id") * Value(SPREAD), Value(100))
            upper = 0
            for branch, share in enumerate(shares[:-1]):
                upper += share
                result.moved += move(batch.filter(LessThan(bucket, upper)), self.target(branch), now)
            result.moved += move(batch, self.target(len(shares) - 1), now)
        elif kind == StepKind.EMAIL:
            result.held += hold_quiet(batch, now)
            result.messages += insert_select(
                JourneyMessage._meta.db_table,
                MESSAGE_COLUMNS,
                reachable(batch).exclude(customer__email="").values_list("id", "customer_id"),
                extra=[step.pk, int(step.params["campaign"]), now, MessageStatus.QUEUED, 0, "", ""],
            )
            result.moved += move(batch, self.target(0), now)
        elif kind == StepKind.ACTION:
            spec = actions.get(step.params.get("action", ""))
            if spec.sends:
                result.held += hold_quiet(batch, now)
            done = spec.run(step.params, reachable(batch, spec.channel) if spec.sends else batch, step, now)
            result.messages += done if spec.sends else 0
            result.moved += move(batch, self.target(0), now)
        else:  # an exit step is final; nobody waits there
            result.moved += move(batch, None, now)


def _batches(step: JourneyStep | None, version: JourneyVersion, now: dt.datetime) -> tuple[Any, int]:
    due = _inside(Enrolment.objects.filter(version=version, due_at__lte=now))
    return (due.filter(step__isnull=True) if step is None else due.filter(step=step)), settings.JOURNEYS_TICK_BATCH


def version_start(*, version: JourneyVersion, now: dt.datetime) -> int:
    """Enrolments that have just entered (no step yet) reach the version's first step."""
    first = JourneyStep.objects.filter(version=version, key=version.first_step).first()
    due, _size = _batches(None, version, now)
    return move(due, first, now)


def step_run(*, step: JourneyStep, by_key: dict[str, JourneyStep], now: dt.datetime) -> TickResult:
    """Every enrolment due at ``step``, moved on batch after batch (one transaction each)."""
    result = TickResult()
    due, size = _batches(step, step.version, now)
    last = 0
    while True:
        with transaction.atomic():
            if not JourneyStep.objects.select_for_update(skip_locked=True).filter(pk=step.pk).values_list("pk"):
                return result  # another tick is moving this step's customers
            pending = due.filter(id__gt=last)
            upper = list(pending.order_by("id").values_list("id", flat=True)[size - 1 : size])
            batch = pending.filter(id__lte=upper[0]) if upper else pending
            Step(step, by_key, now).advance(batch, result)
        if not upper:
            return result
        last = upper[0]


def goals_check(*, journey: Journey, now: dt.datetime) -> int:
    """Customers inside who reached the journey's goal leave it, converted."""
    if not journey.goal:
        return 0
    spec = conditions.get(journey.goal)
    inside = _inside(Enrolment.objects.filter(journey=journey))
    return inside.filter(spec.compile(journey.goal_params, None)).update(
        state=EnrolmentState.CONVERTED, ended_at=now, due_at=now
    )


def journeys_tick(*, now: dt.datetime | None = None) -> TickResult:
    """One tick of the scheduler over every live journey: scheduled triggers, goals, then every due step until
    nobody due is left (a customer may pass several instant steps in one tick)."""
    from campaigns.journeys.enrol import scheduled_triggers_run
    from campaigns.journeys.listeners import journeys_inbox_hear

    now = now or timezone.now()
    result = TickResult()
    journeys_inbox_hear()  # events whose process died before hearing them
    live = list(Journey.objects.filter(status=JourneyStatus.LIVE))
    for journey in live:
        result.entered += scheduled_triggers_run(journey=journey, now=now)
        with transaction.atomic():
            result.converted += goals_check(journey=journey, now=now)
    steps = list(
        JourneyStep.objects.filter(version__journey__status=JourneyStatus.LIVE)
        .select_related("version")
        .order_by("version_id", "position", "id")
    )
    by_version: dict[int, dict[str, JourneyStep]] = {}
    for step in steps:
        by_version.setdefault(step.version_id, {})[step.key] = step
    versions = {step.version_id: step.version for step in steps}
    for version in versions.values():
        with transaction.atomic():
            result.moved += version_start(version=version, now=now)
    # A customer goes through at most every step once: as many passes as the longest journey has steps.
    for _pass in range(max((len(keys) for keys in by_version.values()), default=0) + 1):
        moved_before = result.moved
        for step in steps:
            result.add(step_run(step=step, by_key=by_version[step.version_id], now=now))
        if result.moved == moved_before:
            break
    return result


def journey_counts(*, version: JourneyVersion) -> dict[int, dict[str, int]]:
    """Per step of a version: how many reached it, wait there now, moved on, exited and converted there."""
    counts: dict[int, dict[str, int]] = {}
    for row in JourneyPassage.objects.filter(step__version=version).values("step_id").annotate(n=Count("id")):
        counts.setdefault(row["step_id"], {})["entered"] = row["n"]
    at_step = Enrolment.objects.filter(version=version, step__isnull=False).values("step_id", "state")
    for row in at_step.annotate(n=Count("id")).order_by():
        counts.setdefault(row["step_id"], {})[row["state"]] = row["n"]
    for figures in counts.values():
        here = figures.get(EnrolmentState.WAITING, 0) + figures.get(EnrolmentState.ACTIVE, 0)
        ended = sum(figures.get(state, 0) for state in (EnrolmentState.EXITED, EnrolmentState.CONVERTED))
        figures["waiting"] = here
        figures["moved_on"] = max(figures.get("entered", 0) - here - ended, 0)
    return counts
