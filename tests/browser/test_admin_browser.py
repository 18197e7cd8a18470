"""A marketer in a real browser: sign in, read the customers, switch to Persian and get a right-to-left page."""

import pytest

from tests.customers.factories import CustomerFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def marketer(transactional_db):
    return UserFactory(username="maryam", is_staff=True, is_superuser=True)


def _sign_in(page, live_server):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "maryam")
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def test_sign_in_and_switch_to_persian(page, live_server, marketer, screenshot):
    CustomerFactory(first_name="زهرا", last_name="محمدی", persian=True)
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/admin/customers/customer/")
    assert page.locator("#result_list").get_by_text("زهرا").count() == 1
    assert page.get_attribute("html", "dir") == "ltr"
    screenshot("admin-customers-en")

    # The switcher posts the form and the server redirects back: wait for that page, not the current one.
    with page.expect_navigation():
        page.select_option("#language-select", "fa")
    page.wait_for_selector("html[dir=rtl]")
    assert page.url.endswith("/admin/customers/customer/")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "fa"
    screenshot("admin-customers-fa")
