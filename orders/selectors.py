"""Reads of the transfer stage: what a user may see, what is paid, what is late, how often we are on time."""

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from orders.models import (
    Agent,
    Order,
    OrderStatus,
    OrderStatusChange,
    Payment,
    PaymentStatus,
    Shipment,
    ShipmentStatus,
    shipment_late_q,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class PaidAmount(TypedDict):
    """What ``orders_with_paid_amount`` annotates on each order."""

    paid_amount: Decimal
    is_paid: bool


class OnTimeFigures(TypedDict):
    """Delivered shipments, how many of them by their promised date, and the share of those in percent."""

    delivered: int
    on_time: int
    rate: Decimal | None


def agent_for_user(user: User | AnonymousUser) -> Agent | None:
    """The agent a signed-in user sells as, or None for marketers (and superusers) who see every order."""
    if isinstance(user, AnonymousUser) or not getattr(user, "is_authenticated", False) or user.is_superuser:
        return None
    return Agent.objects.filter(user=user).first()


def orders_visible_to(user: User | AnonymousUser, queryset: QuerySet[Order] | None = None) -> QuerySet[Order]:
    queryset = Order.objects.all() if queryset is None else queryset
    agent = agent_for_user(user)
    return queryset if agent is None else queryset.filter(agent=agent)


def orders_for_api(*, agent_id: int | None = None) -> QuerySet[Order]:
    """Orders with their lines, payments and shipments in a fixed few queries; an agent's only their own."""
    queryset = Order.objects.select_related("customer").prefetch_related("lines__product", "payments", "shipments")
    return queryset if agent_id is None else queryset.filter(agent_id=agent_id)


def orders_with_paid_amount(
    queryset: QuerySet[Order] | None = None,
) -> "QuerySet[WithAnnotations[Order, PaidAmount]]":
    """Annotate ``paid_amount`` (captured payments) and ``is_paid`` (they cover the total), in one query."""
    queryset = Order.objects.all() if queryset is None else queryset
    captured = (
        Payment.objects.filter(order=OuterRef("pk"), status=PaymentStatus.CAPTURED)
        .order_by()
        .values("order")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    return queryset.annotate(
        paid_amount=Coalesce(Subquery(captured, output_field=money), Value(Decimal("0")), output_field=money)
    ).annotate(is_paid=Case(When(paid_amount__gte=F("total"), then=Value(True)), default=Value(False)))


def orders_with_lateness(queryset: QuerySet[Order] | None = None) -> QuerySet[Order]:
    """Annotate ``is_late``: a shipment of the order is late (:func:`orders.models.shipment_late_q`)."""
    queryset = Order.objects.all() if queryset is None else queryset
    late = Shipment.objects.filter(shipment_late_q(), order=OuterRef("pk"))
    return queryset.annotate(is_late=Exists(late))


def order_is_paid(*, order: Order) -> bool:
    is_paid: bool = orders_with_paid_amount(Order.objects.filter(pk=order.pk)).values_list("is_paid", flat=True).get()
    return is_paid


def shipments_overdue(*, today: dt.date | None = None, after_id: int = 0, limit: int = 500) -> QuerySet[Shipment]:
    """Shipments past their promised date, not yet delivered and not yet notified: one id-ordered page.

    Shipments of imported history are never chased (its orders arrived, or not, long ago).
    """
    today = today or timezone.localdate()
    return (
        Shipment.objects.filter(
            status__in=[ShipmentStatus.PREPARING, ShipmentStatus.SHIPPED],
            promised_on__lt=today,
            late_notified_at__isnull=True,
            order__imported_at__isnull=True,
            pk__gt=after_id,
        )
        .select_related("order", "order__customer")
        .order_by("pk")[:limit]
    )


def shipments_on_time_rate(*, since: dt.datetime | None = None, until: dt.datetime | None = None) -> OnTimeFigures:
    """Delivered shipments in the window and how many arrived by their promised date (the on-time KPI)."""
    qs = Shipment.objects.filter(delivered_at__isnull=False)
    if since:
        qs = qs.filter(delivered_at__gte=since)
    if until:
        qs = qs.filter(delivered_at__lt=until)
    figures = qs.aggregate(
        delivered=Count("pk"), on_time=Count("pk", filter=Q(delivered_at__date__lte=F("promised_on")))
    )
    delivered: int = figures["delivered"]
    on_time: int = figures["on_time"]
    rate = Decimal(on_time * 100) / delivered if delivered else None
    return OnTimeFigures(delivered=delivered, on_time=on_time, rate=rate)


def orders_delivered_before(
    *, cutoff: dt.datetime, queryset: QuerySet[Order] | None = None, include_imported: bool = False
) -> QuerySet[Order]:
    """Delivered orders whose delivery was recorded before ``cutoff``, with ``delivered_at`` annotated.

    Orders brought in by an order history import are left out unless ``include_imported``: what follows a
    delivery (a survey invitation) is for orders delivered through the product, not for past history.
    """
    queryset = Order.objects.all() if queryset is None else queryset
    if not include_imported:
        queryset = queryset.filter(imported_at__isnull=True)
    delivered = (
        OrderStatusChange.objects.filter(subject=OuterRef("pk"), to_status=OrderStatus.DELIVERED)
        .order_by()
        .values("subject")
        .annotate(m=Max("changed_at"))
        .values("m")
    )
    return (
        queryset.filter(status=OrderStatus.DELIVERED)
        .annotate(delivered_at=Subquery(delivered))
        .filter(delivered_at__lt=cutoff)
    )
