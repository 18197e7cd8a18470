"""A Persian manager in a real browser types the dashboards' period in the Solar Hijri calendar."""

import pytest

pytestmark = pytest.mark.browser


def test_a_persian_manager_types_the_period_in_solar_hijri_with_persian_digits(page, live_server, manager, screenshot):
    page.set_extra_http_headers({"Accept-Language": "fa"})
    page.goto(f"{live_server.url}/admin/login/?next=/dashboards/transfer/")
    page.fill("#id_username", "mina")
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    page.wait_for_url("**/dashboards/transfer/")
    assert page.get_attribute("html", "dir") == "rtl"
    start = page.locator("#id_start")
    assert start.get_attribute("type") == "text"
    assert start.evaluate("e => getComputedStyle(e).direction") == "ltr"

    start.fill("۱۴۰۵/۰۸/۰۲")
    page.locator("#id_end").fill("۱۴۰۵/۰۹/۰۱")
    page.click("#dashboard-filters button[type=submit]")
    page.wait_for_url("**/dashboards/transfer/?**")
    assert page.locator("#id_start").input_value() == "۱۴۰۵/۰۸/۰۲"
    assert "۲ آبان ۱۴۰۵" in page.locator("#figures-as-of").inner_text()
    assert "۱ آذر ۱۴۰۵" in page.locator("#figures-as-of").inner_text()
    screenshot("dashboard-transfer-fa-solar-hijri-period")

    page.locator("#id_start").fill("۱۴۰۵/۱۳/۰۱")
    page.click("#dashboard-filters button[type=submit]")
    page.wait_for_url("**/dashboards/transfer/?**")
    assert "روزی از تقویم هجری شمسی نیست" in page.locator("#dashboard-filters").inner_text()
    screenshot("dashboard-transfer-fa-bad-date")
