"""The demand and capacity board: demand against capacity per product and region week by week, whether each need
can be served, a fixed number of queries whatever the data size, and the page in English, Persian and Arabic."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from aftersales.services.capacity import service_team_save
from campaigns.models import Campaign, CampaignStatus
from customers.models import NeedMention
from cycle.selectors.dashboards import DASHBOARDS, Filters
from orders.services.capacity import delivery_region_save, product_capacity_set
from tests.customers.factories import CustomerFactory, NeedFactory
from tests.cycle.test_mediation import _history, _scheduled
from tests.orders.factories import OrderFactory, OrderLineFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _wanted_by(need, n):
    for i in range(n):
        NeedMention.objects.create(need=need, customer=CustomerFactory(), source="survey", source_id=need.pk * 100 + i)


def _data(size, first=0):
    """``size`` products with capacity, sales, a need each, a delivery region with orders, a scheduled campaign."""
    for n in range(first, first + size):
        product = ProductFactory()
        product_capacity_set(product=product, stock_on_hand=n, production_per_week=2)
        customer = CustomerFactory(country="IR", region=f"Province {n}")
        OrderLineFactory(order=OrderFactory(customer=customer), product=product, quantity=3)
        delivery_region_save(name=f"Region {n}", country="IR", province=f"Province {n}", shipments_per_day=5)
        _wanted_by(NeedFactory(product=product, title=f"More of {n}"), 2)
        _history(product)
        _scheduled(product, audience=2)
        Campaign.objects.filter(status=CampaignStatus.DRAFT).update(status=CampaignStatus.SCHEDULED)
    service_team_save(name=f"Team {size}", tickets_per_day=10, chats_at_once=2)


def test_each_need_says_whether_the_company_can_serve_it():
    in_stock, made, never, unknown = (ProductFactory() for _ in range(4))
    product_capacity_set(product=in_stock, stock_on_hand=3, production_per_week=0)
    product_capacity_set(product=made, stock_on_hand=1, production_per_week=1)
    product_capacity_set(product=never, stock_on_hand=0, production_per_week=0)
    for product, title in ((in_stock, "A"), (made, "B"), (never, "C"), (unknown, "D")):
        _wanted_by(NeedFactory(product=product, title=title), 3)
    _wanted_by(NeedFactory(title="E", product=None), 1)

    board = DASHBOARDS["mediation"](Filters.default())

    verdicts = {row[0]: (row[2], row[4]) for row in board.table("needs").rows}
    assert verdicts == {
        "A": (3, "Yes: in stock"),  # three wanted, three in stock: equal is enough
        "B": (3, "Yes, within 2 weeks of production"),
        "C": (3, "No: not enough stock and nothing made"),
        "D": (3, "Unknown: no capacity entered"),
        "E": (1, "Unknown"),
    }


def test_past_weeks_show_what_was_sold_and_next_weeks_the_forecast():
    product = ProductFactory(name="Saffron")
    product_capacity_set(product=product, stock_on_hand=4, production_per_week=3)
    OrderLineFactory(order=OrderFactory(), product=product, quantity=5)
    _history(product)
    campaign = _scheduled(product)  # 10 orders expected over its first week
    campaign.scheduled_at = timezone.now() + dt.timedelta(days=7 - timezone.localdate().weekday())
    campaign.status = CampaignStatus.SCHEDULED
    campaign.save()

    rows = DASHBOARDS["mediation"](Filters.default()).table("products").rows

    this_week = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    assert ["Saffron", this_week, "Actual", 5, 3, None] in rows
    forecast = [r for r in rows if r[0] == "Saffron" and r[2] == "Forecast"]
    assert forecast[0][1:] == [this_week + dt.timedelta(weeks=1), "Forecast", 10.0, 3, -3.0]  # 4 + 3 - 10
    forecast_rows = DASHBOARDS["mediation"](Filters.default()).table("forecasts").rows
    assert forecast_rows[0][8:11] == [2, 10.0, "Over capacity: Saffron"]


def test_the_board_costs_the_same_queries_whatever_the_data_size(client):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            DASHBOARDS["mediation"](Filters.default())
        return len(ctx.captured_queries)

    _data(1)
    small = count()
    _data(4, first=1)
    assert count() == small


@pytest.mark.parametrize(("language", "title"), [("en", "Demand and capacity"), ("fa", None), ("ar", None)])
def test_the_page_renders_in_every_language(manager_client, language, title):
    _data(1)
    response = manager_client.get(reverse("dashboards:mediation"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="dashboard"' in body
    assert f'lang="{language}"' in body
    if language != "en":
        assert 'dir="rtl"' in body
    with translation.override(language):
        assert str(response.context["title"]) in body
