"""Persian and Arabic customers in a real browser: the survey's scales of buttons, answered by keyboard and by
click, and the late-delivery and acknowledgement e-mails as their mail program shows their HTML, in their language and
calendar."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from aftersales import services
from aftersales.models import SurveyResponse
from aftersales.services.surveys import survey_token
from emarketing.digits import normalize_digits
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


# The day written out: Solar Hijri in Persian, Gregorian in Arabic, each in its own digits.
ACKNOWLEDGED = {
    "fa": {
        "words": "سپاسگزاریم",
        "day": re.compile(
            r"^[۰-۹]{1,2} (فروردین|اردیبهشت|خرداد|تیر|مرداد|شهریور|مهر|آبان|آذر|دی|بهمن|اسفند) ([۰-۹]{4})$"
        ),
        "years": lambda today: {today.year - 622, today.year - 621},
        "digits": "۰۱۲۳۴۵۶۷۸۹",
    },
    "ar": {
        "words": "شكرًا لمراسلتك",
        "day": re.compile(
            r"^[٠-٩]{1,2} (يناير|فبراير|مارس|أبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر) ([٠-٩]{4})$"
        ),
        "years": lambda today: {today.year},
        "digits": "٠١٢٣٤٥٦٧٨٩",
    },
}


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_the_acknowledgement_email_reads_in_the_writers_language_calendar_and_digits(
    page, client, transactional_db, django_capture_on_commit_callbacks, screenshot, settings, language
):
    settings.PUBLIC_FORM_RATE_LIMIT = 50
    written = {"name": "مینا", "email": f"writer-{language}@ex.com", "subject": "سفارش", "message": "کجاست؟"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("aftersales:contact"), written, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302
    (message,) = mail.outbox
    html, _mimetype = message.alternatives[0]

    page.set_content(html)
    assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == language
    expected = ACKNOWLEDGED[language]
    assert expected["words"] in page.locator("body").inner_text()
    # The day the message reached us, in the writer's calendar and digits.
    day = expected["day"].match(page.locator("p.date").inner_text())
    assert day is not None
    assert int(normalize_digits(day.group(2))) in expected["years"](timezone.localdate())
    # The request number keeps its own digits, left to right; nothing else is in Latin letters or digits.
    request_number = page.locator("bdi").filter(has_text=re.compile(r"^\d+$")).first
    assert request_number.evaluate("e => getComputedStyle(e).direction") == "ltr"
    outside_identifiers = page.evaluate(
        "() => { const b = document.body.cloneNode(true); b.querySelectorAll('bdi').forEach(e => e.remove());"
        " return b.innerText; }"
    )
    assert not re.search("[0-9]", outside_identifiers) and not re.search("[A-Za-z]{2,}", outside_identifiers)
    assert any(digit in outside_identifiers for digit in expected["digits"])
    screenshot(f"acknowledgement-email-{language}")
