"""Vendors' order, payment and fulfilment statuses as the product's :class:`~orders.models.OrderStatus`.

Shopify writes a payment ("Financial Status": paid, pending, refunded, voided…) and a fulfilment status
(fulfilled, partial, unfulfilled) and a "Cancelled at"; WooCommerce one status (``wc-completed``, processing,
on-hold, cancelled, refunded, failed…). A refunded order that was never fulfilled was cancelled; one that was
fulfilled came back (returned). A fulfilled order of the past is taken as delivered.
"""

import re

from orders.models import OrderStatus

STATUS_WORDS: dict[str, OrderStatus] = {
    # the product's own statuses
    "new": OrderStatus.NEW,
    "confirmed": OrderStatus.CONFIRMED,
    "shipped": OrderStatus.SHIPPED,
    "delivered": OrderStatus.DELIVERED,
    "cancelled": OrderStatus.CANCELLED,
    "canceled": OrderStatus.CANCELLED,
    "returned": OrderStatus.RETURNED,
    # Shopify financial statuses
    "pending": OrderStatus.NEW,
    "authorized": OrderStatus.CONFIRMED,
    "partially_paid": OrderStatus.CONFIRMED,
    "paid": OrderStatus.CONFIRMED,
    "partially_refunded": OrderStatus.CONFIRMED,
    "refunded": OrderStatus.RETURNED,
    "voided": OrderStatus.CANCELLED,
    "expired": OrderStatus.CANCELLED,
    # WooCommerce statuses (the wc- prefix is removed first)
    "completed": OrderStatus.DELIVERED,
    "processing": OrderStatus.CONFIRMED,
    "on_hold": OrderStatus.NEW,
    "pending_payment": OrderStatus.NEW,
    "failed": OrderStatus.CANCELLED,
    "checkout_draft": OrderStatus.NEW,
    "draft": OrderStatus.NEW,
    "trash": OrderStatus.CANCELLED,
    # Persian and Arabic
    "جدید": OrderStatus.NEW,
    "تایید_شده": OrderStatus.CONFIRMED,
    "پرداخت_شده": OrderStatus.CONFIRMED,
    "ارسال_شده": OrderStatus.SHIPPED,
    "تحویل_شده": OrderStatus.DELIVERED,
    "لغو_شده": OrderStatus.CANCELLED,
    "مرجوع_شده": OrderStatus.RETURNED,
    "جديد": OrderStatus.NEW,
    "مؤكد": OrderStatus.CONFIRMED,
    "مدفوع": OrderStatus.CONFIRMED,
    "تم_الشحن": OrderStatus.SHIPPED,
    "تم_التسليم": OrderStatus.DELIVERED,
    "ملغي": OrderStatus.CANCELLED,
    "مسترجع": OrderStatus.RETURNED,
}
FULFILMENT_WORDS: dict[str, OrderStatus | None] = {
    "": None,
    "unfulfilled": None,
    "restocked": None,
    "fulfilled": OrderStatus.DELIVERED,
    "partial": OrderStatus.SHIPPED,
    "partially_fulfilled": OrderStatus.SHIPPED,
    "shipped": OrderStatus.SHIPPED,
    "delivered": OrderStatus.DELIVERED,
}
_SEPARATORS = re.compile(r"[\s\-]+")
# How far an order has gone, to combine a payment status with a fulfilment status.
_PROGRESS = [OrderStatus.NEW, OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED]


def status_key(text: str) -> str:
    key = _SEPARATORS.sub("_", text.strip().lower())
    return key[3:] if key.startswith("wc_") else key


def order_status(status: str, fulfillment: str | None = None, *, cancelled: bool = False) -> OrderStatus:
    """The product's status from a vendor's status, fulfilment status (None: the file has no such column) and
    cancellation; ValueError if one is unknown."""
    key = status_key(status)
    base = STATUS_WORDS.get(key) if key else OrderStatus.CONFIRMED if fulfillment else OrderStatus.NEW
    if base is None:
        raise ValueError(status)
    fkey = status_key(fulfillment or "")
    if fkey not in FULFILMENT_WORDS:
        raise ValueError(fulfillment)
    fulfilled = FULFILMENT_WORDS[fkey]
    if base == OrderStatus.RETURNED and fulfillment is not None and fulfilled is None:
        return OrderStatus.CANCELLED  # refunded before it left
    if cancelled and base != OrderStatus.RETURNED:
        return OrderStatus.CANCELLED
    if fulfilled is not None and base in _PROGRESS and _PROGRESS.index(fulfilled) > _PROGRESS.index(base):
        return fulfilled
    return base


# The moves that bring a new order to each status, recorded at the order's own times (see ``rows``).
PATHS: dict[str, tuple[OrderStatus, ...]] = {
    OrderStatus.NEW: (),
    OrderStatus.CONFIRMED: (OrderStatus.CONFIRMED,),
    OrderStatus.SHIPPED: (OrderStatus.CONFIRMED, OrderStatus.SHIPPED),
    OrderStatus.DELIVERED: (OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED),
    OrderStatus.CANCELLED: (OrderStatus.CANCELLED,),
    OrderStatus.RETURNED: (OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.RETURNED),
}
