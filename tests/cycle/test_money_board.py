"""The Money board: cost, revenue and return on spend per channel, campaign and journey, the plan's budget lines;
a fixed number of queries whatever the data; the campaign's and journey's pages; in English, Persian and Arabic."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Campaign, CampaignStatus
from emarketing.brand.selectors import brand_values
from tests.campaigns.factories import CampaignFactory
from tests.cycle.factories import BudgetLineFactory, MarketingPlanFactory, ObjectiveFactory
from tests.cycle.finance_data import EMAIL_PRICE, finance_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def email_price():
    with override_settings(EMAIL_PRICE_PER_THOUSAND=EMAIL_PRICE):
        yield


def _plan_with_lines(plan=None):
    """Three lines: 95 % used (near), 101 % used (over), 10 % used."""
    plan = plan or MarketingPlanFactory(name="Plan 2026")
    for title, used in (("Near", "95"), ("Over", "101"), ("Fine", "10")):
        objective = ObjectiveFactory(plan=plan, title=title)
        BudgetLineFactory(plan=plan, objective=objective, amount=Decimal("100"), description=f"{title} line")
        CampaignFactory(objective=objective, cost=Decimal(used), budget=Decimal(used))
    return plan


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_board_costs_the_same_queries_whatever_the_data_size(manager_client):
    plan = _plan_with_lines()
    finance_world(name="First")
    url = reverse("dashboards:money")
    brand_values()
    with override_settings(DASHBOARD_CACHE_SECONDS=0):
        small = _queries(manager_client, url)
        for n in range(3):
            finance_world(name=f"More {n}")
        _plan_with_lines(plan)
        large = _queries(manager_client, url)
    assert small == large
    board = manager_client.get(url).context["board"]
    assert len(board.table("campaigns").rows) > 3 * 4  # the larger data was read


def test_the_board_shows_money_per_channel_campaign_journey_and_line(manager_client):
    _plan_with_lines()
    finance_world()
    response = manager_client.get(reverse("dashboards:money"))
    board = response.context["board"]
    figures = {str(label): value for label, value, _hint in board.figures}
    assert figures["Budget lines at or above 90%"] == 1
    assert figures["Budget lines overspent"] == 1
    campaigns = {row[0]: row for row in board.table("campaigns").rows}
    assert campaigns["Spring"][4] == Decimal("111.00")  # total cost
    assert campaigns["Spring"][6] == Decimal("300.00")  # attributed revenue
    assert campaigns["Spring"][7] == Decimal("60.00")  # lift over the holdout group
    assert campaigns["Spring"][8] == Decimal("170.27")
    assert str(campaigns["Quiet"][8]) == "not measurable"
    assert [row[0] for row in board.table("journeys").rows] == ["Welcome"]
    lines = {row[1]: row for row in board.table("lines").rows}
    assert str(lines["Near line"][7]) == "Near its limit (at least 90%)"
    assert str(lines["Over line"][7]) == "Overspent"
    assert str(lines["Fine line"][7]) == "Within budget"
    download = manager_client.get(reverse("dashboards:money"), {"download": "campaigns"})
    assert "Spring" in download.content.decode("utf-8-sig")


@pytest.mark.parametrize(("language", "text"), [("en", "111"), ("fa", "۱۱۱"), ("ar", "١١١")])
def test_the_pages_render_in_every_language(manager_client, admin_client, language, text):
    world = finance_world()
    _plan_with_lines()
    board = manager_client.get(reverse("dashboards:money"), HTTP_ACCEPT_LANGUAGE=language)
    assert board.status_code == 200
    assert text in board.content.decode()
    page = admin_client.get(
        reverse("admin:campaigns_campaign_change", args=[world.spring.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert text in page.content.decode()  # the total cost, 111.00, in the language's digits
    journey = admin_client.get(
        reverse("admin:campaigns_journey_change", args=[world.journey.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert journey.status_code == 200 and "money-panel" in journey.content.decode()


def test_a_campaign_page_says_when_nothing_was_spent(admin_client):
    campaign = CampaignFactory(cost=Decimal("0"))
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SENT)
    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))
    assert "Not measurable: nothing spent" in page.content.decode()
