"""Persian and Arabic customers in a real browser: the survey's scales of buttons, answered by keyboard and by
click, and the late-delivery e-mail as their mail program shows its HTML, in their language and calendar."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from aftersales import services
from aftersales.models import SurveyResponse
from aftersales.services.surveys import survey_token
from orders import services as orders
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderLineFactory, ShipmentFactory

pytestmark = pytest.mark.browser

SURVEY_TITLE = {"fa": "شما چطور بود؟", "ar": "كيف كان طلبك"}
PROMISED = {"fa": "۹ آذر ۱۴۰۵", "ar": "٣٠ نوفمبر ٢٠٢٦"}  # 2026-11-30


def survey_url(customer, number):
    order = OrderLineFactory(order__customer=customer, order__number=number).order
    orders.order_confirm(order=order)
    orders.order_ship(order=order)
    orders.order_deliver(order=order)
    return reverse("aftersales:survey", args=[survey_token(services.survey_invitation_create(order=order))])


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_a_customer_answers_the_survey_on_its_scales_in_their_language(
    page, live_server, transactional_db, screenshot, language
):
    customer = CustomerFactory(preferred_language=language, **{"persian" if language == "fa" else "arabic": True})
    url = survey_url(customer, "ORD-20261202-09577BDE")
    page.set_extra_http_headers({"Accept-Language": "en"})  # the browser speaks English; the survey does not
    page.goto(f"{live_server.url}{url}")

    assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == language
    title = page.locator("h1")
    assert SURVEY_TITLE[language] in title.inner_text()
    number = title.locator("bdi")
    assert number.inner_text() == "ORD-20261202-09577BDE"
    assert number.evaluate("e => getComputedStyle(e).direction") == "ltr"
    one, five = page.locator('label[for="id_csat_0"]'), page.locator('label[for="id_csat_4"]')
    assert one.inner_text() in {"۱", "١"} and five.inner_text() in {"۵", "٥"}
    assert one.bounding_box()["x"] > five.bounding_box()["x"]  # right to left: 1 at the right
    screenshot(f"survey-{language}-scales")

    # By keyboard: into the first scale, one step on; by click: the top of the second scale.
    page.locator("#id_csat_0").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    assert page.locator("#id_csat_1").is_checked()
    page.locator('label[for="id_nps_10"]').click()
    assert page.locator("#id_nps_10").is_checked()
    screenshot(f"survey-{language}-chosen")
    page.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == language
    answer = SurveyResponse.objects.get()
    assert (answer.csat, answer.nps) == (2, 10)
    screenshot(f"survey-{language}-thanks")


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_the_late_delivery_email_reads_in_the_customers_language_and_calendar(
    page, transactional_db, screenshot, language
):
    customer = CustomerFactory(preferred_language=language, **{"persian" if language == "fa" else "arabic": True})
    order = OrderLineFactory(order__customer=customer, order__number="ORD-20261202-09577BDE").order
    ShipmentFactory(order=order, promised_on=dt.date(2026, 11, 30))
    services.late_shipments_handle(today=dt.date(2026, 12, 2))
    (message,) = mail.outbox
    html, _mimetype = message.alternatives[0]

    page.set_content(html)
    assert page.get_attribute("html", "dir") == "rtl"
    body = page.locator("body").inner_text()
    assert PROMISED[language] in body and "2026" not in body.replace("ORD-20261202", "")
    order_number = page.locator("bdi", has_text="ORD-20261202-09577BDE").first
    assert order_number.evaluate("e => getComputedStyle(e).direction") == "ltr"
    screenshot(f"late-delivery-email-{language}")
