"""Value tiers and lifecycle stages follow what customers actually did, and every change is kept."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from customers.models import CustomerHistory, LifecycleStage, ValueTier
from customers.registry import profile_sources
from customers.services import customers_refresh_lifecycle, customers_refresh_value_tiers
from customers.services.profiles import TierThresholds
from orders.models import OrderStatus
from tests.campaigns.factories import TouchFactory
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db


def _orders(customer, count, *, total="200.00", days_ago=10, status="new"):
    now = timezone.now()
    for i in range(count):
        order = OrderFactory(customer=customer, total=Decimal(total), placed_at=now - dt.timedelta(days=days_ago + i))
        if status != "new":
            type(order).objects.filter(pk=order.pk).update(status=status)


def test_tiers_from_recency_frequency_and_spend():
    loyal = CustomerFactory()
    _orders(loyal, 3, total="200.00")  # recent, 3 orders, 600 spent
    promising = CustomerFactory()
    _orders(promising, 1, total="150.00", days_ago=40)  # recent and spent enough
    lapsed = CustomerFactory()
    _orders(lapsed, 5, total="300.00", days_ago=500)  # big spender, but long ago
    small = CustomerFactory()
    _orders(small, 1, total="20.00", days_ago=20)  # one small order
    cancelled_only = CustomerFactory()
    _orders(cancelled_only, 2, status="cancelled")
    newcomer = CustomerFactory()

    result = customers_refresh_value_tiers(reason="nightly")

    tiers = {c.pk: c.value_tier for c in type(loyal).objects.all()}
    assert tiers == {
        loyal.pk: ValueTier.MOST_VALUABLE,
        promising.pk: ValueTier.POTENTIAL,
        lapsed.pk: ValueTier.LOW_VALUE,
        small.pk: ValueTier.LOW_VALUE,
        cancelled_only.pk: ValueTier.UNRATED,
        newcomer.pk: ValueTier.UNRATED,
    }
    assert result.changed == 4
    history = CustomerHistory.objects.get(customer=loyal)
    assert (history.attribute, history.old_value, history.new_value, history.reason) == (
        "value_tier",
        "unrated",
        "most_valuable",
        "nightly",
    )


def test_a_second_run_changes_nothing_and_a_change_of_tier_is_added_to_history():
    customer = CustomerFactory()
    _orders(customer, 1, total="150.00")
    customers_refresh_value_tiers()
    assert customers_refresh_value_tiers().changed == 0
    assert CustomerHistory.objects.filter(customer=customer).count() == 1

    _orders(customer, 2, total="300.00", days_ago=1)
    customers_refresh_value_tiers()
    customer.refresh_from_db()
    assert customer.value_tier == ValueTier.MOST_VALUABLE
    assert list(CustomerHistory.objects.filter(customer=customer).values_list("old_value", "new_value")) == [
        ("potential", "most_valuable"),
        ("unrated", "potential"),
    ]


@override_settings(CUSTOMER_TIER_MOST_VALUABLE_MIN_ORDERS=1, CUSTOMER_TIER_MOST_VALUABLE_MIN_SPEND="100")
def test_thresholds_come_from_settings():
    customer = CustomerFactory()
    _orders(customer, 1, total="150.00")
    customers_refresh_value_tiers()
    customer.refresh_from_db()
    assert customer.value_tier == ValueTier.MOST_VALUABLE


def test_the_query_count_does_not_grow_with_the_number_of_customers():
    def queries_for(n):
        for _ in range(n):
            _orders(CustomerFactory(), 1, total="150.00")
        with CaptureQueriesContext(connection) as ctx:
            customers_refresh_value_tiers(batch_size=1000)
        return len(ctx.captured_queries)

    few = queries_for(2)
    customers_refresh_value_tiers()
    many = queries_for(30)
    assert many == few


def test_python_rule_and_sql_agree():
    now = timezone.now()
    t = TierThresholds()
    assert t.tier_of(last_order_at=None, orders_in_window=0, spend_in_window=0, now=now) == ValueTier.UNRATED
    assert (
        t.tier_of(last_order_at=now, orders_in_window=3, spend_in_window=Decimal(600), now=now)
        == ValueTier.MOST_VALUABLE
    )


def test_lifecycle_from_orders_and_touches():
    nobody = CustomerFactory()
    engaged = CustomerFactory()
    TouchFactory(customer=engaged)
    bot_only = CustomerFactory()
    TouchFactory(customer=bot_only, is_automated=True)
    buyer = CustomerFactory()
    _orders(buyer, 1)
    repeat = CustomerFactory()
    _orders(repeat, 2)

    customers_refresh_lifecycle()

    stages = dict(type(nobody).objects.values_list("pk", "lifecycle_stage"))
    assert stages == {
        nobody.pk: LifecycleStage.SELECTION,
        engaged.pk: LifecycleStage.ACQUISITION,
        bot_only.pk: LifecycleStage.SELECTION,
        buyer.pk: LifecycleStage.RETENTION,
        repeat.pk: LifecycleStage.EXTENSION,
    }
    assert CustomerHistory.objects.filter(attribute="lifecycle_stage").count() == 3


def test_lifecycle_of_only_the_given_customers():
    a, b = CustomerFactory(), CustomerFactory()
    _orders(a, 2)
    _orders(b, 2)
    customers_refresh_lifecycle(customer_ids=[a.pk])
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.lifecycle_stage, b.lifecycle_stage) == (LifecycleStage.EXTENSION, LifecycleStage.SELECTION)


def test_history_is_shown_on_the_customer_page(admin_client):
    customer = CustomerFactory()
    _orders(customer, 3, total="200.00")
    customers_refresh_value_tiers()
    page = admin_client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert "Most valuable" in page.content.decode()


def test_admin_action_and_button_recompute_on_demand(admin_client, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    _orders(customer, 2)
    response = admin_client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "refresh_profiles", "_selected_action": [customer.pk]},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.value_tier, customer.lifecycle_stage) == (ValueTier.POTENTIAL, LifecycleStage.EXTENSION)

    other = CustomerFactory()
    _orders(other, 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:customers_customer_refresh_profiles"))
    assert response.status_code == 302
    other.refresh_from_db()
    assert (other.value_tier, other.lifecycle_stage) == (ValueTier.POTENTIAL, LifecycleStage.RETENTION)
    assert CustomerHistory.objects.filter(customer=other, reason__startswith="on demand").count() == 2


# Written out, not read from orders.models: a status that moves in or out of the sales fails here.
COUNTED_AS_A_SALE = {"new", "confirmed", "shipped", "delivered"}


@pytest.mark.parametrize("status", list(OrderStatus), ids=lambda s: s.value)
def test_every_order_status_counts_or_not_towards_the_value_tier(status):
    customer = CustomerFactory()
    _orders(customer, 1, total="150.00", days_ago=40, status=status.value)

    customers_refresh_value_tiers()

    customer.refresh_from_db()
    expected = ValueTier.POTENTIAL if status.value in COUNTED_AS_A_SALE else ValueTier.UNRATED
    assert customer.value_tier == expected


@pytest.mark.parametrize("status", list(OrderStatus), ids=lambda s: s.value)
def test_every_order_status_counts_or_not_towards_the_lifecycle_stage(status):
    customer = CustomerFactory()
    _orders(customer, 2, status=status.value)

    customers_refresh_lifecycle()

    customer.refresh_from_db()
    expected = LifecycleStage.EXTENSION if status.value in COUNTED_AS_A_SALE else LifecycleStage.SELECTION
    assert customer.lifecycle_stage == expected


@pytest.mark.parametrize(
    ("refresh", "slot"),
    [(customers_refresh_value_tiers, "value_tier"), (customers_refresh_lifecycle, "lifecycle")],
)
def test_without_a_registered_source_a_refresh_fails_and_writes_nothing(monkeypatch, refresh, slot):
    customer = CustomerFactory(value_tier=ValueTier.POTENTIAL, lifecycle_stage=LifecycleStage.RETENTION)
    monkeypatch.setattr(profile_sources, slot, None)

    with pytest.raises(ImproperlyConfigured, match="registered"):
        refresh()

    customer.refresh_from_db()
    assert (customer.value_tier, customer.lifecycle_stage) == (ValueTier.POTENTIAL, LifecycleStage.RETENTION)
    assert not CustomerHistory.objects.exists()
