"""The segment fields of the transfer stage: what a customer bought, when, how often and for how much.

Registered into preparation's segment-field registry (``customers.registry``) by ``OrdersConfig.ready()``,
with orders as a source of change for incremental segment refreshes: a new order and a change of status (a
cancelled order is no longer a purchase). An order history import has every segment rebuilt instead.

"Bought the product" counts a line of any order, whatever its status (as segments always have): "bought" means
"ordered". The first and last purchase, the number of purchases and the spend count sales only (orders neither
cancelled nor returned), as the value scores do, and are read live from the orders (not from the last nightly
scoring). Dates are the customer's own days (``customers.segment_calendar``): each compiles to ``EXISTS`` on the
(customer, placed at) index, so re-examining a few changed customers reads a few index entries.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

from customers.models import RELATIVE_DATE_LOOKUPS, SegmentField, SegmentLookup
from customers.registry import DATE, NUMBER, RELATED, Condition, FieldSpec, change_sources, has_rows, segment_fields
from customers.segment_calendar import Calendar, Edges
from orders.models import Order, OrderLine, OrderStatusChange, Product

_LOOKUPS = (SegmentLookup.IS, SegmentLookup.IS_NOT)
_DATE_LOOKUPS = (SegmentLookup.GTE, SegmentLookup.LTE, *RELATIVE_DATE_LOOKUPS, SegmentLookup.IS_EMPTY)
_RANGE = (SegmentLookup.GTE, SegmentLookup.LTE)


def product_bought_q(cond: Condition, calendar: Calendar) -> Q:
    return has_rows(OrderLine.objects.filter(product_id__in=cond["value"]), "order__customer_id")


def product_category_bought_q(cond: Condition, calendar: Calendar) -> Q:
    return has_rows(OrderLine.objects.filter(product__category__in=cond["value"]), "order__customer_id")


def product_categories() -> list[tuple[str, str]]:
    names = Product.objects.exclude(category="").order_by("category").values_list("category", flat=True).distinct()
    return [(name, name) for name in names]


def _sales(low: Any = None, high: Any = None) -> Q:
    """The customer has a sale placed in ``[low, high)`` (instants, or expressions of the customer's)."""
    sales = Order.objects.sales().filter(customer_id=OuterRef("pk"))
    if low is not None:
        sales = sales.filter(placed_at__gte=low)
    if high is not None:
        sales = sales.filter(placed_at__lt=high)
    return Q(Exists(sales))


def _edges(edges: Edges) -> tuple[Any, Any]:
    zone = OuterRef("time_zone")
    return edges.at(0, zone), edges.at(1, zone)


def last_purchase_in(edges: Edges) -> Q:
    """The last sale falls in the window: a sale in it, and none after it."""
    low, high = _edges(edges)
    return _sales(low, high) & ~_sales(high) if high is not None else _sales(low)


def first_purchase_in(edges: Edges) -> Q:
    """The first sale falls in the window: a sale in it, and none before it."""
    low, high = _edges(edges)
    return _sales(low, high) & ~_sales(None, low) if low is not None else _sales(None, high)


def _placed_between(low: dt.datetime, high: dt.datetime) -> "QuerySet[Order]":
    # Any order: the placed-at index finds them (one cancelled since is re-examined for nothing, harmlessly).
    return Order.objects.filter(placed_at__gte=low, placed_at__lt=high).order_by()


def last_sale_between(low: dt.datetime, high: dt.datetime) -> "QuerySet[Any]":
    """The customers whose last sale may lie in ``[low, high)``: an order in it and no sale after it. Only they
    can cross the edge of a window on the last purchase that passed over those instants."""
    later = Order.objects.sales().filter(customer_id=OuterRef("customer_id"), placed_at__gte=high)
    return _placed_between(low, high).exclude(Exists(later)).values("customer_id")


def first_sale_between(low: dt.datetime, high: dt.datetime) -> "QuerySet[Any]":
    """The customers whose first sale may lie in ``[low, high)``: an order in it and no sale before it."""
    earlier = Order.objects.sales().filter(customer_id=OuterRef("customer_id"), placed_at__lt=low)
    return _placed_between(low, high).exclude(Exists(earlier)).values("customer_id")


def never_bought() -> Q:
    return ~_sales()


def _per_customer(aggregate: Any) -> Subquery:
    rows = Order.objects.sales().filter(customer_id=OuterRef("pk")).order_by().values("customer_id")
    return Subquery(rows.annotate(result=aggregate).values("result"))


def _measure(aggregate: Any, *, without_sales: Any = None) -> Any:
    """A condition on one aggregate of the customer's sales; ``without_sales`` is what a customer who never
    bought has (0 purchases, 0 spent; no average)."""

    def compile_(cond: Condition, calendar: Calendar) -> Q:
        measured: Any = _per_customer(aggregate)
        if without_sales is not None:
            measured = Coalesce(measured, without_sales)
        compare = GreaterThanOrEqual if cond["lookup"] == SegmentLookup.GTE else LessThanOrEqual
        return Q(compare(measured, Value(Decimal(cond["value"]))))

    return compile_


def orders_placed_since(since: dt.datetime) -> "QuerySet[Any]":
    return Order.objects.filter(placed_at__gt=since).order_by().values("customer_id")


def orders_changed_status_since(since: dt.datetime) -> "QuerySet[Any]":
    return OrderStatusChange.objects.filter(changed_at__gt=since).order_by().values("subject__customer_id")


def register() -> None:
    register_field = segment_fields.register
    register_field(SegmentField.PRODUCT_BOUGHT, FieldSpec(RELATED, _LOOKUPS, ids=True, compile=product_bought_q))
    register_field(
        SegmentField.PRODUCT_CATEGORY_BOUGHT,
        FieldSpec(RELATED, _LOOKUPS, compile=product_category_bought_q, labels=product_categories),
    )
    for code, dated, stamps in (
        (SegmentField.FIRST_ORDER, first_purchase_in, first_sale_between),
        (SegmentField.LAST_ORDER, last_purchase_in, last_sale_between),
    ):
        register_field(code, FieldSpec(DATE, _DATE_LOOKUPS, dated=dated, stamps=stamps, empty=never_bought))
    zero = Decimal(0)
    register_field(
        SegmentField.ORDER_COUNT,
        FieldSpec(NUMBER, _RANGE, lowest=zero, compile=_measure(Count("pk"), without_sales=Value(0))),
    )
    register_field(
        SegmentField.TOTAL_SPEND,
        FieldSpec(NUMBER, _RANGE, lowest=zero, compile=_measure(Sum("total"), without_sales=Value(Decimal(0)))),
    )
    register_field(
        SegmentField.AVERAGE_SPEND,
        FieldSpec(NUMBER, _RANGE, lowest=zero, compile=_measure(Avg("total"))),
    )
    change_sources.register("orders", orders_placed_since)
    change_sources.register("order_status", orders_changed_status_since)
