"""Value tiers and lifecycle stages computed from the orders (and campaign touches), for preparation to write.

Registered in ``OrdersConfig.ready()`` as preparation's profile sources (``customers.registry``): preparation
walks its customers in batches and writes the changes; the facts come from here. Only sales count
(``Order.objects.sales()``): a cancelled or returned order neither rates a customer nor moves them along.
"""

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, Max, Q, QuerySet, Sum, Value, When

from campaigns.models import Touch
from customers.models import LifecycleStage, ValueTier
from customers.registry import Scope, in_scope
from orders.models import Order

if TYPE_CHECKING:
    from customers.services.profiles import TierThresholds


def _sales(scope: Scope) -> "QuerySet[Order]":
    return in_scope(Order.objects.sales(), scope).order_by()


def value_tiers_of(scope: Scope, *, now: dt.datetime, thresholds: "TierThresholds") -> "QuerySet[Any]":
    """(customer id, tier) for every customer of ``scope`` who has a sale; the others are unrated.

    One grouped query over the orders: recency (``MAX(placed_at)``), frequency and spend in the window
    (``COUNT``/``SUM`` with ``FILTER``) and, from them, the tier as a ``CASE`` — all computed by the database.
    """
    in_window = Q(placed_at__gte=now - dt.timedelta(days=thresholds.window_days))
    tier = Case(
        When(
            rfm_last__gte=now - dt.timedelta(days=thresholds.most_valuable_recency_days),
            rfm_orders__gte=thresholds.most_valuable_min_orders,
            rfm_spend__gte=thresholds.most_valuable_min_spend,
            then=Value(ValueTier.MOST_VALUABLE.value),
        ),
        When(
            Q(rfm_last__gte=now - dt.timedelta(days=thresholds.potential_recency_days))
            & (Q(rfm_orders__gte=thresholds.potential_min_orders) | Q(rfm_spend__gte=thresholds.potential_min_spend)),
            then=Value(ValueTier.POTENTIAL.value),
        ),
        default=Value(ValueTier.LOW_VALUE.value),
    )
    return (
        _sales(scope)
        .values("customer_id")
        .annotate(
            rfm_last=Max("placed_at"),
            rfm_orders=Count("pk", filter=in_window),
            rfm_spend=Sum("total", filter=in_window),
        )
        .annotate(tier=tier)
        .values_list("customer_id", "tier")
    )


def lifecycle_stages_of(scope: Scope, *, now: dt.datetime) -> Iterable[tuple[int, str]]:
    """(customer id, stage) for the customers of ``scope`` who bought or engaged; the others are in selection.

    Selection: nothing yet; acquisition: engaged with a campaign (a touch not from a bot or a mail proxy);
    retention: one purchase; extension: two or more. Two grouped queries per batch.
    """
    purchases = _sales(scope).values("customer_id").annotate(n=Count("pk")).values_list("customer_id", "n")
    stages = {pk: LifecycleStage.EXTENSION.value if n >= 2 else LifecycleStage.RETENTION.value for pk, n in purchases}
    engaged = in_scope(Touch.objects.filter(is_automated=False), scope).order_by().values_list("customer_id")
    for (pk,) in engaged.distinct():
        stages.setdefault(pk, LifecycleStage.ACQUISITION.value)
    return stages.items()
