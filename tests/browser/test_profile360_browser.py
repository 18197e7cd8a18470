"""The 360° profile and the changelists in a real browser: the profile in Persian, right to left with Solar Hijri
dates; the customer and order lists fit a 1366×768 screen without scrolling sideways."""

import datetime as dt

import pytest
from django.utils import timezone

from aftersales.models import TicketStatus
from campaigns.models import AidaStep, TouchKind
from orders.models import ShipmentStatus
from tests.aftersales.factories import SurveyResponseFactory, TicketFactory
from tests.campaigns.factories import CampaignFactory, MessageFactory, TouchFactory
from tests.customers.factories import CustomerFactory
from tests.factories import UserFactory
from tests.orders.factories import OrderFactory, ShipmentFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def marketer(transactional_db):
    return UserFactory(username="maryam", is_staff=True, is_superuser=True)


def _sign_in(page, live_server, language="en"):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "maryam")
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def _customer_with_a_history():
    now = timezone.now()
    customer = CustomerFactory(first_name="زهرا", last_name="محمدی", persian=True)
    campaign = CampaignFactory(name="حراج بهاره")
    order = OrderFactory(customer=customer, number="ORD-20261202-0957", placed_at=now - dt.timedelta(days=5))
    ShipmentFactory(
        order=order,
        promised_on=timezone.localdate() - dt.timedelta(days=2),
        status=ShipmentStatus.SHIPPED,
        shipped_at=now - dt.timedelta(days=4),
    )
    MessageFactory(customer=customer, campaign=campaign, status="sent", created_at=now - dt.timedelta(days=4))
    for hours in range(40):
        TouchFactory(
            customer=customer,
            campaign=campaign,
            step=AidaStep.INFORMATION,
            kind=TouchKind.CLICK,
            occurred_at=now - dt.timedelta(days=3, hours=hours),
        )
    TicketFactory(
        customer=customer, subject="بسته هنوز نرسیده", status=TicketStatus.OPEN, created_at=now - dt.timedelta(days=1)
    )
    SurveyResponseFactory(
        customer=customer, csat=2, nps=4, comment="دیر و گران", created_at=now - dt.timedelta(hours=5)
    )
    return customer


def test_the_profile_in_persian(page, live_server, marketer, screenshot):
    customer = _customer_with_a_history()
    _sign_in(page, live_server, "fa")
    page.goto(f"{live_server.url}/admin/customers/customer/{customer.pk}/change/")
    page.wait_for_selector("html[dir=rtl]")
    profile = page.locator("#profile360")
    assert profile.locator(".profile360-card").count() == 8
    entries = profile.locator(".profile360-entry")
    assert entries.count() == 30
    # Solar Hijri dates in Persian digits, the order number kept as written and isolated.
    first_time = entries.first.locator("time").inner_text()
    assert first_time.startswith("۱۴۰") and not any(c.isascii() and c.isdigit() for c in first_time)
    assert profile.locator("bdi", has_text="ORD-20261202-0957").count() == 0  # on the second page
    profile.scroll_into_view_if_needed()
    screenshot("admin-profile360-fa")
    page.click(".profile360-older")
    page.wait_for_selector(".profile360-newest")
    assert page.locator("#profile360 bdi", has_text="ORD-20261202-0957").count() == 1
    assert page.locator("#profile360 .profile360-entry").count() == 14
    assert page.locator(".profile360-older").count() == 0


def _scrolls_sideways(page):
    """The page or the list's own scrolling box (the admin wraps the table in one) is wider than the screen."""
    return page.evaluate(
        """() => [document.documentElement, document.querySelector('#changelist .results')]
            .some(box => box && box.scrollWidth > box.clientWidth + 1)"""
    )


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_customer_and_order_lists_fit_1366_pixels(page, live_server, marketer, screenshot, language):
    customer = _customer_with_a_history()
    for _ in range(5):
        CustomerFactory(first_name="Alexandrina-Maximiliana", last_name="Featherstonehaugh-Worthington")
    OrderFactory(customer=customer, number="ORD-20261203-00042ABC")
    page.set_viewport_size({"width": 1366, "height": 768})
    _sign_in(page, live_server, language)
    page.goto(f"{live_server.url}/admin/customers/customer/")
    for column in ("value_tier", "lifecycle_stage", "satisfaction"):
        assert page.locator(f"#result_list th.column-{column}").is_visible()
    assert not _scrolls_sideways(page)
    screenshot(f"admin-customers-1366-{language}")
    page.goto(f"{live_server.url}/admin/orders/order/")
    assert page.locator("#result_list th.column-late").is_visible()
    assert not _scrolls_sideways(page)
    screenshot(f"admin-orders-1366-{language}")
