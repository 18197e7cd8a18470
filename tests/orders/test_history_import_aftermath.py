"""What follows an order history import: nothing for the past (no survey, no late ticket, no campaign credit),
and the customers' value tiers and lifecycle stages right at once."""

import datetime as dt
import io

import pytest
from django.utils import timezone

from aftersales.models import SurveyInvitation, Ticket
from aftersales.services import late_shipments_handle, survey_invitations_create
from campaigns.models import Touch
from customers.models import LifecycleStage, ValueTier
from orders.models import Order, OrderStatus, OrderStatusChange, Shipment
from orders.services import order_history_import
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderFactory, ProductFactory
from tests.orders.history_files import csv_bytes

pytestmark = pytest.mark.django_db

HEADER = ["order_number", "email", "first_name", "placed_at", "status", "delivered_at", "sku", "quantity", "unit_price"]


def history(rows):
    return order_history_import(stream=io.BytesIO(csv_bytes(HEADER, rows)), name="history.csv")


def _live_delivered_order(days_ago):
    order = OrderFactory()
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.DELIVERED)
    OrderStatusChange.objects.create(
        subject=order, from_status="shipped", to_status="delivered", changed_at=timezone.now() - dt.timedelta(days_ago)
    )
    return order


def test_imported_history_gets_no_survey_invitation_and_no_late_ticket():
    ProductFactory(sku="P-1")
    CustomerFactory(email="old@example.com")
    result = history([["H-1", "old@example.com", "", "2023-05-01", "delivered", "2023-05-04", "P-1", "1", "30"],
                      ["H-2", "old@example.com", "", "2023-06-01", "shipped", "", "P-1", "1", "30"]])  # fmt: skip
    assert result.applied
    shipped = Order.objects.get(number="H-2")
    assert not Shipment.objects.exists()  # history gets no shipment to chase
    # even a shipment entered for an imported order later is not chased as late
    Shipment.objects.create(order=shipped, promised_on=dt.date(2023, 6, 5))
    live = _live_delivered_order(days_ago=10)  # the same jobs do act on an order delivered through the product

    assert survey_invitations_create() == 1
    assert list(SurveyInvitation.objects.values_list("order_id", flat=True)) == [live.pk]
    assert late_shipments_handle() == 0
    assert not Ticket.objects.exists()
    assert not Order.objects.filter(imported_at__isnull=False, campaign__isnull=False).exists()
    assert not Touch.objects.filter(customer__email="old@example.com").exists()  # no AIDA "order" touch either


def test_tiers_and_lifecycle_are_refreshed_for_the_customers_of_the_import(django_capture_on_commit_callbacks):
    ProductFactory(sku="P-1")
    loyal = CustomerFactory(email="loyal@example.com")
    bystander = CustomerFactory(email="bystander@example.com")
    recent = [timezone.localdate() - dt.timedelta(days=d) for d in (10, 40, 90)]
    rows = [[f"L-{i}", "loyal@example.com", "", day.isoformat(), "delivered", "", "P-1", "2", "150"]
            for i, day in enumerate(recent)]  # fmt: skip
    rows.append(["N-1", "new.buyer@example.com", "Nasrin", recent[0].isoformat(), "paid", "", "P-1", "1", "20"])
    with django_capture_on_commit_callbacks(execute=True):
        result = history(rows)
    assert result.applied and result.customers_created == 1
    loyal.refresh_from_db()
    bystander.refresh_from_db()
    assert loyal.value_tier == ValueTier.MOST_VALUABLE
    assert loyal.lifecycle_stage == LifecycleStage.EXTENSION
    newcomer = Order.objects.get(number="N-1").customer
    assert newcomer.first_name == "Nasrin"
    assert newcomer.value_tier == ValueTier.LOW_VALUE and newcomer.lifecycle_stage == LifecycleStage.RETENTION
    assert bystander.value_tier == ValueTier.UNRATED and bystander.lifecycle_stage == LifecycleStage.SELECTION
    assert loyal.history.filter(attribute="value_tier").exists()
