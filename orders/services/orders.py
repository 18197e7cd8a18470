"""Orders: creation (admin, agents, the website), totals from their lines, attribution, status moves."""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import NotRequired, TypedDict

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from campaigns.selectors import attributable_campaign_id
from campaigns.services import touch_record
from customers.models import Customer
from emarketing.workflow import change_status
from orders.events import order_created, order_delivered
from orders.models import Agent, Order, OrderLine, OrderStatus, Product, SalesChannel, ShipmentStatus

# Where an order came from, in the words of the AIDA touch log.
CHANNEL_TOUCH_SOURCE: dict[str, str] = {
    SalesChannel.WEB: "web",
    SalesChannel.PHONE: "phone",
    SalesChannel.STORE: "face_to_face",
    SalesChannel.AGENT: "agent",
}


@dataclass(frozen=True)
class LineInput:
    product: Product
    quantity: int = 1
    unit_price: Decimal | None = None


class LineData(TypedDict):
    """One line as a mapping (what the website's webhook hands over)."""

    product: Product
    quantity: NotRequired[int]
    unit_price: NotRequired[Decimal | None]


def order_number_new() -> str:
    return f"ORD-{timezone.now():%Y%m%d}-{secrets.token_hex(4).upper()}"


def _line(order: Order, item: LineInput | LineData) -> OrderLine:
    if isinstance(item, dict):
        item = LineInput(**item)
    price = item.product.price if item.unit_price is None else item.unit_price
    line = OrderLine(order=order, product=item.product, quantity=item.quantity, unit_price=price)
    line.full_clean(exclude=["order"])
    return line


def order_attribute(*, order: Order) -> None:
    """Credit the order to the campaign that brought the customer, and log the ACTION step of AIDA."""
    if order.campaign_id is None:
        campaign_id = attributable_campaign_id(customer_id=order.customer_id, at=order.placed_at)
        if campaign_id:
            Order.objects.filter(pk=order.pk).update(campaign_id=campaign_id, updated_at=timezone.now())
            order.campaign_id = campaign_id
    source = CHANNEL_TOUCH_SOURCE.get(order.channel, "system")
    touch_record(
        kind="order", source=source, customer=order.customer, campaign=order.campaign, occurred_at=order.placed_at
    )
    earlier = Order.objects.filter(customer_id=order.customer_id, placed_at__lt=order.placed_at).exclude(
        status=OrderStatus.CANCELLED
    )
    if earlier.exists():
        touch_record(
            kind="repeat_purchase",
            source=source,
            customer=order.customer,
            campaign=order.campaign,
            occurred_at=order.placed_at,
        )


@transaction.atomic
def order_create(
    *,
    customer: Customer,
    lines: Iterable[LineInput | LineData] = (),
    channel: str = SalesChannel.WEB,
    agent: Agent | None = None,
    number: str = "",
    currency: str = "",
    placed_at: datetime | None = None,
    idempotency_key: str | None = None,
    created_by: User | AnonymousUser | None = None,
    campaign: Campaign | None = None,
) -> Order:
    """Place an order with its lines; the total is the sum of the lines, the campaign is attributed."""
    line_items = list(lines)
    if agent is not None:
        channel = SalesChannel.AGENT
    if not currency:
        first = line_items[0] if line_items else None
        currency = first["product"].currency if isinstance(first, dict) else "USD"
    # (An AnonymousUser is never authenticated: named first so that ``created_by`` is a User or None from here on.)
    if isinstance(created_by, AnonymousUser) or (
        created_by is not None and not getattr(created_by, "is_authenticated", False)
    ):
        created_by = None
    order = Order(
        number=number or order_number_new(),
        customer=customer,
        channel=channel,
        agent=agent,
        campaign=campaign,
        currency=currency,
        placed_at=placed_at or timezone.now(),
        idempotency_key=idempotency_key or None,
        created_by=created_by,
    )
    order.full_clean()
    built = [_line(order, item) for item in line_items]
    order.save()
    for line in built:
        line.order = order
    OrderLine.objects.bulk_create(built)
    order_total_refresh(order=order)
    order_placed(order=order)
    order_created(order)
    return order


def order_placed(*, order: Order) -> None:
    """What follows the placing of any order, however it was entered."""
    order_attribute(order=order)


@transaction.atomic
def order_total_refresh(*, order: Order) -> Decimal:
    """Set the order's total to the sum of its lines (one aggregate, one update)."""
    amount = ExpressionWrapper(
        F("quantity") * F("unit_price"), output_field=DecimalField(max_digits=14, decimal_places=2)
    )
    total = OrderLine.objects.filter(order=order).aggregate(t=Coalesce(Sum(amount), Decimal("0")))["t"]
    total = Decimal(total).quantize(Decimal("0.01"))
    Order.objects.filter(pk=order.pk).update(total=total, updated_at=timezone.now())
    order.total = total
    return total


@transaction.atomic
def order_set_status(
    *,
    order: Order,
    status: str,
    by: AbstractBaseUser | AnonymousUser | None = None,
    note: str = "",
    at: datetime | None = None,
) -> bool:
    moved = change_status(order, status, by=by, note=note, at=at)
    if moved and status == OrderStatus.DELIVERED:
        order_delivered(order)
    return moved


def order_confirm(
    *, order: Order, by: AbstractBaseUser | AnonymousUser | None = None, at: datetime | None = None
) -> bool:
    if not order.lines.exists():
        raise ValidationError(_("An order without lines cannot be confirmed."))
    return order_set_status(order=order, status=OrderStatus.CONFIRMED, by=by, at=at)


def order_cancel(
    *, order: Order, by: AbstractBaseUser | AnonymousUser | None = None, note: str = "", at: datetime | None = None
) -> bool:
    return order_set_status(order=order, status=OrderStatus.CANCELLED, by=by, note=note, at=at)


@transaction.atomic
def order_ship(*, order: Order, by: AbstractBaseUser | AnonymousUser | None = None) -> bool:
    """Ship the order and every shipment of it still being prepared."""
    from .shipments import shipment_ship

    moved = order_set_status(order=order, status=OrderStatus.SHIPPED, by=by)
    for shipment in order.shipments.filter(status=ShipmentStatus.PREPARING):
        shipment_ship(shipment=shipment, by=by)
    return moved


@transaction.atomic
def order_deliver(*, order: Order, by: AbstractBaseUser | AnonymousUser | None = None) -> bool:
    """Mark the order delivered, with every shipment of it that is on its way.

    True when the order moved, also when it was the delivery of its last shipment that moved it.
    """
    from .shipments import shipment_deliver

    before = Order.objects.select_for_update().filter(pk=order.pk).values_list("status", flat=True).get()
    for shipment in order.shipments.filter(status=ShipmentStatus.SHIPPED):
        shipment_deliver(shipment=shipment, by=by)
    moved = order_set_status(order=order, status=OrderStatus.DELIVERED, by=by)
    return moved or before != OrderStatus.DELIVERED
