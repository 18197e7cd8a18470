import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import AidaStep, TouchKind
from cycle.models import Kpi
from cycle.selectors.kpis import kpi_value
from cycle.selectors.plans import plan_objectives_table
from orders.models import OrderStatus
from tests.aftersales.factories import SurveyResponseFactory
from tests.campaigns.factories import TouchFactory
from tests.customers.factories import CustomerFactory
from tests.cycle.factories import MarketingPlanFactory, ObjectiveFactory
from tests.orders.factories import OrderFactory, OrderLineFactory, ProductFactory, ShipmentFactory

pytestmark = pytest.mark.django_db

START = dt.date(2026, 1, 1)
END = dt.date(2026, 6, 30)


def at(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


IN = at(dt.date(2026, 3, 1))
BEFORE = at(dt.date(2025, 10, 1))


def kpi(name):
    return kpi_value(name, start=START, end=END)


def test_new_customers_counts_only_those_who_joined_in_the_period():
    CustomerFactory.create_batch(3, created_at=IN)
    CustomerFactory(created_at=BEFORE)
    assert kpi(Kpi.NEW_CUSTOMERS) == 3


def test_aida_conversion_is_the_share_of_attentive_customers_who_bought():
    buyers = CustomerFactory.create_batch(2)
    lookers = CustomerFactory.create_batch(2)
    for c in buyers + lookers:
        TouchFactory(customer=c, occurred_at=IN)
    for c in buyers:
        TouchFactory(customer=c, step=AidaStep.ACTION, kind=TouchKind.ORDER, occurred_at=IN)
    TouchFactory(customer=lookers[0], is_automated=True, step=AidaStep.ACTION, kind=TouchKind.ORDER, occurred_at=IN)
    assert kpi(Kpi.AIDA_CONVERSION) == Decimal("50.00")


def test_repeat_purchase_rate_and_revenue_ignore_cancelled_orders():
    loyal, once = CustomerFactory(), CustomerFactory()
    OrderFactory(customer=loyal, placed_at=IN, total=Decimal("100"))
    OrderFactory(customer=loyal, placed_at=IN, total=Decimal("50"))
    OrderFactory(customer=once, placed_at=IN, total=Decimal("30"))
    OrderFactory(customer=once, placed_at=IN, total=Decimal("999"), status=OrderStatus.CANCELLED)
    assert kpi(Kpi.REPEAT_PURCHASE_RATE) == Decimal("50.00")
    assert kpi(Kpi.REVENUE) == Decimal("180.00")


def test_on_time_delivery_compares_delivery_day_with_promise():
    ShipmentFactory(promised_on=dt.date(2026, 3, 2), shipped_at=IN, delivered_at=IN)
    ShipmentFactory(promised_on=dt.date(2026, 2, 20), shipped_at=IN, delivered_at=IN)
    ShipmentFactory(promised_on=dt.date(2026, 3, 1), shipped_at=IN, delivered_at=IN)
    assert kpi(Kpi.ON_TIME_DELIVERY) == Decimal("66.67")


def test_csat_and_nps():
    SurveyResponseFactory(csat=5, nps=10, created_at=IN)
    SurveyResponseFactory(csat=4, nps=9, created_at=IN)
    SurveyResponseFactory(csat=2, nps=3, created_at=IN)
    SurveyResponseFactory(csat=3, nps=None, created_at=IN)
    SurveyResponseFactory(csat=1, nps=0, created_at=BEFORE)
    assert kpi(Kpi.CSAT) == Decimal("3.50")
    assert kpi(Kpi.NPS) == Decimal("33.33")


def test_retention_is_the_share_of_earlier_buyers_who_bought_again():
    back, gone = CustomerFactory(), CustomerFactory()
    OrderFactory(customer=back, placed_at=BEFORE)
    OrderFactory(customer=gone, placed_at=BEFORE)
    OrderFactory(customer=back, placed_at=IN)
    OrderFactory(placed_at=IN)  # a new buyer does not count as retained
    assert kpi(Kpi.RETENTION) == Decimal("50.00")


def test_customers_in_new_markets_count_countries_first_seen_in_the_period():
    CustomerFactory(country="IR", created_at=BEFORE)
    CustomerFactory(country="IR", created_at=IN)
    CustomerFactory.create_batch(2, country="AE", created_at=IN)
    assert kpi(Kpi.NEW_MARKET_CUSTOMERS) == 2


def test_sales_of_new_products_count_products_launched_in_the_period():
    new = ProductFactory(launched_on=dt.date(2026, 2, 1))
    old = ProductFactory(launched_on=dt.date(2024, 1, 1))
    OrderLineFactory(order__placed_at=IN, product=new, quantity=3, unit_price=Decimal("10"))
    OrderLineFactory(order__placed_at=IN, product=old, quantity=1, unit_price=Decimal("99"))
    assert kpi(Kpi.NEW_PRODUCT_SALES) == Decimal("30.00")


def test_no_data_yet_is_shown_as_none_not_zero():
    assert kpi(Kpi.CSAT) is None
    assert kpi(Kpi.REPEAT_PURCHASE_RATE) is None


def test_objectives_table_uses_one_query_per_kpi_whatever_the_number_of_objectives():
    plan = MarketingPlanFactory(starts_on=START, ends_on=END)
    ObjectiveFactory(plan=plan, kpi=Kpi.REVENUE, target=Decimal("100"))
    with CaptureQueriesContext(connection) as few:
        plan_objectives_table(plan, today=END)
    for _ in range(10):
        ObjectiveFactory(plan=plan, kpi=Kpi.REVENUE, target=Decimal("100"))
    CustomerFactory.create_batch(5, created_at=IN)
    with CaptureQueriesContext(connection) as many:
        rows = plan_objectives_table(plan, today=END)
    assert len(rows) == 11
    assert len(many) == len(few)


def test_objectives_table_shows_target_actual_and_status():
    plan = MarketingPlanFactory(starts_on=START, ends_on=END)
    ObjectiveFactory(plan=plan, title="Grow", kpi=Kpi.NEW_CUSTOMERS, target=Decimal("2"))
    ObjectiveFactory(plan=plan, title="Please", kpi=Kpi.CSAT, target=Decimal("4.5"))
    CustomerFactory.create_batch(3, created_at=IN)
    SurveyResponseFactory(csat=3, created_at=IN)
    rows = {r.objective.title: r for r in plan_objectives_table(plan, today=END)}
    assert (rows["Grow"].target, rows["Grow"].actual, rows["Grow"].status) == (Decimal("2"), 3, "on_track")
    assert (rows["Please"].actual, rows["Please"].status) == (Decimal("3.00"), "behind")


def test_cumulative_targets_are_pro_rated_to_the_time_elapsed():
    plan = MarketingPlanFactory(starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31))
    on_pace = ObjectiveFactory(plan=plan, kpi=Kpi.NEW_CUSTOMERS, target=Decimal("100"))
    too_slow = ObjectiveFactory(plan=plan, kpi=Kpi.NEW_CUSTOMERS, target=Decimal("200"))
    CustomerFactory.create_batch(3, created_at=at(dt.date(2026, 1, 5)))
    rows = {r.objective: r for r in plan_objectives_table(plan, today=dt.date(2026, 1, 10))}
    # ten days of 365: about 2.7 of 100 expected by now, 5.5 of 200
    assert rows[on_pace].status == "on_track"
    assert rows[too_slow].status == "behind"
