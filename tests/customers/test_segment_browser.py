"""A marketer builds a segment in a real browser and watches the count change as the conditions are typed."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.customers.factories import CustomerFactory
from tests.factories import UserFactory
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.browser


def open_new_segment(page, live_server):
    """Log in as the marketer and open an empty segment form."""
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "maryam")
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/customers/segment/add/")


def test_the_live_count_follows_the_conditions(page, live_server, transactional_db):
    UserFactory(username="maryam", is_staff=True, is_superuser=True)
    CustomerFactory.create_batch(3, country="IR")
    CustomerFactory(country="SA", value_tier="most_valuable")
    open_new_segment(page, live_server)
    page.fill("#id_name", "Iran")
    page.select_option("#id_conditions-0-field", "country")
    page.fill("#id_conditions-0-value", "IR")
    count = page.locator("#segment-live-count-text")
    count.filter(has_text="3").wait_for(timeout=10_000)

    page.fill("#id_conditions-0-value", "IR, SA")
    count.filter(has_text="4").wait_for(timeout=10_000)

    # A tier is picked by its name from a list; the code never shows.
    page.select_option("#id_conditions-0-field", "value_tier")
    assert page.locator("#id_conditions-0-value").is_hidden()
    tiers = page.locator("#conditions-0 .segment-value-picker select")
    assert "Most valuable" in tiers.inner_text()
    tiers.select_option(["most_valuable"])
    count.filter(has_text=": 1").wait_for(timeout=10_000)


def test_a_window_of_days_is_counted_in_days(page, live_server, transactional_db):
    UserFactory(username="maryam", is_staff=True, is_superuser=True)
    now = timezone.now()
    for days in (5, 40, 200):
        OrderFactory(customer=CustomerFactory(), placed_at=now - dt.timedelta(days=days))
    open_new_segment(page, live_server)
    page.fill("#id_name", "Bought lately")
    page.select_option("#id_conditions-0-field", "last_order")
    lookups = page.locator("#id_conditions-0-lookup option").all_inner_texts()
    assert "contains" not in lookups and "in the last … days" in lookups
    page.select_option("#id_conditions-0-lookup", "last_days")
    page.locator("#conditions-0 .segment-value-picker input").fill("60")
    count = page.locator("#segment-live-count-text")
    count.filter(has_text=": 2").wait_for(timeout=10_000)

    page.select_option("#id_conditions-0-lookup", "days_ago_between")
    boxes = page.locator("#conditions-0 .segment-value-picker input")
    boxes.nth(0).fill("30")
    boxes.nth(1).fill("300")
    count.filter(has_text=": 2").wait_for(timeout=10_000)
    boxes.nth(1).fill("100")
    count.filter(has_text=": 1").wait_for(timeout=10_000)

    page.click("input[name=_save]")
    page.locator(".messagelist").wait_for(timeout=10_000)
    page.goto(f"{live_server.url}/admin/customers/segment/")
    page.click("text=Bought lately")
    assert "Last purchase between 30 and 100 days ago" in page.locator(".field-rules_summary").inner_text()
    assert page.locator("#conditions-0 .segment-value-picker input").nth(1).input_value() == "100"
