"""What transfer holds about a customer, for the right of access (``customers.access``): their orders with the
lines, payments and shipments of each.

Left out: who entered an order (a staff member), the idempotency keys of the shops' webhooks, status audit rows
and the payment providers' raw notifications.
"""

from collections.abc import Iterator

from django.db.models import F

from customers.access import Column, Row, Section, field, fields, in_pages, labelled
from customers.models import Customer
from emarketing.localized import in_language_expression
from orders.models import (
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Product,
    SalesChannel,
    Shipment,
    ShipmentStatus,
)


def _orders(customer: Customer) -> Iterator[Row]:
    rows = Order.objects.filter(customer_id=customer.pk).values(
        "id",
        "number",
        "placed_at",
        "status",
        "channel",
        "total",
        "currency",
        agent_name=F("agent__name"),
        campaign_name=F("campaign__name"),
    )
    return labelled(in_pages(rows), {"status": OrderStatus, "channel": SalesChannel})


def _lines(customer: Customer) -> Iterator[Row]:
    rows = OrderLine.objects.filter(order__customer_id=customer.pk).values(
        "id",
        "quantity",
        "unit_price",
        order_number=F("order__number"),
        product_name=in_language_expression("product__name"),
        product_sku=F("product__sku"),
    )
    for row in in_pages(rows):
        row["amount"] = row["unit_price"] * row["quantity"]
        yield row


def _payments(customer: Customer) -> Iterator[Row]:
    rows = Payment.objects.filter(order__customer_id=customer.pk).values(
        "id",
        "created_at",
        "amount",
        "currency",
        "method",
        "status",
        "provider",
        "provider_reference",
        "captured_at",
        order_number=F("order__number"),
    )
    return labelled(in_pages(rows), {"method": PaymentMethod, "status": PaymentStatus})


def _shipments(customer: Customer) -> Iterator[Row]:
    rows = Shipment.objects.filter(order__customer_id=customer.pk).values(
        "id",
        "carrier",
        "tracking_number",
        "status",
        "promised_on",
        "shipped_at",
        "delivered_at",
        order_number=F("order__number"),
    )
    return labelled(in_pages(rows), {"status": ShipmentStatus})


def transfer_sections(customer: Customer) -> list[Section]:
    """Transfer's exporter (registered in ``orders.apps``)."""
    order = field(Payment, "order", key="order_number")
    return [
        Section(
            "orders",
            Order._meta.verbose_name_plural,
            (
                *fields(Order, "number", "placed_at", "status", "channel", "total", "currency"),
                field(Order, "agent", key="agent_name"),
                field(Order, "campaign", key="campaign_name"),
            ),
            lambda: _orders(customer),
        ),
        Section(
            "order_lines",
            OrderLine._meta.verbose_name_plural,
            (
                order,
                field(OrderLine, "product", key="product_name"),
                field(Product, "sku", key="product_sku"),
                *fields(OrderLine, "quantity", "unit_price"),
                Column("amount", Payment._meta.get_field("amount").verbose_name),
            ),
            lambda: _lines(customer),
        ),
        Section(
            "payments",
            Payment._meta.verbose_name_plural,
            (
                order,
                *fields(
                    Payment,
                    "created_at",
                    "amount",
                    "currency",
                    "method",
                    "status",
                    "provider",
                    "provider_reference",
                    "captured_at",
                ),
            ),
            lambda: _payments(customer),
        ),
        Section(
            "shipments",
            Shipment._meta.verbose_name_plural,
            (
                order,
                *fields(Shipment, "carrier", "tracking_number", "status", "promised_on", "shipped_at", "delivered_at"),
            ),
            lambda: _shipments(customer),
        ),
    ]
