"""The fast insert path the imports write with: many rows per statement (SQLite) or COPY (PostgreSQL), and the
database writing one batch behind while the next is cleaned."""

import datetime as dt
import sys
import zoneinfo
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from customers.models import Customer
from emarketing.bulk_insert import RowInserter, WriteBehind, _chunk_sizes, ids_by_value
from orders.models import OrderStatusChange, Product
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db

PRODUCT_FIELDS = ["sku", "name", "category", "price", "currency", "is_active"]


def product_rows(count, start=0, price="9.50"):
    return [(f"SKU-{start + i}", f"Product {start + i}", "", Decimal(price), "IRR", True) for i in range(count)]


@pytest.mark.parametrize("count", [1, 999, 1000, 1001, 2345])
def test_every_row_arrives_with_its_own_id_in_order(count):
    ids = RowInserter(Product, PRODUCT_FIELDS).insert(product_rows(count), need_ids=True)

    assert len(ids) == count
    by_id = dict(Product.objects.values_list("pk", "sku"))
    assert [by_id[i] for i in ids] == [f"SKU-{i}" for i in range(count)]
    assert Product.objects.filter(price=Decimal("9.50"), currency="IRR").count() == count


def test_a_moment_is_stored_as_the_same_moment_whatever_its_zone():
    order = OrderFactory()
    tehran = dt.datetime(2025, 3, 20, 23, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Tehran"))
    fields = ["subject_id", "from_status", "to_status", "changed_at", "changed_by_id", "note"]
    RowInserter(OrderStatusChange, fields).insert([(order.pk, "new", "confirmed", tehran, None, "")])

    change = OrderStatusChange.objects.get(subject=order, to_status="confirmed")
    assert change.changed_at == tehran
    assert change.changed_at.astimezone(dt.UTC) == dt.datetime(2025, 3, 20, 20, 0, tzinfo=dt.UTC)


def test_a_batch_of_any_length_uses_few_statement_shapes():
    shapes = set()
    for total in range(0, 3001):
        sizes = _chunk_sizes(total, 1000)
        assert sum(sizes) == total
        shapes.update(sizes)
    assert len(shapes) <= 11  # 1000 and the powers of two below it


def test_rows_written_behind_are_in_the_table_once_waited_for():
    with transaction.atomic(), WriteBehind() as behind:
        inserter = RowInserter(Product, PRODUCT_FIELDS, behind=behind)
        inserter.insert(product_rows(1500))
        inserter.insert(product_rows(700, start=1500))
        behind.wait()
        assert Product.objects.count() == 2200
    assert list(Product.objects.order_by("pk").values_list("sku", flat=True)[:2]) == ["SKU-0", "SKU-1"]


def test_a_write_that_fails_behind_is_raised_and_nothing_of_the_batch_is_kept():
    with pytest.raises(IntegrityError), transaction.atomic(), WriteBehind() as behind:
        inserter = RowInserter(Product, PRODUCT_FIELDS, behind=behind)
        inserter.insert(product_rows(10))
        inserter.insert(product_rows(5, start=10, price="-1"))  # breaks the price constraint
        behind.wait()
    assert Product.objects.count() == 0


def test_a_failed_write_behind_is_raised_when_the_block_ends():
    with pytest.raises(IntegrityError), transaction.atomic(), WriteBehind() as behind:
        RowInserter(Product, PRODUCT_FIELDS, behind=behind).insert(product_rows(3, price="-1"))
    assert Product.objects.count() == 0


def test_the_switch_interval_comes_back_after_writing_behind():
    before = sys.getswitchinterval()
    with pytest.raises(RuntimeError), WriteBehind():
        assert sys.getswitchinterval() < before
        raise RuntimeError("the import stopped")
    assert sys.getswitchinterval() == before


def test_rows_are_found_by_value_and_where_several_share_one_the_oldest_counts():
    oldest = CustomerFactory(phone="+989120000001", external_id="")
    CustomerFactory(phone="+989120000001", external_id="")  # a later customer with the same phone
    other = CustomerFactory(phone="+989120000002", email="", external_id="")

    found = ids_by_value(Customer, "phone", ["+989120000001", "+989120000002", "+989129999999", "+989120000001"])
    assert found == {"+989120000001": oldest.pk, "+989120000002": other.pk}
    # An empty value never matches the customers without one when the partial index's condition is repeated.
    assert ids_by_value(Customer, "email", ["", oldest.email], skip_empty=True) == {oldest.email: oldest.pk}
    assert ids_by_value(Customer, "email", []) == {}


def test_a_lookup_of_more_values_than_one_statement_takes_finds_them_all():
    people = [CustomerFactory() for _ in range(3)]
    values = [f"nobody{i}@example.com" for i in range(2500)] + [p.email for p in people]
    assert ids_by_value(Customer, "email", values, skip_empty=True) == {p.email: p.pk for p in people}
