"""The plan's KPIs and the dashboards' rollups judge sales and NPS answers by the one rule each has.

The expected answers are written out here, not read from the rules' homes, so a bound moved in
``orders.models`` or ``aftersales.models`` makes these fail.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cycle.models import Kpi, OrderDaily, ServiceDaily
from cycle.selectors.dashboards.base import Filters
from cycle.selectors.dashboards.sources import figure_source
from cycle.selectors.kpis import kpi_value
from cycle.services.rollups import rollups_rebuild
from orders.models import OrderStatus, PaymentStatus
from tests.aftersales.factories import SurveyResponseFactory
from tests.orders.factories import OrderFactory, PaymentFactory

pytestmark = pytest.mark.django_db

IS_A_SALE = {
    OrderStatus.NEW: True,
    OrderStatus.CONFIRMED: True,
    OrderStatus.SHIPPED: True,
    OrderStatus.DELIVERED: True,
    OrderStatus.CANCELLED: False,
    OrderStatus.RETURNED: False,
}
# One answer alone: its net promoter score is 100 for a promoter, 0 for a passive, -100 for a detractor.
NPS_OF_ONE_ANSWER = {0: -100, 6: -100, 7: 0, 8: 0, 9: 100, 10: 100}


def _today():
    return timezone.localdate()


def test_every_order_status_is_judged():
    assert set(IS_A_SALE) == set(OrderStatus)


@pytest.mark.parametrize("status", list(OrderStatus))
def test_revenue_counts_an_order_only_when_it_is_a_sale(status):
    OrderFactory(status=status, total=Decimal("80.00"))
    revenue = kpi_value(Kpi.REVENUE, start=_today() - dt.timedelta(days=1), end=_today())
    assert revenue == (Decimal("80.00") if IS_A_SALE[status] else Decimal("0.00"))


@pytest.mark.parametrize("status", list(OrderStatus))
def test_the_dashboard_rollup_counts_an_order_as_sold_only_when_it_is_a_sale(status):
    OrderFactory(status=status, total=Decimal("80.00"))
    rollups_rebuild()
    day = OrderDaily.objects.get()
    assert (day.orders, day.sold, day.revenue) == (
        (1, 1, Decimal("80.00")) if IS_A_SALE[status] else (1, 0, Decimal("0.00"))
    )


@pytest.mark.parametrize("score", sorted(NPS_OF_ONE_ANSWER))
def test_the_nps_kpi_puts_each_answer_in_its_band(score):
    SurveyResponseFactory(nps=score)
    nps = kpi_value(Kpi.NPS, start=_today() - dt.timedelta(days=1), end=_today())
    assert nps == Decimal(NPS_OF_ONE_ANSWER[score])


@pytest.mark.parametrize("score", sorted(NPS_OF_ONE_ANSWER))
def test_the_after_sales_rollup_puts_each_answer_in_its_band(score):
    SurveyResponseFactory(nps=score)
    rollups_rebuild()
    day = ServiceDaily.objects.get()
    assert day.promoters - day.detractors == NPS_OF_ONE_ANSWER[score] // 100


PAYMENT_SUCCEEDED = {
    PaymentStatus.PENDING: False,
    PaymentStatus.AUTHORIZED: True,
    PaymentStatus.CAPTURED: True,
    PaymentStatus.FAILED: False,
    PaymentStatus.REFUNDED: True,
}


def test_every_payment_status_is_judged():
    assert set(PAYMENT_SUCCEEDED) == set(PaymentStatus)


@pytest.mark.parametrize("status", list(PaymentStatus))
def test_rolled_up_and_live_payment_success_agree_on_every_status(status):
    PaymentFactory(status=status)
    rollups_rebuild()
    expected = 1 if PAYMENT_SUCCEEDED[status] else 0
    assert ServiceDaily.objects.get().payments_succeeded == expected
    live = figure_source(live=True).service_per_day(Filters(start=_today(), end=_today()))
    assert live[_today()]["payments_succeeded"] == expected
