"""Mediation: the forecast of a scheduled campaign against a hand-computed history, the capacity warning at its
boundary (equal is enough), its proposals, and where the marketer sees it."""

import datetime as dt
import math
from fractions import Fraction

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from campaigns.models import CampaignStatus, Channel
from campaigns.services import campaign_schedule
from customers.models import SegmentMembership
from cycle.selectors.mediation import RegionMap, campaign_forecasts, capacity_checks, mediation_warnings
from orders.services.capacity import delivery_region_save, product_capacity_set
from tests.campaigns.factories import CampaignFactory, MessageFactory
from tests.customers.factories import ConsentFactory, CustomerFactory, SegmentFactory
from tests.factories import UserFactory
from tests.orders.factories import OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _past(channel, recipients, sales, products=()):
    campaign = CampaignFactory(channel=channel, status=CampaignStatus.SENT)
    campaign.products.set(products)
    for _ in range(recipients):
        MessageFactory(campaign=campaign)
    for _ in range(sales):
        OrderFactory(campaign=campaign)
    return campaign


def _history(product):
    """E-mail campaigns featuring the product: 1 sale from 10 (10 %) and 6 from 20 (30 %): a mean of 20 %, from
    10 % to 30 %, a standard deviation of 14.14 points. Neither the SMS campaign nor the one featuring another
    product counts."""
    _past(Channel.EMAIL, 10, 1, [product])
    _past(Channel.EMAIL, 20, 6, [product])
    _past(Channel.SMS, 10, 10, [product])
    _past(Channel.EMAIL, 10, 10, [ProductFactory()])


def _scheduled(product, audience=50, **customer):
    segment = SegmentFactory()
    for _ in range(audience):
        member = CustomerFactory(**customer)
        ConsentFactory(customer=member)
        SegmentMembership.objects.create(segment=segment, customer=member)
    SegmentMembership.objects.create(segment=segment, customer=CustomerFactory())  # no consent: not in the audience
    campaign = CampaignFactory(
        channel=Channel.EMAIL, scheduled_at=timezone.now() + dt.timedelta(days=1), name="Spring offer"
    )
    campaign.segments.set([segment])
    campaign.products.set([product])
    return campaign


def test_the_forecast_is_the_audience_times_the_rate_same_kind_of_campaigns_reached():
    product = ProductFactory()
    _history(product)
    campaign = _scheduled(product)

    [forecast] = campaign_forecasts(campaigns=[campaign])

    assert forecast.audience == 50
    assert forecast.history.campaigns == 2
    assert forecast.history.rate == Fraction(1, 5)
    assert (forecast.history.low, forecast.history.high) == (Fraction(1, 10), Fraction(3, 10))
    assert math.isclose(forecast.history.stdev, math.sqrt(0.02))
    assert forecast.expected == 10
    assert (forecast.expected_low, forecast.expected_high) == (5, 15)
    assert forecast.days == 7  # no end date: its first week


def test_a_campaign_without_history_is_said_to_have_none_and_is_never_warned_about():
    product = ProductFactory()
    campaign = _scheduled(product, audience=3)
    product_capacity_set(product=product, stock_on_hand=0, production_per_week=0)

    [forecast] = campaign_forecasts(campaigns=[campaign])

    assert forecast.history.campaigns == 0
    assert forecast.expected is None
    assert mediation_warnings(campaign) == []


@pytest.mark.parametrize(("stock", "warned"), [(3, False), (2, True)])
def test_the_warning_appears_only_when_expected_orders_exceed_stock_and_production(stock, warned):
    """10 orders expected over 7 days; 7 made a week: a stock of 3 is exactly enough, 2 is not."""
    product = ProductFactory(name="Saffron")
    _history(product)
    campaign = _scheduled(product)
    product_capacity_set(product=product, stock_on_hand=stock, production_per_week=7)

    warnings = mediation_warnings(campaign)

    assert bool(warnings) is warned
    if warned:
        assert "about 10 orders expected in 7 days (from 2 earlier campaigns)" in warnings[0]
        assert "Saffron: 9" in warnings[0]
        # 8 more units than in stock at 7 a week: 8 days; 9 units at 20 %: 45 customers.
        assert warnings[1] == "Proposal: send it over 8 days or send it to at most 45 customers."


@pytest.mark.parametrize(("per_day", "warned"), [(2, False), (1, True)])
def test_the_warning_appears_when_a_delivery_region_cannot_ship_the_expected_orders(per_day, warned):
    """40 of the 50 live in Tehran: 8 orders expected there in 7 days (10 across both regions)."""
    product = ProductFactory()
    _history(product)
    campaign = _scheduled(product, audience=40, country="IR", region="tehran ")
    extra = _scheduled(product, audience=10, country="IR", region="Shiraz")
    campaign.segments.add(*extra.segments.all())
    delivery_region_save(name="Tehran", country="ir", province="Tehran", shipments_per_day=per_day)

    regions = RegionMap()
    [check] = capacity_checks(campaign_forecasts(campaigns=[campaign], regions=regions), regions=regions)

    assert [s.what for s in check.shortfalls] == (["Tehran"] if warned else [])
    if warned:
        assert check.shortfalls[0].expected == 8
        assert check.slower_send_days == 8  # 8 orders at 1 a day
        assert check.audience_that_fits == 43  # 7 shipments: 35 in Tehran at 20 %, with the 8 of Shiraz in step


def test_scheduling_records_the_warning_and_the_admin_shows_it_without_blocking(client):
    product = ProductFactory(name="Saffron")
    _history(product)
    campaign = _scheduled(product)
    product_capacity_set(product=product, stock_on_hand=0, production_per_week=0)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))
    assert "about 10 orders expected" in page.content.decode()
    assert "send it to at most 0 customers" in page.content.decode()  # nothing made: no slower pace fits

    response = client.post(
        reverse("admin:campaigns_campaign_changelist"),
        {"action": "schedule", "_selected_action": [campaign.pk]},
        follow=True,
    )
    shown = [str(m) for m in get_messages(response.wsgi_request)] or [str(m) for m in response.context["messages"]]
    assert any("about 10 orders expected" in m for m in shown)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED
    assert "about 10 orders expected" in campaign.status_changes.get().note


def test_a_campaign_that_fits_is_scheduled_with_no_note():
    product = ProductFactory()
    _history(product)
    campaign = _scheduled(product)
    product_capacity_set(product=product, stock_on_hand=100, production_per_week=0)

    campaign_schedule(campaign=campaign)

    assert campaign.status_changes.get().note == ""
