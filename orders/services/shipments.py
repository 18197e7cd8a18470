"""Shipments: promised date, shipped, delivered; the order follows its shipments."""

from datetime import date, datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from emarketing.workflow import change_status
from orders.events import order_delivered
from orders.models import Order, OrderStatus, Shipment, ShipmentStatus

from .payments import order_touch


@transaction.atomic
def shipment_create(*, order: Order, promised_on: date, carrier: str = "", tracking_number: str = "") -> Shipment:
    shipment = Shipment(order=order, promised_on=promised_on, carrier=carrier, tracking_number=tracking_number)
    shipment.full_clean()
    shipment.save()
    order_touch(order_id=order.pk)
    return shipment


@transaction.atomic
def shipment_ship(
    *, shipment: Shipment, by: AbstractBaseUser | AnonymousUser | None = None, at: datetime | None = None
) -> bool:
    at = at or timezone.now()
    moved = change_status(shipment, ShipmentStatus.SHIPPED, by=by, extra_updates={"shipped_at": at}, at=at)
    order = shipment.order
    order_touch(order_id=order.pk)
    if order.status == OrderStatus.CONFIRMED:
        change_status(order, OrderStatus.SHIPPED, by=by, at=at)
    return moved


@transaction.atomic
def shipment_deliver(
    *, shipment: Shipment, by: AbstractBaseUser | AnonymousUser | None = None, at: datetime | None = None
) -> bool:
    """Deliver a shipment; when every shipment of the order is delivered, so is the order."""
    at = at or timezone.now()
    moved = change_status(shipment, ShipmentStatus.DELIVERED, by=by, extra_updates={"delivered_at": at}, at=at)
    order = shipment.order
    order_touch(order_id=order.pk)
    undelivered = order.shipments.exclude(status__in=[ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED]).exists()
    if not undelivered and order.status in (OrderStatus.CONFIRMED, OrderStatus.SHIPPED):
        if order.status == OrderStatus.CONFIRMED:
            change_status(order, OrderStatus.SHIPPED, by=by, at=at)
        if change_status(order, OrderStatus.DELIVERED, by=by, at=at):
            order_delivered(order)
    return moved


def shipment_mark_late_notified(*, shipment_id: int, at: datetime | None = None) -> bool:
    """Claim a late shipment for its one notification; False if it was already claimed."""
    return bool(
        Shipment.objects.filter(pk=shipment_id, late_notified_at__isnull=True).update(
            late_notified_at=at or timezone.now()
        )
    )
