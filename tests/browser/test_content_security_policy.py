"""The Content-Security-Policy in a real browser: the admin, a dashboard and the public pages work under it without
a single violation, and a script that reached an information page anyway (the cleaner bypassed) does not run."""

import pytest

from campaigns.models import Creative
from tests.campaigns.factories import CreativeFactory, TopicFactory
from tests.customers.factories import CustomerFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

# Every violation the page reports, in its own frames (an init script runs before the page's own scripts, and the
# policy does not apply to it).
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
"""
# A small PNG as a data: URL, and a newsletter styled inline, as marketers write them.
PIXEL = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
NEWSLETTER = (
    '<table role="presentation" width="100%" dir="rtl" style="direction: rtl; border-collapse: collapse">'
    '<tr><td style="padding: 12px; background-color: #f4f4f4"><h2 style="color: #1a237e">خبرنامهٔ بهار</h2>'
    f'<img src="{PIXEL}" alt="" width="1" height="1" style="display: block">'
    '<p>سلام {{ customer.first_name }}، <a href="https://shop.example.com/spring" style="color: #2e7d32">خرید</a></p>'
    "</td></tr></table>"
)


@pytest.fixture(autouse=True)
def _touches_written_at_once(settings):
    """Page views are written as they come, not left in a buffer for after the test database is gone."""


@pytest.fixture
def marketer(transactional_db):
    return UserFactory(username="maryam", is_staff=True, is_superuser=True)


@pytest.fixture
def watched(page):
    """The page, with what the policy blocks and what the console says about it collected as it happens."""
    page.console_errors, page.script_errors = [], []
    page.add_init_script(WATCH)
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    return page


def _reported(page):
    return [v for frame in page.frames for v in (frame.evaluate("() => window.__violations || []") or [])]


def _violations(page):
    return _reported(page) + [text for text in page.console_errors if "Content Security Policy" in text]


def _visit(page, url):
    page.goto(url)
    page.wait_for_load_state("load")
    assert _violations(page) == [], url


def test_the_admin_a_dashboard_and_the_public_pages_run_without_a_violation(watched, live_server, marketer):
    page = watched
    customer = CustomerFactory(first_name="زهرا", persian=True)
    creative = CreativeFactory(language="fa", subject="بهار", html_body=NEWSLETTER, campaign__name="Nowruz")
    info = CreativeFactory(
        kind="info_page", topic=TopicFactory(slug="tea"), subject="Green tea", html_body=NEWSLETTER, language="fa"
    )

    _visit(page, f"{live_server.url}/admin/login/")
    page.fill("#id_username", "maryam")
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    assert _violations(page) == []

    _visit(page, f"{live_server.url}/admin/campaigns/campaign/{creative.campaign_id}/change/")
    assert page.locator("#id_name").input_value() == "Nowruz"
    _visit(page, f"{live_server.url}/admin/customers/customer/")
    assert page.locator("#result_list").get_by_text("زهرا").count() == 1
    _visit(page, f"{live_server.url}/admin/campaigns/campaign/{creative.campaign_id}/preview/?customer={customer.pk}")
    preview = page.frame_locator("iframe[sandbox]")
    assert preview.get_by_text("سلام زهرا").count() == 1  # the e-mail, rendered inside the sandbox
    assert preview.locator("h2").evaluate("h => getComputedStyle(h).color") == "rgb(26, 35, 126)"  # styles apply

    _visit(page, f"{live_server.url}/dashboards/")
    page.wait_for_selector("canvas.dashboard-chart")
    assert page.evaluate(
        "() => !!window.Chart && Array.from(document.querySelectorAll('canvas')).every(Chart.getChart)"
    )

    _visit(page, f"{live_server.url}/t/i/tea/{info.pk}/")
    assert page.get_by_text("خبرنامهٔ بهار").count() == 1
    assert page.locator("article h2").evaluate("h => getComputedStyle(h).color") == "rgb(26, 35, 126)"

    # The language switcher (a script file now, not an inline handler) still changes the language.
    with page.expect_navigation():
        page.select_option("#language-switcher", "fa")
    page.wait_for_selector("html[dir=rtl]")
    assert _violations(page) == []
    assert page.script_errors == []


def test_a_script_that_reached_an_information_page_does_not_run(watched, live_server, transactional_db, monkeypatch):
    page = watched
    info = CreativeFactory(kind="info_page", topic=TopicFactory(slug="tea"), subject="Green tea", html_body="<p>x</p>")
    Creative.objects.filter(pk=info.pk).update(
        html_body=(
            "<p>Steep it</p><script>window.__ran = 'script'; document.title = 'pwned';</script>"
            "<img src=x onerror=\"window.__ran = 'handler'\">"
            "<a id=go href=\"javascript:void(window.__ran='link')\">go</a>"
        )
    )
    # As if the cleaner had missed it: the page shows the stored HTML as it is.
    monkeypatch.setattr("campaigns.templating.clean_html", lambda html: html)

    page.goto(f"{live_server.url}/t/i/tea/{info.pk}/")
    page.wait_for_load_state("load")
    assert page.locator("article script").count() == 1  # it reached the page...
    page.click("#go")

    assert page.evaluate("() => window.__ran") is None  # ...and none of it ran
    assert page.title() != "pwned"
    blocked = " ".join(_reported(page))
    assert "script-src" in blocked and "inline" in blocked
