"""The hosted capture form in a real browser, right-to-left: the page is as wide as the window (the robots' field
once sat ten thousand pixels to its left and scrolled Persian and Arabic pages to an empty screen)."""

import pytest

from tests.customers.capture_forms import make_form

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["en", "fa", "ar"])
def test_the_form_fills_the_window_in_every_language(page, live_server, transactional_db, screenshot, language):
    form = make_form()
    page.set_extra_http_headers({"Accept-Language": language})
    page.set_viewport_size({"width": 900, "height": 900})

    page.goto(f"{live_server.url}/f/{form.slug}/?lang={language}")

    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    heading = page.locator("h1")
    assert heading.is_visible()
    box = heading.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= widths[1]
    screenshot(f"capture-form-{language}")
