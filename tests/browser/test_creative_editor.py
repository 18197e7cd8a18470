"""A marketer writes a Persian e-mail in the creative editor, in a real browser under the strict content security
policy: the text runs right to left, a personalisation field comes from the menu, the template survives the
round trip, and the e-mail is previewed for a customer at desktop and phone widths side by side."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from campaigns.models import Creative
from campaigns.templating import PERSONALISATION_FIELDS
from tests.campaigns.factories import CreativeFactory
from tests.customers.factories import CustomerFactory
from tests.factories import UserFactory

from .test_content_security_policy import WATCH

pytestmark = pytest.mark.browser

PARAGRAPH = "سلام، فروش بهاره شروع شد"
# Written before, with a condition and a link to a template variable: the editor must give them back unchanged.
EARLIER = (
    "<p>متن قدیمی {% if customer.last_name %}{{ customer.last_name }}{% endif %}</p>"
    '<p><a href="{{ preferences_url }}">ترجیحات</a></p>'
)


def _labels(language):
    """The menu's name and its fields' names as the admin shows them in ``language``."""
    with translation.override(language):
        return translation.gettext("Personalise"), {
            expression: str(label) for expression, label, _ in PERSONALISATION_FIELDS
        }


@pytest.fixture
def marketer(transactional_db):
    return UserFactory(username="maryam", is_staff=True, is_superuser=True)


@pytest.fixture
def watched(page):
    """The page, with every policy violation in any of its frames and every script error collected."""
    page.console_errors, page.script_errors = [], []
    page.add_init_script(WATCH)
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    return page


def _violations(page):
    reported = [v for frame in page.frames for v in (frame.evaluate("() => window.__violations || []") or [])]
    return reported + [text for text in page.console_errors if "Content Security Policy" in text]


def test_a_persian_creative_written_in_the_editor_and_previewed(watched, live_server, marketer, screenshot):
    page = watched
    creative = CreativeFactory(
        language="fa",
        name="Nowruz",
        subject="نوروز {{ customer.first_name }}",
        html_body=EARLIER,
        text_body="",
        campaign__name="Nowruz",
    )
    customer = CustomerFactory(first_name="زهرا", last_name="احمدی", persian=True, email="zahra@example.com")
    page.context.add_cookies([{"name": "django_language", "value": "fa", "url": live_server.url}])
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "maryam")
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")

    page.goto(f"{live_server.url}/admin/campaigns/creative/{creative.pk}/change/")
    editor = page.frame_locator(".field-html_body iframe.tox-edit-area__iframe")
    body = editor.locator("body")
    expect(body).to_have_attribute("dir", "rtl")
    # The editor speaks the admin's language (Persian): its "Bold" button is labelled so.
    expect(page.get_by_role("button", name="پررنگ")).to_be_visible()
    personalise, fields = _labels("fa")

    # A new paragraph typed in Persian, then the customer's first name from the "Personalise" menu.
    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type(PARAGRAPH + " ")
    page.get_by_role("button", name=personalise).click()
    page.get_by_role("menuitem", name=fields["customer.first_name"], exact=True).click()
    page.keyboard.type("!")
    # And an unsubscribe link.
    page.keyboard.press("Enter")
    page.get_by_role("button", name=personalise).click()
    page.get_by_role("menuitem", name=fields["unsubscribe_url"], exact=True).click()
    expect(body).to_contain_text(PARAGRAPH)
    expect(body.locator("p", has_text=PARAGRAPH)).to_have_css("direction", "rtl")
    screenshot("creative-editor-fa")
    assert _violations(page) == []

    with page.expect_navigation():
        page.click("input[name=_continue]")
    assert page.locator(".errornote").count() == 0, page.inner_text("#content")
    saved = Creative.objects.get(pk=creative.pk).html_body
    assert f"{PARAGRAPH} {{{{ customer.first_name }}}}!" in saved.replace("\xa0", " ")
    assert 'href="{{ unsubscribe_url }}"' in saved
    assert "<p>متن قدیمی {% if customer.last_name %}{{ customer.last_name }}{% endif %}</p>" in saved
    assert '<a href="{{ preferences_url }}">ترجیحات</a>' in saved

    # The previews, for a customer found by name.
    url = f"{live_server.url}/admin/campaigns/creative/{creative.pk}/change/?customer={customer.pk}"
    page.goto(url)
    desktop = page.frame_locator(".creative-preview-desktop iframe")
    mobile = page.frame_locator(".creative-preview-mobile iframe")
    for frame in (desktop, mobile):
        expect(frame.get_by_text(f"{PARAGRAPH} زهرا!")).to_be_visible()
        expect(frame.locator("html")).to_have_attribute("dir", "rtl")
    desktop_width = page.locator(".creative-preview-desktop iframe").bounding_box()["width"]
    mobile_width = page.locator(".creative-preview-mobile iframe").bounding_box()["width"]
    assert mobile_width < desktop_width
    page.locator("#creative-previews").scroll_into_view_if_needed()
    screenshot("creative-previews-fa")

    assert _violations(page) == []
    assert page.script_errors == []
