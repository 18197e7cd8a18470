"""Orders from the company's website: one order per idempotency key, whatever arrives twice."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction

from customers.models import Customer
from customers.services import customer_get_or_create
from orders.models import Agent, Order, SalesChannel

from .orders import order_create


@dataclass
class WebhookOutcome:
    order: Order
    created: bool


def _customer_for(data: dict[str, Any]) -> Customer:
    customer, _created = customer_get_or_create(
        email=data["email"],
        first_name=data["first_name"],
        last_name=data.get("last_name") or "",
        phone=data.get("phone") or "",
        preferred_language=data.get("preferred_language") or "en",
    )
    return customer


def order_from_webhook(
    *,
    cleaned: dict[str, Any],
    channel: str = SalesChannel.WEB,
    agent: Agent | None = None,
    by: User | AnonymousUser | None = None,
) -> WebhookOutcome:
    """Store the website's order (``cleaned`` from ``orders.forms.order_payload_clean``) once per key; the REST API
    places its orders here too (through an agent's key: in the agent's name)."""
    key = cleaned["idempotency_key"]
    existing = Order.objects.filter(idempotency_key=key).first()
    if existing:
        return WebhookOutcome(existing, False)
    try:
        with transaction.atomic():
            order = order_create(
                customer=_customer_for(cleaned["customer"]),
                lines=cleaned["lines"],
                channel=channel,
                agent=agent,
                created_by=by,
                number=cleaned.get("number") or "",
                currency=cleaned.get("currency") or "",
                placed_at=cleaned.get("placed_at"),
                idempotency_key=key,
            )
    except IntegrityError:
        # The same key arrived twice at once: the other request stored it.
        existing = Order.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return WebhookOutcome(existing, False)
    return WebhookOutcome(order, True)
