"""A marketer builds a segment in a real browser and watches the count change as the conditions are typed."""

import pytest

from tests.customers.factories import CustomerFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_the_live_count_follows_the_conditions(page, live_server, transactional_db):
    UserFactory(username="maryam", is_staff=True, is_superuser=True)
    CustomerFactory.create_batch(3, country="IR")
    CustomerFactory(country="SA")
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "maryam")
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")

    page.goto(f"{live_server.url}/admin/customers/segment/add/")
    page.fill("#id_name", "Iran")
    page.select_option("#id_conditions-0-field", "country")
    page.fill("#id_conditions-0-value", "IR")
    count = page.locator("#segment-live-count-text")
    count.filter(has_text="3").wait_for(timeout=10_000)

    page.fill("#id_conditions-0-value", "IR, SA")
    count.filter(has_text="4").wait_for(timeout=10_000)

    page.select_option("#id_conditions-0-field", "value_tier")
    page.fill("#id_conditions-0-value", "gold")
    count.filter(has_text="not a value").wait_for(timeout=10_000)
