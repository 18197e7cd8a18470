"""WooCommerce's and Shopify's webhooks applied: each delivery once, mapped onto the product's own services.

Orders go through ``order_from_webhook`` (the shop's order id is the idempotency key, so an order delivered again or
updated is placed once), payments and refunds through ``payment_notification_apply`` (the shop's event is the
notification's id, so each applies once), cancellations through ``order_cancel``, customers through
``customer_get_or_create`` and consent through ``consent_set``, only for the channels the payload states.

What the product cannot take (an order naming an unknown SKU, a move its status table refuses, a topic it does not
follow) is recorded on the delivery and answered 2xx all the same: WooCommerce disables a webhook after five
failures in a row, and Shopify would send again what would be refused again.
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import ConsentSource
from customers.services import consent_set, customer_get_or_create
from orders.forms import order_payload_clean
from orders.models import Order, OrderStatus, PaymentStatus, Shop, ShopWebhookDelivery
from orders.shop_webhooks import mappers

from .orders import order_cancel
from .payments import payment_notification_apply
from .webhook import order_from_webhook

Outcome = str


def _errors_text(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())


def _order_place(shop: str, mapped: dict[str, Any]) -> tuple[Order | None, Outcome]:
    cleaned, errors = order_payload_clean(mapped)  # type: ignore[no-untyped-call]
    if errors:
        return None, _("Order not stored: %(errors)s") % {"errors": _errors_text(errors)}
    outcome = order_from_webhook(cleaned=cleaned)
    word = _("Order %(number)s placed") if outcome.created else _("Order %(number)s already placed")
    return outcome.order, word % {"number": outcome.order.number}


def _consent(customer_data: dict[str, Any], stated: dict[str, bool], source: str) -> list[str]:
    if not stated or not customer_data.get("email"):
        return []
    customer, _created = customer_get_or_create(
        email=customer_data["email"],
        first_name=customer_data.get("first_name") or customer_data["email"].split("@")[0],
        last_name=customer_data.get("last_name", ""),
        phone=customer_data.get("phone", ""),
    )
    changed = []
    for channel, granted in sorted(stated.items()):
        if consent_set(customer=customer, channel=channel, granted=granted, source=source):
            changed.append(f"{channel}={'yes' if granted else 'no'}")
    return changed


def _payment(shop: str, *, order: Order, event_id: str, status: str, amount: Decimal | None, note: str = "") -> Outcome:
    notification, created = payment_notification_apply(
        provider=shop,
        event_id=event_id,
        reference=order.idempotency_key or f"{shop}:{order.number}",
        status=status,
        order_number=order.number,
        amount=amount,
        currency=order.currency,
    )
    if not created:
        return _("payment event %(id)s already applied") % {"id": event_id}
    return f"{status}: {notification.outcome}{note}"


def _cancel(order: Order) -> Outcome:
    if order.status == OrderStatus.CANCELLED:
        return _("already cancelled")
    try:
        with transaction.atomic():
            order_cancel(order=order, note=_("Cancelled in the shop"))
    except ValidationError as error:
        return _("not cancelled: %(reason)s") % {"reason": " ".join(error.messages)}
    return _("cancelled")


# WooCommerce ---------------------------------------------------------------------------------------------------


def _woo_order(payload: dict[str, Any], topic: str) -> Outcome:
    order, said = _order_place(Shop.WOOCOMMERCE, mappers.woo_order(payload))
    if order is None:
        return said
    parts = [said]
    status = payload.get("status")
    if mappers.woo_order_paid(payload):
        parts.append(
            _payment(
                Shop.WOOCOMMERCE,
                order=order,
                event_id=f"{payload.get('id')}:paid",
                status=PaymentStatus.CAPTURED,
                amount=order.total,
            )
        )
    if status in ("cancelled", "failed") and topic != "order.created":
        parts.append(_cancel(order))
    refunds = mappers.woo_refunds(payload)
    refunded = sum((amount for _id, amount in refunds), Decimal("0"))
    if refunds and (status == "refunded" or refunded >= order.total):
        parts.append(
            _payment(
                Shop.WOOCOMMERCE,
                order=order,
                event_id=f"refund:{max(r for r, _a in refunds)}",
                status=PaymentStatus.REFUNDED,
                amount=order.total,
            )
        )
    elif refunds:
        parts.append(
            _("partly refunded (%(amount)s): recorded here only, a payment is refunded whole") % {"amount": refunded}
        )
    return "; ".join(parts)


def _woo_customer(payload: dict[str, Any], topic: str) -> Outcome:
    data = mappers.woo_customer(payload)
    if not data["email"]:
        return _("Ignored: no e-mail address")
    customer, created = customer_get_or_create(
        email=data["email"],
        first_name=data["first_name"] or data["email"].split("@")[0],
        last_name=data["last_name"],
        phone=data["phone"],
    )
    return (_("Customer %(id)s created") if created else _("Customer %(id)s known")) % {"id": customer.pk}


WOO_TOPICS: dict[str, Callable[[dict[str, Any], str], Outcome]] = {
    "order.created": _woo_order,
    "order.updated": _woo_order,
    "order.restored": _woo_order,
    "customer.created": _woo_customer,
    "customer.updated": _woo_customer,
}


# Shopify -------------------------------------------------------------------------------------------------------


def _shopify_order(payload: dict[str, Any], topic: str) -> Outcome:
    order, said = _order_place(Shop.SHOPIFY, mappers.shopify_order(payload))
    parts = [said]
    customer = payload.get("customer") if isinstance(payload.get("customer"), dict) else {}
    stated = mappers.shopify_consent(customer or {})
    if payload.get("buyer_accepts_marketing") is True:  # ticked at checkout; unticked withdraws nothing
        stated.setdefault("email", True)
    changed = _consent(mappers.shopify_order(payload)["customer"], stated, ConsentSource.CHECKOUT)
    if changed:
        parts.append(_("consent: %(changes)s") % {"changes": ", ".join(changed)})
    if order is None:
        return "; ".join(parts)
    if topic == "orders/paid" or payload.get("financial_status") in ("paid", "partially_refunded", "refunded"):
        parts.append(
            _payment(
                Shop.SHOPIFY,
                order=order,
                event_id=f"{payload.get('id')}:paid",
                status=PaymentStatus.CAPTURED,
                amount=order.total,
            )
        )
    if topic == "orders/cancelled" or payload.get("cancelled_at"):
        parts.append(_cancel(order))
    return "; ".join(parts)


def _shopify_refund(payload: dict[str, Any], topic: str) -> Outcome:
    order = Order.objects.filter(idempotency_key=f"shopify:{payload.get('order_id')}").first()
    if order is None:
        return _("Ignored: refund of an order not stored here")
    amount = mappers.shopify_refund_amount(payload)
    if amount < order.total:
        return _("partly refunded (%(amount)s): recorded here only, a payment is refunded whole") % {"amount": amount}
    return _payment(
        Shop.SHOPIFY,
        order=order,
        event_id=f"refund:{payload.get('id')}",
        status=PaymentStatus.REFUNDED,
        amount=order.total,
    )


def _shopify_customer(payload: dict[str, Any], topic: str) -> Outcome:
    data = mappers.shopify_customer(payload)
    if not data["email"]:
        return _("Ignored: no e-mail address")
    stated = mappers.shopify_consent(payload)
    customer, created = customer_get_or_create(
        email=data["email"],
        first_name=data["first_name"] or data["email"].split("@")[0],
        last_name=data["last_name"],
        phone=data["phone"],
    )
    changed = _consent(data, stated, ConsentSource.WEB_FORM)
    said = (_("Customer %(id)s created") if created else _("Customer %(id)s known")) % {"id": customer.pk}
    return f"{said}; " + _("consent: %(changes)s") % {"changes": ", ".join(changed)} if changed else said


SHOPIFY_TOPICS: dict[str, Callable[[dict[str, Any], str], Outcome]] = {
    "orders/create": _shopify_order,
    "orders/updated": _shopify_order,
    "orders/paid": _shopify_order,
    "orders/cancelled": _shopify_order,
    "refunds/create": _shopify_refund,
    "customers/create": _shopify_customer,
    "customers/update": _shopify_customer,
    "customers_email_marketing_consent/update": _shopify_customer,
    "customers_marketing_consent/update": _shopify_customer,
}

TOPICS = {Shop.WOOCOMMERCE: WOO_TOPICS, Shop.SHOPIFY: SHOPIFY_TOPICS}


@transaction.atomic
def shop_webhook_apply(
    *, shop: str, delivery_id: str, topic: str, payload: Any, shop_domain: str = ""
) -> tuple[ShopWebhookDelivery, bool]:
    """Apply one delivery; ``(delivery, created)``: a delivery id already seen changes nothing.

    The delivery row is inserted first, under its unique constraint, in the same transaction as its effects: two
    copies arriving at once apply once, and an error rolls both back (the shop sends it again).
    """
    existing = ShopWebhookDelivery.objects.filter(shop=shop, delivery_id=delivery_id).first()
    if existing is not None:
        return existing, False
    delivery = ShopWebhookDelivery(shop=shop, delivery_id=delivery_id, topic=topic[:100], shop_domain=shop_domain[:255])
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        return ShopWebhookDelivery.objects.get(shop=shop, delivery_id=delivery_id), False
    handler = TOPICS[Shop(shop)].get(topic)
    if handler is None:
        outcome = _("Ignored: the product does not follow this topic")
    elif not isinstance(payload, dict):
        outcome = _("Ignored: the body is not a JSON object")
    else:
        try:
            with transaction.atomic():
                outcome = handler(payload, topic)
        except ValidationError as error:
            outcome = _("Not applied: %(reason)s") % {"reason": " ".join(error.messages)}
    delivery.outcome = outcome[:500]
    delivery.save(update_fields=["outcome"])
    return delivery, True


def shop_webhook_receipts_delete_old(*, older_than: dt.timedelta) -> int:
    """Forget the shop webhook deliveries received more than ``older_than`` ago (long past the shops' retries);
    returns how many."""
    deleted, _by_model = ShopWebhookDelivery.objects.filter(received_at__lt=timezone.now() - older_than).delete()
    return deleted
