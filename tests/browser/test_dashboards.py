"""A manager in a real browser: sign in, read every dashboard with its charts drawn, switch to Persian and get
a right-to-left page, create a campaign in the administration and find it on the funnel."""

import pytest
from django.utils import timezone

from campaigns.models import AidaStep, Campaign, TouchKind
from cycle.services.rollups import rollups_refresh
from tests.aftersales.factories import SurveyResponseFactory
from tests.campaigns.factories import TouchFactory
from tests.customers.factories import CustomerFactory
from tests.cycle.factories import ObjectiveFactory
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.browser

PAGES = ["", "funnel/", "plan/", "transfer/", "after-sales/", "boni/"]
SWITCHER = "#language-switcher select, select#language-switcher"


@pytest.fixture
def cycle_data(manager):
    customer = CustomerFactory(first_name="زهرا", persian=True)
    ObjectiveFactory(title="Grow repeat purchases")
    OrderFactory(customer=customer)
    SurveyResponseFactory(customer=customer, csat=5, nps=9)
    TouchFactory(customer=customer, campaign__name="Nowruz", step=AidaStep.ATTENTION, kind=TouchKind.EMAIL_OPEN)
    rollups_refresh()


def _sign_in(page, live_server):
    page.goto(f"{live_server.url}/admin/login/?next=/dashboards/")
    page.fill("#id_username", "mina")
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    page.wait_for_url("**/dashboards/")


def _charts_drawn(page):
    page.wait_for_selector("canvas.dashboard-chart")
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('canvas.dashboard-chart'))
                 .map(c => !!(window.Chart && Chart.getChart(c)) && c.width > 0)"""
    )


def test_every_dashboard_draws_its_charts(page, live_server, cycle_data, screenshot):
    _sign_in(page, live_server)
    for path in PAGES:
        page.goto(f"{live_server.url}/dashboards/{path}")
        drawn = _charts_drawn(page)
        assert drawn, path
        assert all(drawn), path
        assert page.locator("#figures-as-of").inner_text().startswith("Figures as of")
        screenshot(f"dashboard-{path.strip('/') or 'cycle'}-en")


def test_switch_to_persian_and_read_right_to_left(page, live_server, cycle_data, screenshot):
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/dashboards/transfer/")
    assert page.get_attribute("html", "dir") == "ltr"
    with page.expect_navigation():
        page.select_option(SWITCHER, "fa")
    page.wait_for_selector("html[dir=rtl]")
    assert page.url.endswith("/dashboards/transfer/")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "fa"
    assert all(_charts_drawn(page))
    assert page.evaluate("() => Object.values(window.dashboardCharts).every(c => c.options.plugins.legend.rtl)")
    screenshot("dashboard-transfer-fa")


def test_a_campaign_created_in_the_admin_is_on_the_funnel(page, live_server, cycle_data, screenshot):
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/admin/campaigns/campaign/add/")
    page.fill("#id_name", "Yalda night offer")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/campaigns/campaign/")
    campaign = Campaign.objects.get(name="Yalda night offer")
    # Customers open its e-mail; the next refresh of the rollups (every ten minutes) counts them.
    for customer in CustomerFactory.create_batch(3):
        TouchFactory(customer=customer, campaign=campaign, occurred_at=timezone.now())
    rollups_refresh()

    page.goto(f"{live_server.url}/dashboards/funnel/")
    assert page.locator("#table-campaigns").get_by_text("Yalda night offer").count() == 1
    page.select_option("#id_campaign", str(campaign.pk))
    page.click("#dashboard-filters button[type=submit]")
    page.wait_for_url("**/dashboards/funnel/?**")
    first_row = page.locator("#table-campaigns tbody tr").first
    assert first_row.locator("td").nth(0).inner_text() == "Yalda night offer"
    assert first_row.locator("td").nth(1).inner_text() == "3"
    assert all(_charts_drawn(page))
    screenshot("dashboard-funnel-campaign")
