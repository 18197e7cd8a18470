"""The website's daily rollup (:class:`~cycle.models.WebsiteDaily`): per day and traffic source, visitors, page
views, product views, searches, carts, checkouts, the known customers and those of them who bought.

Distinct visitors cannot be added batch by batch, so each run recomputes whole days: every day that holds an event
past the id watermark, the last ``DASHBOARD_ROLLUP_RECENT_DAYS`` days, and the days on which customers who ordered
since the last run visited within the attribution window before it (their purchase converts those days).
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate

from campaigns.models import WebEvent, WebEventKind
from cycle.models import RollupState, WebsiteDaily
from emarketing.db import settled_max_id
from orders.models import Order, sale_q

KINDS = {
    "page_views": WebEventKind.PAGE_VIEW,
    "product_views": WebEventKind.PRODUCT_VIEW,
    "searches": WebEventKind.SEARCH,
    "carts": WebEventKind.ADD_TO_CART,
    "checkouts": WebEventKind.CHECKOUT_STARTED,
}


def _bought_after() -> Exists:
    """The event's customer placed an order that counts as a sale from the event on, within the window."""
    window = dt.timedelta(days=settings.ATTRIBUTION_WINDOW_DAYS)
    return Exists(
        Order.objects.filter(
            sale_q(),
            customer_id=OuterRef("customer_id"),
            placed_at__gte=OuterRef("occurred_at"),
            placed_at__lt=OuterRef("occurred_at") + window,
        )
    )


def refresh_website(state: RollupState, *, full: bool, now: dt.datetime, days_in: Any, recent: set[dt.date]) -> int:
    """Recompute the days that may have changed (all of them when ``full``); returns how many days."""
    marks = state.figures or {}
    top = settled_max_id(
        WebEvent._meta.db_table, wait_seconds=settings.DASHBOARD_ROLLUP_SETTLE_SECONDS, fallback=state.last_id
    )
    order_top = Order.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if full:
        events = WebEvent.objects.all()
        days: set[dt.date] | None = None
    else:
        new = WebEvent.objects.filter(id__gt=state.last_id, id__lte=top)
        days = set(new.order_by().annotate(d=TruncDate("occurred_at")).values_list("d", flat=True).distinct())
        buyers = Order.objects.filter(id__gt=marks.get("order", 0), id__lte=order_top).values("customer_id")
        converted = WebEvent.objects.filter(
            customer_id__in=buyers,
            occurred_at__gte=now - dt.timedelta(days=settings.ATTRIBUTION_WINDOW_DAYS),
        )
        days |= set(converted.order_by().annotate(d=TruncDate("occurred_at")).values_list("d", flat=True).distinct())
        days |= recent
        days -= {None}
        events = WebEvent.objects.filter(days_in("occurred_at", days))
    counts = {name: Count("id", filter=Q(kind=kind)) for name, kind in KINDS.items()}
    rows = (
        events.order_by()
        .annotate(day=TruncDate("occurred_at"))
        .values("day", "source")
        .annotate(
            visitors=Count("visitor_id", distinct=True, filter=~Q(visitor_id="")),
            customers=Count("customer_id", distinct=True),
            buyers=Count("customer_id", distinct=True, filter=Q(_bought_after())),
            **counts,
        )
    )
    with transaction.atomic():
        (WebsiteDaily.objects.all() if days is None else WebsiteDaily.objects.filter(day__in=days)).delete()
        WebsiteDaily.objects.bulk_create([WebsiteDaily(**row) for row in rows], batch_size=2000)
    state.last_id = top
    state.figures = {**marks, "order": order_top}
    return len(days) if days is not None else -1
