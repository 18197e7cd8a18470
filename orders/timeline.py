"""Transfer in the customer's 360° profile: their orders with the state of the delivery, and the order cards.

Registered in ``OrdersConfig.ready()`` into preparation's :mod:`customers.timeline`. A sales agent sees the
orders they sold only, as in the order list (:func:`orders.selectors.orders_visible_to`).
"""

from typing import Any

from django.db.models import Count, Exists, OuterRef, Subquery, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.timeline import (
    Card,
    Cursor,
    TimelineEntry,
    TimelineSource,
    admin_links,
    choice_labels,
    recent_first,
    shown_number,
)
from orders.models import Order, OrderStatus, Shipment, ShipmentStatus, sale_q, shipment_late_q
from orders.selectors import orders_visible_to

ORDERS = "orders"


def orders_of(customer_id: int, before: Cursor | None, limit: int, viewer: Any) -> list[TimelineEntry]:
    shipments = Shipment.objects.filter(order=OuterRef("pk"))
    latest = shipments.order_by("-pk").values("status")[:1]
    rows = recent_first(
        orders_visible_to(viewer, Order.objects.filter(customer_id=customer_id)).annotate(
            delivery=Subquery(latest), late=Exists(shipments.filter(shipment_late_q()))
        ),
        ORDERS,
        "placed_at",
        before,
        limit,
    )
    link, statuses, deliveries = (
        admin_links("admin:orders_order_change"),
        choice_labels(OrderStatus),
        choice_labels(ShipmentStatus),
    )
    entries = []
    for row in rows:
        state = statuses(row.status)
        if row.delivery:
            state = gettext("%(order)s; delivery: %(delivery)s") % {
                "order": state,
                "delivery": deliveries(row.delivery),
            }
        if row.late:
            state = gettext("%(state)s (late)") % {"state": state}
        entries.append(
            TimelineEntry(
                source=ORDERS,
                id=row.pk,
                when=row.placed_at,
                kind=gettext("Order placed"),
                title=row.number,
                detail=f"{shown_number(row.total, 2)} {row.currency}",
                state=state,
                warn=bool(row.late),
                url=link(row.pk),
            )
        )
    return entries


def order_cards(customer_id: int, viewer: Any) -> list[Card]:
    orders = orders_visible_to(viewer, Order.objects.filter(customer_id=customer_id))
    by_currency = list(
        orders.order_by()
        .values("currency")
        .annotate(n=Count("pk"), total=Sum("total", filter=sale_q()))
        .order_by("-n", "currency")
    )
    late = Shipment.objects.filter(order__in=orders.values("pk")).filter(shipment_late_q()).count()
    count = sum(row["n"] for row in by_currency)
    totals = "; ".join(
        f"{shown_number(row['total'], 2)} {row['currency']}" for row in by_currency if row["total"] is not None
    )
    return [
        Card(label=_("Orders"), value=shown_number(count)),
        Card(label=_("Total bought"), value=totals or "—", note=gettext("cancelled and returned orders left out")),
        Card(label=_("Late deliveries"), value=shown_number(late), warn=late > 0),
    ]


def register() -> None:
    from customers.timeline import profile_timeline

    profile_timeline.register(TimelineSource(ORDERS, _("Orders"), "orders.view_order", orders_of))
    profile_timeline.register_cards(ORDERS, "orders.view_order", order_cards, position=10)
