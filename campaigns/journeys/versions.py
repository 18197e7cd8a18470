"""A journey's steps, saved as a version: checked whole (keys, branches, names registered, no cycle) before a row
is written. Editing a journey whose version has customers makes a new version; those inside stay on theirs."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from campaigns.journeys.registry import actions, conditions, triggers
from campaigns.models import Campaign, Enrolment, Journey, JourneyStatus, JourneyStep, JourneyVersion, StepKind
from emarketing.workflow import change_status

# How many next steps each kind takes: (fewest, most).
BRANCHES = {
    StepKind.WAIT: (0, 1),
    StepKind.WAIT_UNTIL: (0, 1),
    StepKind.WAIT_EVENT: (0, 2),
    StepKind.CONDITION: (0, 2),
    StepKind.SPLIT: (0, 10),
    StepKind.EMAIL: (0, 1),
    StepKind.ACTION: (0, 1),
    StepKind.EXIT: (0, 0),
}


def _check_step(step: Mapping[str, Any], keys: set[str]) -> None:
    key, kind, params = step.get("key"), step.get("kind"), step.get("params") or {}
    if kind not in StepKind.values:
        raise ValidationError(_("Step %(key)s: unknown kind %(kind)s.") % {"key": key, "kind": kind})
    nexts = step.get("next") or []
    fewest, most = BRANCHES[StepKind(kind)]
    if not fewest <= len(nexts) <= most:
        raise ValidationError(_("Step %(key)s: too many next steps.") % {"key": key})
    for target in nexts:
        if target and target not in keys:
            raise ValidationError(_("Step %(key)s leads to %(to)s, which is not a step.") % {"key": key, "to": target})
    if kind == StepKind.CONDITION:
        conditions.get(params.get("condition", "")).check(params)
    elif kind == StepKind.ACTION:
        actions.get(params.get("action", "")).check(params)
    elif kind == StepKind.EMAIL:
        if not Campaign.objects.filter(pk=params.get("campaign") or 0).exists():
            raise ValidationError(_("Step %(key)s: choose the campaign whose e-mail it sends.") % {"key": key})
    elif kind == StepKind.SPLIT:
        shares = params.get("shares") or []
        if len(shares) != len(nexts) or sum(int(s) for s in shares) != 100:
            raise ValidationError(_("Step %(key)s: one share per branch, adding up to 100.") % {"key": key})
    elif kind == StepKind.WAIT_EVENT and not params.get("event"):
        raise ValidationError(_("Step %(key)s: name the event to wait for.") % {"key": key})


def _check_acyclic(steps: Sequence[Mapping[str, Any]]) -> None:
    edges = {step["key"]: [k for k in step.get("next") or [] if k] for step in steps}
    seen: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(key: str) -> None:
        if seen.get(key) == 1:
            raise ValidationError(_("The steps go round in a circle at %(key)s.") % {"key": key})
        if seen.get(key) == 2:
            return
        seen[key] = 1
        for target in edges.get(key, []):
            visit(target)
        seen[key] = 2

    for key in edges:
        visit(key)


def steps_check(steps: Sequence[Mapping[str, Any]], first: str) -> None:
    keys = [str(step.get("key") or "") for step in steps]
    if not keys or "" in keys or len(set(keys)) != len(keys):
        raise ValidationError(_("Every step needs a key of its own."))
    if first not in keys:
        raise ValidationError(_("The first step must be one of the steps."))
    for step in steps:
        _check_step(step, set(keys))
    _check_acyclic(steps)


@transaction.atomic
def journey_steps_save(*, journey: Journey, steps: Sequence[Mapping[str, Any]], first: str = "") -> JourneyVersion:
    """Save ``steps`` (dicts of key, kind, label, params, next) as the journey's steps: in place while nobody has
    entered its current version, else as a new version."""
    first = first or str(steps[0].get("key") if steps else "")
    steps_check(steps, first)
    current = journey.current_version()
    if current is None or Enrolment.objects.filter(version=current).exists():
        number = (journey.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = JourneyVersion.objects.create(journey=journey, number=number, first_step=first)
    else:
        version = current
        version.first_step = first
        version.save(update_fields=["first_step"])
        version.steps.all().delete()
    JourneyStep.objects.bulk_create(
        JourneyStep(
            version=version,
            key=step["key"],
            kind=step["kind"],
            label=str(step.get("label") or ""),
            params=dict(step.get("params") or {}),
            next=list(step.get("next") or []),
            position=position,
        )
        for position, step in enumerate(steps)
    )
    return version


def journey_check(journey: Journey) -> None:
    triggers.get(journey.trigger).check(journey.trigger_params)
    if journey.goal:
        conditions.get(journey.goal).check(journey.goal_params)


def journey_set_status(*, journey: Journey, status: str, by: Any = None) -> bool:
    """Move a journey to ``status`` through the project's state machine (the same again is a no-op, a move the
    table does not allow is refused, every move is logged); going live checks its trigger, goal and steps."""
    if status == JourneyStatus.LIVE and journey.status != JourneyStatus.LIVE:
        journey_check(journey)
        if journey.current_version() is None:
            raise ValidationError(_("The journey has no steps yet."))
    return change_status(journey, status, by=by)
