"""The segment field of the communication stage: the AIDA step a customer reached, perhaps in one campaign.

Registered into preparation's segment-field registry (``customers.registry``) by ``CampaignsConfig.ready()``,
with the step order of ``campaigns.models.AIDA_ORDER``, and touches as a source of change for incremental
segment refreshes.
"""

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from campaigns.models import AIDA_ORDER, Touch
from customers.models import SegmentField, SegmentLookup
from customers.registry import RELATED, Condition, FieldSpec, change_sources, has_rows, segment_fields
from customers.segment_calendar import Calendar

STEPS = tuple(step.value for step in AIDA_ORDER)


def aida_step_q(cond: Condition, calendar: Calendar) -> Q:
    """Reached a step: a counted touch (not a bot's, not a mail proxy's) at that step or any later one."""
    first = min(STEPS.index(v) for v in cond["value"])
    touches = Touch.objects.filter(step__in=STEPS[first:], is_automated=False, customer__isnull=False)
    if cond.get("campaign"):
        touches = touches.filter(campaign_id=cond["campaign"])
    return has_rows(touches)


def touches_since(since: dt.datetime) -> "QuerySet[Any]":
    return Touch.objects.filter(occurred_at__gt=since).values("customer_id")


def register() -> None:
    segment_fields.register(
        SegmentField.AIDA_STEP,
        FieldSpec(
            RELATED,
            (SegmentLookup.IS, SegmentLookup.IS_NOT),
            STEPS,
            ordered=True,
            per_campaign=True,
            compile=aida_step_q,
            labels=lambda: [(str(step.value), str(step.label)) for step in AIDA_ORDER],
        ),
    )
    change_sources.register("touches", touches_since)
