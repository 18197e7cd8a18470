"""Shop payloads read into the product's terms. Pure functions: no database, no rules of their own (the order's
rules are ``orders.forms.order_payload_clean``'s, consent's are ``customers.services.consent_set``'s).

Shapes as the shops document them: WooCommerce's REST API v3 order and customer (``billing``, ``line_items`` with
``sku``/``quantity``/``price``, ``refunds``, ``date_created_gmt``); Shopify's Admin API order, customer and refund
(``name``, ``customer``, ``line_items``, ``total_price``, ``email_marketing_consent``, ``transactions``).
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from customers.models import ConsentChannel
from emarketing.contacts import InvalidPhone, normalise_phone


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


def _text(value: Any, limit: int = 200) -> str:
    return str(value).strip()[:limit] if value is not None else ""


def _decimal(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _lines(items: Any) -> list[dict[str, Any]]:
    lines = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        line: dict[str, Any] = {"sku": _text(item.get("sku"), 64), "quantity": item.get("quantity")}
        price = _decimal(item.get("price"))
        if price is not None:
            line["unit_price"] = str(price.quantize(Decimal("0.01")))
        lines.append(line)
    return lines


def _phone(value: Any, country: Any) -> str:
    """The number in E.164, read in the address's country; a number that cannot be read is left out (a shop's
    order is not refused over it: the e-mail address is what finds the customer)."""
    try:
        return normalise_phone(_text(value, 32), country=_text(country, 2).upper() or None)
    except InvalidPhone:
        return ""


def _customer(source: dict[str, Any], fallback_email: Any = "", country: Any = "") -> dict[str, Any]:
    return {
        "email": _text(source.get("email") or fallback_email, 254),
        "first_name": _text(source.get("first_name"), 100),
        "last_name": _text(source.get("last_name"), 100),
        "phone": _phone(source.get("phone"), country or source.get("country") or source.get("country_code")),
    }


# WooCommerce --------------------------------------------------------------------------------------------------


def woo_order(payload: dict[str, Any]) -> dict[str, Any]:
    """A WooCommerce order as the order webhook's payload (``orders.forms.order_payload_clean``)."""
    billing = payload.get("billing") if isinstance(payload.get("billing"), dict) else {}
    placed = payload.get("date_created_gmt")
    return {
        "idempotency_key": f"woocommerce:{payload.get('id')}",
        "number": f"WC-{_text(payload.get('number') or payload.get('id'), 28)}",
        "currency": _text(payload.get("currency"), 3).upper(),
        "placed_at": f"{placed}Z" if placed and not str(placed).endswith("Z") else placed,
        "customer": _customer(billing or {}),
        "lines": _lines(payload.get("line_items")),
    }


def woo_order_paid(payload: dict[str, Any]) -> bool:
    return bool(payload.get("date_paid_gmt") or payload.get("date_paid")) and payload.get("status") in (
        "processing",
        "completed",
        "refunded",
    )


def woo_refunds(payload: dict[str, Any]) -> list[tuple[str, Decimal]]:
    """The order's refunds as (id, amount); WooCommerce lists them with negative totals."""
    refunds = []
    for refund in payload.get("refunds") or []:
        if isinstance(refund, dict) and refund.get("id") is not None:
            amount = _decimal(refund.get("total"))
            if amount is not None:
                refunds.append((_text(refund["id"], 50), abs(amount)))
    return refunds


def woo_customer(payload: dict[str, Any]) -> dict[str, Any]:
    billing = payload.get("billing") if isinstance(payload.get("billing"), dict) else {}
    found = _customer(payload)
    if not found["phone"] and billing:
        found["phone"] = _phone(billing.get("phone"), billing.get("country"))
    return found


# Shopify ------------------------------------------------------------------------------------------------------

# email_marketing_consent.state / sms_marketing_consent.state: given, withdrawn, or (pending, invalid, redacted)
# nothing stated.
SHOPIFY_CONSENT_STATES = {"subscribed": True, "unsubscribed": False, "not_subscribed": False}


def shopify_order(payload: dict[str, Any]) -> dict[str, Any]:
    customer = payload.get("customer") if isinstance(payload.get("customer"), dict) else {}
    number = _text(payload.get("name") or payload.get("order_number") or payload.get("id"), 28).lstrip("#")
    return {
        "idempotency_key": f"shopify:{payload.get('id')}",
        "number": f"SH-{number}",
        "currency": _text(payload.get("currency"), 3).upper(),
        "placed_at": payload.get("created_at"),
        "customer": _customer(customer or {}, payload.get("email") or payload.get("contact_email")),
        "lines": _lines(payload.get("line_items")),
    }


def shopify_order_total(payload: dict[str, Any]) -> Money | None:
    amount = _decimal(payload.get("total_price"))
    return Money(amount, _text(payload.get("currency"), 3).upper()) if amount is not None else None


def shopify_refund_amount(payload: dict[str, Any]) -> Decimal:
    """What a refund gave back: its successful refund transactions added up."""
    total = Decimal("0")
    for transaction in payload.get("transactions") or []:
        if (
            isinstance(transaction, dict)
            and transaction.get("kind") == "refund"
            and transaction.get("status")
            in (
                "success",
                None,
            )
        ):
            total += _decimal(transaction.get("amount")) or Decimal("0")
    return total


def shopify_customer(payload: dict[str, Any]) -> dict[str, Any]:
    return _customer(payload)


def shopify_consent(customer: dict[str, Any]) -> dict[str, bool]:
    """The consent a Shopify customer states, by channel; a channel it does not state is left out."""
    stated: dict[str, bool] = {}
    for field, channel in (
        ("email_marketing_consent", ConsentChannel.EMAIL),
        ("sms_marketing_consent", ConsentChannel.SMS),
    ):
        consent = customer.get(field)
        if isinstance(consent, dict) and consent.get("state") in SHOPIFY_CONSENT_STATES:
            stated[channel.value] = SHOPIFY_CONSENT_STATES[consent["state"]]
    if ConsentChannel.EMAIL.value not in stated and isinstance(customer.get("accepts_marketing"), bool):
        stated[ConsentChannel.EMAIL.value] = customer["accepts_marketing"]
    return stated
