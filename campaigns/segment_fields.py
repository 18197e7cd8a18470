"""The segment fields of the communication stage: the AIDA step a customer reached, perhaps in one campaign; a
product viewed on the website in the last days; a cart abandoned in the last hours.

Registered into preparation's segment-field registry (``customers.registry``) by ``CampaignsConfig.ready()``,
with the step order of ``campaigns.models.AIDA_ORDER``, and touches as a source of change for incremental
segment refreshes.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from campaigns.models import AIDA_ORDER, Touch, WebEvent, WebEventKind
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


MAX_VIEWED_DAYS = 365
MAX_CART_HOURS = 24 * 30


def _product_viewed_since(cond: Condition, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=cond["within"])


def product_viewed_q(cond: Condition, calendar: Calendar) -> Q:
    """Viewed one of the products (by the shop's reference; any product when none is named) in the last
    ``within`` days: the window is the last ``within`` × 24 hours up to the moment of evaluation."""
    views = WebEvent.objects.filter(
        kind=WebEventKind.PRODUCT_VIEW, occurred_at__gt=_product_viewed_since(cond, calendar.now)
    )
    if cond["value"]:
        views = views.filter(product_ref__in=cond["value"])
    return has_rows(views)


def _carts(cond: Condition, now: dt.datetime) -> "QuerySet[WebEvent]":
    return WebEvent.objects.filter(
        kind=WebEventKind.ADD_TO_CART, occurred_at__gt=now - dt.timedelta(hours=cond["within"])
    )


def cart_abandoned_q(cond: Condition, calendar: Calendar) -> Q:
    """Added something to the cart in the last ``within`` hours and started no checkout after it (an order the
    shop takes starts a checkout first)."""
    later_checkout = WebEvent.objects.filter(
        customer_id=OuterRef("customer_id"),
        kind=WebEventKind.CHECKOUT_STARTED,
        occurred_at__gte=OuterRef("occurred_at"),
    )
    return has_rows(_carts(cond, calendar.now).filter(~Exists(later_checkout)))


def _left_window(hours: int) -> "Callable[[Condition, Calendar, Calendar], QuerySet[Any] | None]":
    """Who the passing of time alone may move: the customers whose events left the window between the two
    moments."""

    def moved(cond: Condition, before: Calendar, after: Calendar) -> "QuerySet[Any] | None":
        if after.now <= before.now:
            return None
        span = dt.timedelta(hours=cond["within"] * hours)
        kind = WebEventKind.PRODUCT_VIEW if hours == 24 else WebEventKind.ADD_TO_CART
        return (
            WebEvent.objects.filter(
                kind=kind, occurred_at__gt=before.now - span, occurred_at__lte=after.now - span, customer__isnull=False
            )
            .order_by()
            .values("customer_id")
        )

    return moved


def web_events_since(since: dt.datetime) -> "QuerySet[Any]":
    return WebEvent.objects.filter(occurred_at__gt=since, customer__isnull=False).values("customer_id")


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
    segment_fields.register(
        SegmentField.PRODUCT_VIEWED,
        FieldSpec(
            RELATED,
            (SegmentLookup.IS, SegmentLookup.IS_NOT),
            time_relative=True,
            compile=product_viewed_q,
            moved=_left_window(24),
            window="days",
            window_max=MAX_VIEWED_DAYS,
        ),
    )
    segment_fields.register(
        SegmentField.CART_ABANDONED,
        FieldSpec(
            RELATED,
            (SegmentLookup.IS, SegmentLookup.IS_NOT),
            time_relative=True,
            compile=cart_abandoned_q,
            moved=_left_window(1),
            window="hours",
            window_max=MAX_CART_HOURS,
        ),
    )
    change_sources.register("website", web_events_since)
