"""A superuser in a real browser, where two-factor sign-in is required: the password, then the set-up page (QR code
and secret), the app's code to confirm it, the admin; next time the code at sign-in."""

import pytest
from django.test import override_settings
from django_otp.oath import TOTP

from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def superuser(transactional_db):
    return UserFactory(username="maryam", is_staff=True, is_superuser=True)


def code_from(secret):
    """What an authenticator app shows for the secret typed from the page."""
    from base64 import b32decode

    return f"{TOTP(b32decode(secret.replace(' ', ''))).token():06d}"


def _sign_in(page, live_server, code=""):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "maryam")
    page.fill("#id_password", "pass-word-123")
    page.fill("#id_otp_token", code)
    page.click("input[type=submit]")


@override_settings(OTP_REQUIRED_FOR_SUPERUSERS=True)
def test_set_up_the_app_then_sign_in_with_its_code(page, live_server, superuser, screenshot):
    _sign_in(page, live_server)
    page.wait_for_url("**/admin/two-factor/")
    assert page.locator(".qr-code svg").count() == 1
    screenshot("two-factor-setup-en")
    secret = page.inner_text(".secret")

    page.fill("#id_otp_token", code_from(secret))
    page.click("input[type=submit].default")
    page.wait_for_selector(".messagelist .success")
    screenshot("two-factor-on-en")
    page.goto(f"{live_server.url}/admin/")
    assert page.url.endswith("/admin/")

    page.context.clear_cookies()
    _sign_in(page, live_server)  # the password alone no longer does
    assert page.locator(".errornote").count() >= 1 and page.url.endswith("/admin/login/")
    screenshot("two-factor-sign-in-refused-en")


@pytest.mark.parametrize("language", ["fa", "ar"])
@override_settings(OTP_REQUIRED_FOR_SUPERUSERS=True)
def test_the_set_up_page_reads_right_to_left(browser, live_server, superuser, language):
    from tests.conftest import SCREENSHOTS

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=language)
    page = context.new_page()
    _sign_in(page, live_server)
    page.wait_for_url("**/admin/two-factor/")
    assert page.get_attribute("html", "dir") == "rtl"
    # The secret is read left to right inside the right-to-left page.
    assert page.eval_on_selector(".secret bdi", "e => getComputedStyle(e).direction") == "ltr"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"two-factor-setup-{language}.png"), full_page=True)
    context.close()
