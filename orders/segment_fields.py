"""The segment fields of the transfer stage: the product, or the product category, a customer bought.

Registered into preparation's segment-field registry (``customers.registry``) by ``OrdersConfig.ready()``,
with orders as a source of change for incremental segment refreshes. A line of any order counts, whatever its
status (as segments always have): "bought" means "ordered".
"""

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from customers.models import SegmentField, SegmentLookup
from customers.registry import RELATED, Condition, FieldSpec, segment_fields
from orders.models import Order, OrderLine

_LOOKUPS = (SegmentLookup.IS, SegmentLookup.IS_NOT)


def product_bought_q(cond: Condition, today: dt.date) -> Q:
    return Q(pk__in=OrderLine.objects.filter(product_id__in=cond["value"]).values("order__customer_id"))


def product_category_bought_q(cond: Condition, today: dt.date) -> Q:
    return Q(pk__in=OrderLine.objects.filter(product__category__in=cond["value"]).values("order__customer_id"))


def orders_placed_since(since: dt.datetime) -> "QuerySet[Any]":
    return Order.objects.filter(placed_at__gt=since).values("customer_id")


def register() -> None:
    segment_fields.register(
        SegmentField.PRODUCT_BOUGHT, FieldSpec(RELATED, _LOOKUPS, ids=True, compile=product_bought_q)
    )
    segment_fields.register(
        SegmentField.PRODUCT_CATEGORY_BOUGHT, FieldSpec(RELATED, _LOOKUPS, compile=product_category_bought_q)
    )
