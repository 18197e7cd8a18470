"""What a Persian or Arabic customer reads from the after-sales stage: their language, calendar and digits, with
order and request numbers left as they are written."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from aftersales import services
from aftersales.services.surveys import survey_invitation_from_token, survey_token
from orders import services as orders
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderLineFactory, ShipmentFactory

pytestmark = pytest.mark.django_db

PERSIAN_DIGIT = re.compile("[۰-۹]")
LATIN_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.PUBLIC_FORM_RATE_LIMIT = 20
    cache.clear()


def html_of(message):
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def late_shipment(promised_on, number="ORD-20261202-09577BDE", **customer):
    order = OrderLineFactory(order__customer=CustomerFactory(**customer), order__number=number).order
    return ShipmentFactory(order=order, promised_on=promised_on)


def test_the_lateness_mail_to_a_persian_customer_has_the_solar_hijri_date_and_the_order_number_as_written():
    late_shipment(dt.date(2026, 11, 30), persian=True)
    services.late_shipments_handle(today=dt.date(2026, 12, 2))
    (message,) = mail.outbox
    html = html_of(message)
    for part in (message.body, html):
        assert "۹ آذر ۱۴۰۵" in part  # 2026-11-30 in the Solar Hijri calendar, Persian digits
        assert "2026-11-30" not in part and "۲۰۲۶" not in part
        assert "ORD-20261202-09577BDE" in part
    assert '<bdi dir="ltr">ORD-20261202-09577BDE</bdi>' in html
    assert '<html lang="fa" dir="rtl">' in html
    assert message.extra_headers["Content-Language"] == "fa"


def test_the_lateness_mail_in_arabic_is_gregorian_by_default_and_hijri_when_the_company_says_so(settings):
    late_shipment(dt.date(2026, 11, 30), arabic=True)
    services.late_shipments_handle(today=dt.date(2026, 12, 2))
    assert "٣٠ نوفمبر ٢٠٢٦" in mail.outbox[0].body

    settings.ARABIC_CALENDAR = "hijri"
    mail.outbox.clear()
    late_shipment(dt.date(2026, 11, 30), number="ORD-20261202-1A", arabic=True, email="other@example.com")
    services.late_shipments_handle(today=dt.date(2026, 12, 2))
    (message,) = mail.outbox
    # 2026-11-30 is 20 Jumada al-Akhirah 1448 in the Umm al-Qura calendar.
    assert "٢٠ جمادى الآخرة ١٤٤٨ هـ" in message.body
    assert "٢٠ جمادى الآخرة ١٤٤٨ هـ" in html_of(message)
    assert "ORD-20261202-1A" in message.body


def test_the_html_of_a_mail_escapes_what_the_customer_typed():
    late_shipment(dt.date(2026, 11, 30), first_name="<b>Ali</b>")
    services.late_shipments_handle(today=dt.date(2026, 12, 2))
    html = html_of(mail.outbox[0])
    assert "<b>Ali</b>" not in html and "&lt;b&gt;Ali&lt;/b&gt;" in html
    assert "<b>Ali</b>" in mail.outbox[0].body  # the text part shows it as typed


def test_an_unknown_persian_writer_is_acknowledged_in_persian(client, django_capture_on_commit_callbacks):
    data = {"name": "مینا", "email": "mina@example.com", "subject": "پرسش", "message": "به شیراز ارسال دارید؟"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("aftersales:contact"), data, HTTP_ACCEPT_LANGUAGE="fa")
    assert response.status_code == 302
    (message,) = mail.outbox
    assert "پیام شما را دریافت کردیم" in message.subject
    assert PERSIAN_DIGIT.search(message.body)  # the hours of the answer, in Persian digits
    assert 'dir="rtl"' in html_of(message)


def test_the_contact_thank_you_page_says_it_once(client):
    data = {"name": "Ali", "email": "ali@example.com", "subject": "Question", "message": "Hello"}
    page = client.post(reverse("aftersales:contact"), data, follow=True).content.decode()
    assert page.count("alert-success") == 0
    assert page.count("on its way") == 1


def delivered_invitation(**customer):
    order = OrderLineFactory(order__customer=CustomerFactory(**customer), order__number="ORD-20261202-09577BDE").order
    orders.order_confirm(order=order)
    orders.order_ship(order=order)
    orders.order_deliver(order=order)
    return services.survey_invitation_create(order=order)


def test_the_survey_is_in_the_customers_language_whatever_the_browser(client):
    url = reverse("aftersales:survey", args=[survey_token(delivered_invitation(arabic=True))])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert 'كيف كان طلبك <bdi dir="ltr">ORD-20261202-09577BDE</bdi>؟' in page


def test_the_survey_scales_are_rows_of_buttons_in_the_readers_digits(client):
    url = reverse("aftersales:survey", args=[survey_token(delivered_invitation(persian=True))])
    page = client.get(url).content.decode()
    assert len(re.findall(r'<input type="radio" name="csat"', page)) == 5
    assert len(re.findall(r'<input type="radio" name="nps"', page)) == 11
    labels = re.findall(r'class="btn btn-outline-primary scale-button" for="id_nps_\d+">([^<]+)</label>', page)
    assert labels == ["۰", "۱", "۲", "۳", "۴", "۵", "۶", "۷", "۸", "۹", "۱۰"]
    assert "<script>" not in page and " onclick=" not in page


def test_a_survey_without_a_score_says_which_numbers_to_choose_and_keeps_nothing(client):
    invitation = delivered_invitation(persian=True)
    url = reverse("aftersales:survey", args=[survey_token(invitation)])
    response = client.post(url, {"csat": "9", "nps": "", "comment": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "عددی از ۱ تا ۵ انتخاب کنید." in page and "عددی از ۰ تا ۱۰ انتخاب کنید." in page
    invitation.refresh_from_db()
    assert invitation.response_id is None


def test_the_survey_invitation_is_html_with_a_text_part_and_a_link():
    invitation = delivered_invitation(persian=True)
    services.survey_invitations_send()
    (message,) = mail.outbox
    html = html_of(message)
    # The link in the mail opens this invitation (its token carries the second it was made, not the test's).
    token = re.search(r"/survey/([^/\s]+)/", message.body).group(1)
    assert survey_invitation_from_token(token) == invitation
    assert 'dir="ltr"' in html and 'href="http' in html
    assert "ORD-20261202-09577BDE" in message.subject
    assert not LATIN_DATE.search(message.body)


def test_the_late_job_writes_the_promised_day_in_persian_digits():
    shipment = late_shipment(timezone.localdate() - dt.timedelta(days=3), persian=True)
    services.late_shipments_handle()
    assert PERSIAN_DIGIT.search(mail.outbox[0].body)
    assert shipment.promised_on.isoformat() not in mail.outbox[0].body
