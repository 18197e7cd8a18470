"""Order history files in the exact column layouts Shopify and WooCommerce export, with English, Persian and
Arabic customers."""

import csv
import io

SHOPIFY_HEADER = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing",
    "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method",
    "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price",
    "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status",
    "Billing Name", "Billing Street", "Billing City", "Billing Country", "Billing Phone", "Shipping Name",
    "Notes", "Cancelled at", "Payment Method", "Refunded Amount", "Vendor", "Id", "Tags", "Source", "Phone",
]  # fmt: skip

WOOCOMMERCE_HEADER = [
    "order_id", "order_number", "order_date", "paid_date", "completed_date", "status", "currency", "order_total",
    "customer_id", "billing_first_name", "billing_last_name", "billing_email", "billing_phone", "billing_country",
    "billing_city", "payment_method", "shipping_method", "item_sku", "item_name", "item_quantity", "item_total",
]  # fmt: skip


def csv_bytes(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def shopify_order(
    number,
    email,
    *,
    name,
    phone="",
    financial="paid",
    fulfillment="fulfilled",
    created="2024-03-05 14:22:10 +0330",
    paid="2024-03-05 14:25:00 +0330",
    fulfilled="2024-03-09 10:00:00 +0330",
    cancelled="",
    currency="IRR",
    lines=(),
):
    """The rows of one order as Shopify writes them: the order's columns on the first row only."""
    rows = []
    for i, (qty, item, price, sku) in enumerate(lines):
        first = i == 0
        row = dict.fromkeys(SHOPIFY_HEADER, "")
        row.update(
            {
                "Name": number,
                "Email": email,
                "Lineitem quantity": str(qty),
                "Lineitem name": item,
                "Lineitem price": price,
                "Lineitem sku": sku,
                "Lineitem requires shipping": "true",
                "Lineitem taxable": "true",
                "Lineitem fulfillment status": fulfillment or "pending",
            }
        )
        if first:
            row.update(
                {
                    "Financial Status": financial,
                    "Paid at": paid,
                    "Fulfillment Status": fulfillment,
                    "Fulfilled at": fulfilled,
                    "Accepts Marketing": "yes",
                    "Currency": currency,
                    "Subtotal": "0",
                    "Total": "0",
                    "Created at": created,
                    "Billing Name": name,
                    "Billing City": "Tehran",
                    "Billing Country": "IR",
                    "Cancelled at": cancelled,
                    "Payment Method": "manual",
                    "Id": "5531" + number[1:],
                    "Source": "web",
                    "Phone": f"'{phone}" if phone else "",
                }
            )
        rows.append([row[h] for h in SHOPIFY_HEADER])
    return rows


def shopify(orders):
    return csv_bytes(SHOPIFY_HEADER, [row for order in orders for row in order])


def woocommerce_order(
    number,
    email,
    *,
    first,
    last,
    phone="",
    status="wc-completed",
    date="2024-02-01 09:30:00",
    completed="2024-02-04 16:00:00",
    currency="SAR",
    customer_id="0",
    lines=(),
):
    """WooCommerce repeats the order's columns on each item row."""
    return [
        [
            str(9000 + int(number)),
            number,
            date,
            date,
            completed,
            status,
            currency,
            "0",
            customer_id,
            first,
            last,
            email,
            phone,
            "SA",
            "الرياض",
            "cod",
            "flat_rate",
            sku,
            item,
            str(qty),
            total,
        ]
        for qty, item, total, sku in lines
    ]


def woocommerce(orders):
    return csv_bytes(WOOCOMMERCE_HEADER, [row for order in orders for row in order])
