"""The order exports of the shops a team leaves, and the product's own template, as import presets.

Detection is by header, never by the file's name: every signature header must be present. Columns a preset
does not name are matched by the product's names and aliases (``columns.ALIASES``); the rest are listed as not
imported in the preview.
"""

from emarketing.tables import Preset, header_key
from orders.imports.columns import TEMPLATE_COLUMNS


def _keys(columns: dict[str, str]) -> dict[str, str]:
    return {header_key(name): target for name, target in columns.items()}


def _signature(*names: str) -> tuple[str, ...]:
    return tuple(header_key(name) for name in names)


TEMPLATE = Preset(
    key="template",
    name="E-marketing cycle (this product's order history template)",
    signature=_signature("order_number", "placed_at", "sku", "quantity"),
    columns={name: name for name in TEMPLATE_COLUMNS},
    formats={"placed_at": "ymd", "delivered_at": "ymd"},
)

# Shopify: Orders → Export (orders_export_1.csv). One row per line item; the order's own columns (Financial
# Status, Paid at, Fulfilled at, Currency, Total, Created at, Billing Name…) are filled on its first row only.
# Dates are "2024-03-05 14:22:10 +0330"; "Name" is the order number ("#1001"); phones carry an apostrophe.
SHOPIFY = Preset(
    key="shopify",
    name="Shopify orders export",
    signature=_signature("Name", "Financial Status", "Lineitem quantity", "Lineitem name"),
    columns=_keys(
        {
            "Name": "order_number",
            "Email": "email",
            "Financial Status": "status",
            "Paid at": "paid_at",
            "Fulfillment Status": "fulfillment_status",
            "Fulfilled at": "delivered_at",
            "Currency": "currency",
            "Created at": "placed_at",
            "Lineitem quantity": "quantity",
            "Lineitem name": "product_name",
            "Lineitem price": "unit_price",
            "Lineitem sku": "sku",
            "Billing Name": "full_name",
            "Phone": "phone",
            "Cancelled at": "cancelled_at",
        }
    ),
    formats={"placed_at": "ymd", "paid_at": "ymd", "delivered_at": "ymd", "cancelled_at": "ymd"},
)

# WooCommerce: the order export (one row per item): order_id and order_number, "2024-03-05 14:22:10" dates,
# status with or without its "wc-" prefix, the billing person, and the item's SKU, name, quantity and total.
WOOCOMMERCE = Preset(
    key="woocommerce",
    name="WooCommerce order export",
    signature=_signature("order_number", "order_date", "billing_email", "item_quantity"),
    columns=_keys(
        {
            "order_number": "order_number",
            "order_date": "placed_at",
            "status": "status",
            "billing_email": "email",
            "billing_phone": "phone",
            "billing_first_name": "first_name",
            "billing_last_name": "last_name",
            "customer_id": "customer_external_id",
            "item_sku": "sku",
            "item_name": "product_name",
            "item_quantity": "quantity",
            "item_price": "unit_price",
            "item_total": "line_total",
            "completed_date": "delivered_at",
            "paid_date": "paid_at",
            "currency": "currency",
            "order_currency": "currency",
        }
    ),
    formats={"placed_at": "ymd", "delivered_at": "ymd", "paid_at": "ymd"},
)

PRESETS = (TEMPLATE, SHOPIFY, WOOCOMMERCE)
