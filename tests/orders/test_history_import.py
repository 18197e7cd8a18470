"""Order history import: the vendors' files, statuses and dates kept, customers and products, all or nothing."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Customer
from orders.models import Order, OrderLine, OrderStatus, Product, SalesChannel
from orders.services import order_history_import
from tests.customers.factories import CustomerFactory
from tests.orders.factories import AgentFactory, ProductFactory
from tests.orders.history_files import csv_bytes, shopify, shopify_order, woocommerce, woocommerce_order

pytestmark = pytest.mark.django_db

TEHRAN = dt.timezone(dt.timedelta(hours=3, minutes=30))


def run(data, **kwargs):
    return order_history_import(stream=io.BytesIO(data), name=kwargs.pop("name", "orders.csv"), **kwargs)


def shopify_file():
    return shopify(
        [
            shopify_order(
                "#1001",
                "sara.miller@example.com",
                name="Sara Miller",
                lines=[(2, "Saffron tea", "150000", "TEA-01"), (1, "Honey", "320000", "HON-02")],
            ),
            shopify_order(
                "#1002",
                "zahra.ahmadi@example.ir",
                name="زهرا احمدی",
                phone="+989123456789",
                financial="refunded",
                fulfillment="unfulfilled",
                fulfilled="",
                lines=[(1, "چای زعفرانی", "150000", "TEA-01")],
            ),
            shopify_order(
                "#1003",
                "fatima@example.sa",
                name="فاطمة الزهراني",
                financial="pending",
                fulfillment="",
                paid="",
                fulfilled="",
                created="2024-04-01 08:00:00 +0300",
                lines=[(3, "عسل", "320000", "HON-02")],
            ),
        ]
    )


def test_a_shopify_export_is_recognised_and_imported_with_its_dates_and_statuses():
    sara = CustomerFactory(email="sara.miller@example.com", first_name="Sara")
    result = run(shopify_file(), create_products=True)
    assert result.ok, result.errors
    assert result.preset.key == "shopify"
    assert (result.orders, result.lines, result.customers_created, result.products_created) == (3, 4, 2, 2)
    assert "Subtotal" not in result.ignored_columns and "Billing Street" in result.ignored_columns

    first = Order.objects.get(number="#1001")
    assert first.customer == sara
    assert first.status == OrderStatus.DELIVERED
    assert first.placed_at == dt.datetime(2024, 3, 5, 14, 22, 10, tzinfo=TEHRAN)
    assert first.total == Decimal("620000.00") and first.currency == "IRR"
    assert first.campaign_id is None and first.imported_at is not None
    moves = list(first.status_changes.order_by("changed_at", "id").values_list("to_status", "changed_at"))
    assert moves == [
        ("confirmed", dt.datetime(2024, 3, 5, 14, 25, tzinfo=TEHRAN)),
        ("shipped", dt.datetime(2024, 3, 9, 10, 0, tzinfo=TEHRAN)),
        ("delivered", dt.datetime(2024, 3, 9, 10, 0, tzinfo=TEHRAN)),
    ]
    refunded = Order.objects.get(number="#1002")
    assert refunded.status == OrderStatus.CANCELLED  # refunded before it was fulfilled
    assert refunded.customer.first_name == "زهرا" and refunded.customer.last_name == "احمدی"
    assert refunded.customer.phone == "+989123456789"
    pending = Order.objects.get(number="#1003")
    assert pending.status == OrderStatus.NEW and not pending.status_changes.exists()
    assert pending.customer.first_name == "فاطمة"
    assert pending.lines.get().quantity == 3
    assert Product.objects.get(sku="HON-02").name == "Honey"


def test_a_woocommerce_export_is_recognised_and_item_totals_are_divided_by_the_quantity():
    khalid = CustomerFactory(phone="+966501234567", email="", first_name="خالد")
    AgentFactory(name="Riyadh Agency")
    ProductFactory(sku="OUD-1", name="Oud", price=Decimal("90"))
    data = woocommerce(
        [
            woocommerce_order(
                "501", "", first="خالد", last="العتيبي", phone="+966 50 123 4567", lines=[(2, "Oud", "180.00", "OUD-1")]
            ),
            woocommerce_order(
                "502",
                "mona@example.sa",
                first="منى",
                last="الحربي",
                status="processing",
                completed="",
                lines=[(1, "Oud", "90.00", "OUD-1"), (4, "Musk", "100", "MSK-2")],
            ),
            woocommerce_order(
                "503",
                "john@example.com",
                first="John",
                last="Smith",
                status="wc-cancelled",
                completed="",
                lines=[(1, "Oud", "90.00", "OUD-1")],
            ),
        ]
    )
    result = run(data, create_products=True)
    assert result.ok, result.errors
    assert result.preset.key == "woocommerce"
    first = Order.objects.get(number="501")
    assert first.customer == khalid and first.status == OrderStatus.DELIVERED
    assert first.placed_at == dt.datetime(2024, 2, 1, 9, 30, tzinfo=timezone.get_current_timezone())
    assert first.lines.get().unit_price == Decimal("90.00")
    second = Order.objects.get(number="502")
    assert second.status == OrderStatus.CONFIRMED and second.currency == "SAR"
    assert second.lines.get(product__sku="MSK-2").unit_price == Decimal("25.00")
    assert second.customer.first_name == "منى" and second.customer.acquisition_source == "import"
    assert Order.objects.get(number="503").status == OrderStatus.CANCELLED
    assert "order_id" in result.ignored_columns


def test_the_products_own_template_with_agents_and_persian_digits():
    AgentFactory(name="Shiraz Representative")
    customer = CustomerFactory(external_id="C-77", persian=True)
    ProductFactory(sku="RUG-1")
    header = [
        "order_number",
        "customer_external_id",
        "placed_at",
        "channel",
        "agent",
        "currency",
        "status",
        "delivered_at",
        "sku",
        "quantity",
        "unit_price",
    ]
    rows = [
        [
            "T-1",
            "C-77",
            "۱۴۰۲/۰۷/۱۵",
            "agent",
            "shiraz representative",
            "IRR",
            "تحویل شده",
            "1402/07/20",
            "RUG-1",
            "۲",
            "۱٬۲۵۰٬۰۰۰",
        ]
    ]
    result = run(csv_bytes(header, rows), name="shopify-orders.csv")  # a vendor's name does not decide the layout
    assert result.ok, result.errors
    assert result.preset.key == "template"
    order = Order.objects.get()
    assert order.customer == customer and order.channel == SalesChannel.AGENT
    assert order.agent.name == "Shiraz Representative"
    assert timezone.localdate(order.placed_at) == dt.date(2023, 10, 7)
    assert order.status == OrderStatus.DELIVERED and order.total == Decimal("2500000.00")


def _thousand_lines(bad_rows):
    Product.objects.get_or_create(sku="P-1", defaults={"name": "Tea", "price": Decimal("10")})
    header = ["order_number", "email", "first_name", "placed_at", "status", "sku", "quantity", "unit_price"]
    rows = []
    for i in range(1000):
        number = f"H-{i // 2}"
        rows.append([number, f"buyer{i // 2}@example.com", "Ali", "2024-01-10", "delivered", "P-1", "1", "10"])
    for row, column in bad_rows.items():
        index = header.index(column)
        rows[row - 2][index] = {"placed_at": "2024-31-31", "quantity": "two", "unit_price": "ten"}[column]
    return csv_bytes(header, rows)


def test_three_bad_rows_in_a_thousand_are_named_and_nothing_is_written():
    before = Customer.objects.count()
    bad = {57: "quantity", 402: "unit_price", 900: "placed_at"}
    result = run(_thousand_lines(bad))
    assert not result.applied
    assert sorted((e.row, e.column) for e in result.errors) == sorted(bad.items())
    assert all(e.message for e in result.errors)
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    assert Customer.objects.count() == before
    good = run(_thousand_lines({}))
    assert good.applied and good.orders == 500 and good.lines == 1000 and good.customers_created == 500


def test_new_products_are_listed_then_refused_unless_created():
    preview = run(shopify_file(), dry_run=True, create_products=True)
    assert preview.ok and preview.new_products == {"TEA-01": "Saffron tea", "HON-02": "Honey"}
    assert preview.new_product_count == 2
    assert not Product.objects.exists() and not Order.objects.exists()
    refused = run(shopify_file())
    assert not refused.applied
    assert {(e.row, e.column) for e in refused.errors} == {(2, "sku"), (3, "sku"), (4, "sku"), (5, "sku")}
    assert "TEA-01" in refused.errors[0].message
    assert not Product.objects.exists()
    assert run(shopify_file(), create_products=True).applied
    assert Product.objects.count() == 2


def test_unknown_customers_agents_and_statuses_are_errors_naming_their_row():
    ProductFactory(sku="P-1")
    header = ["order_number", "email", "placed_at", "agent", "status", "sku", "unit_price"]
    rows = [
        ["A-1", "nobody@example.com", "2024-01-01", "", "paid", "P-1", "5"],
        ["A-2", "", "2024-01-01", "", "paid", "P-1", "5"],
        ["A-3", "x@example.com", "2024-01-01", "Ghost Agency", "paid", "P-1", "5"],
        ["A-4", "x@example.com", "2024-01-01", "", "lost in space", "P-1", "5"],
    ]
    CustomerFactory(email="x@example.com")
    result = run(csv_bytes(header, rows))
    assert sorted((e.row, e.column) for e in result.errors) == [(2, "email"), (3, "email"), (4, "agent"), (5, "status")]
    assert not Order.objects.exists()


def test_an_order_number_already_in_the_database_refuses_the_file_so_a_rerun_changes_nothing():
    data = _thousand_lines({})
    assert run(data).applied
    again = run(data)
    assert not again.applied and again.error_count == 500
    assert again.errors[0].column == "order_number" and "already" in again.errors[0].message
    assert Order.objects.count() == 500 and OrderLine.objects.count() == 1000


def test_rows_of_one_order_apart_from_each_other_are_an_error():
    ProductFactory(sku="P-1")
    CustomerFactory(email="x@example.com")
    header = ["order_number", "email", "placed_at", "sku", "unit_price"]
    rows = [
        ["B-1", "x@example.com", "2024-01-01", "P-1", "5"],
        ["B-2", "x@example.com", "2024-01-01", "P-1", "5"],
        ["B-1", "x@example.com", "2024-01-01", "P-1", "5"],
    ]
    result = run(csv_bytes(header, rows))
    assert [(e.row, e.column) for e in result.errors] == [(4, "order_number")]


def test_a_date_column_left_empty_everywhere_reads_each_row_once():
    # No format fits a column with no dates: the rows are still read once, from the top (they were read twice).
    data = (
        b"order_number,email,first_name,placed_at,delivered_at,sku,product_name,quantity,unit_price\n"
        b"A-1,a@example.com,Ali,2024-01-05,,SKU-1,Tea,1,100\n"
        b"A-2,b@example.com,Sara,2024-01-06,,SKU-1,Tea,2,100\n"
    )
    result = run(data, create_products=True)
    assert result.applied, [str(e) for e in result.errors]
    assert (result.rows_read, result.orders) == (2, 2)
