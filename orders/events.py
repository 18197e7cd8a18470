"""What transfer tells whoever listens (outgoing webhooks, journeys, the loop): orders placed, paid, delivered."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from emarketing.hooks.bus import events, publish
from orders.models import Order, Payment

ORDER_CREATED = "order.created"
ORDER_PAID = "order.paid"
ORDER_DELIVERED = "order.delivered"


def register() -> None:
    events.register(ORDER_CREATED, _("Order created"))
    events.register(ORDER_PAID, _("Order paid"))
    events.register(ORDER_DELIVERED, _("Order delivered"))


def order_payload(order: Order) -> dict[str, Any]:
    return {
        "id": order.pk,
        "number": order.number,
        "customer": order.customer_id,
        "status": order.status,
        "channel": order.channel,
        "total": str(order.total),
        "currency": order.currency,
        "placed_at": order.placed_at.isoformat() if order.placed_at else None,
    }


def _publish(name: str, order: Order, **extra: Any) -> None:
    publish(name, key=f"order:{order.pk}", payload={**order_payload(order), **extra})


def order_created(order: Order) -> None:
    _publish(ORDER_CREATED, order)


def order_paid(order: Order, payment: Payment) -> None:
    _publish(ORDER_PAID, order, payment={"id": payment.pk, "amount": str(payment.amount), "currency": payment.currency})


def order_delivered(order: Order) -> None:
    _publish(ORDER_DELIVERED, order)
