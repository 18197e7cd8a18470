"""The customer exports of Mailchimp, Mautic, HubSpot, Shopify and WooCommerce, imported as they come."""

import io

import pytest

from customers.models import ConsentChannel, ConsentEvent, Customer, Occasion
from customers.services.imports import customers_import
from tests.customers import vendor_files
from tests.customers.vendor_files import COUNTRY_NAMES_AR, COUNTRY_NAMES_FA

pytestmark = pytest.mark.django_db


def run(data, name="export.csv", **kwargs):
    return customers_import(stream=io.BytesIO(data), name=name, **kwargs)


def by_email():
    return {c.email: c for c in Customer.objects.all()}


def test_a_mailchimp_audience_export_with_month_day_birthdays():
    result = run(vendor_files.mailchimp())
    assert result.ok, [str(e) for e in result.errors]
    assert result.preset.key == "mailchimp"
    assert result.date_formats["birthday"] == "md"
    customers = by_email()
    zahra = customers["zahra.ahmadi@example.ir"]
    assert (zahra.first_name, zahra.country, zahra.time_zone, zahra.external_id) == ("زهرا", "IR", "Asia/Tehran", "101")
    birthdays = {(o.customer.email, o.month, o.day, o.year) for o in Occasion.objects.select_related("customer")}
    assert ("sara.miller@example.com", 12, 24, None) in birthdays
    assert ("reza.karimi@example.com", 2, 29, None) in birthdays  # a leap-day birthday without a year
    assert zahra.created_at.date().isoformat() == "2023-05-01"
    assert "MEMBER_RATING" in result.ignored_columns and "TAGS" in result.ignored_columns


@pytest.mark.parametrize("names", [vendor_files.COUNTRY_NAMES, COUNTRY_NAMES_FA, COUNTRY_NAMES_AR])
def test_a_mautic_export_with_country_names_in_english_persian_or_arabic(names):
    result = run(vendor_files.mautic(names=names))
    assert result.ok, [str(e) for e in result.errors]
    assert result.preset.key == "mautic"
    customers = by_email()
    assert {c.country for c in customers.values()} == {"US", "IR", "SA"}
    zahra, fatima = customers["zahra.ahmadi@example.ir"], customers["fatima@example.sa"]
    assert (zahra.preferred_language, fatima.preferred_language) == ("fa", "ar")
    assert zahra.other_phone  # Mautic's second phone column is kept
    assert zahra.external_id == "41"


@pytest.mark.parametrize("names", [vendor_files.COUNTRY_NAMES, COUNTRY_NAMES_FA, COUNTRY_NAMES_AR])
def test_a_hubspot_export_semicolon_separated(names):
    result = run(vendor_files.hubspot(names=names))
    assert result.ok, [str(e) for e in result.errors]
    assert result.preset.key == "hubspot"
    reza = by_email()["reza.karimi@example.com"]
    assert (reza.country, reza.region, reza.city, reza.preferred_language) == ("IR", "Fars", "Shiraz", "fa")
    assert reza.phone  # "Mobile Phone Number"
    assert by_email()["sara.miller@example.com"].preferred_language == "en"


def test_a_shopify_export_with_apostrophes_before_ids_and_phones():
    result = run(vendor_files.shopify())
    assert result.ok, [str(e) for e in result.errors]
    assert result.preset.key == "shopify"
    assert len(result.header) == len(vendor_files.SHOPIFY_HEADER)  # no columns merged
    customers = by_email()
    sara = customers["sara.miller@example.com"]
    assert sara.external_id == "723456789010" and sara.phone.startswith("+1")
    assert (sara.city, sara.country) == ("San Francisco", "US")
    granted = {
        e.customer.email: e.granted
        for e in ConsentEvent.objects.filter(channel=ConsentChannel.EMAIL).select_related("customer")
    }
    assert granted == {
        "sara.miller@example.com": True,
        "zahra.ahmadi@example.ir": False,
        "fatima@example.sa": True,
        "reza.karimi@example.com": False,
    }
    assert ConsentEvent.objects.filter(note__contains="export.csv").count() == 8  # e-mail and SMS, per customer


def test_a_woocommerce_export_with_one_name_column():
    result = run(vendor_files.woocommerce(names=COUNTRY_NAMES_FA))
    assert result.ok, [str(e) for e in result.errors]
    assert result.preset.key == "woocommerce"
    fatima = by_email()["fatima@example.sa"]
    assert (fatima.first_name, fatima.last_name, fatima.country) == ("فاطمة", "الزهراني", "SA")


def test_detection_is_by_header_not_by_file_name():
    assert run(vendor_files.hubspot(), name="mailchimp_export.csv", dry_run=True).preset.key == "hubspot"


def test_three_bad_rows_in_a_thousand_are_named_and_nothing_else():
    people = [(f"P{i}", "Test", f"p{i}@example.com", "09121234567", "IR", "Tehran") for i in range(1000)]
    birthdays = ["12/24"] * 1000
    people[10] = ("P10", "Test", "not-an-address", "09121234567", "IR", "Tehran")
    birthdays[500] = "13/45"
    people[900] = ("", "Test", "p900@example.com", "09121234567", "IR", "Tehran")
    result = run(vendor_files.mailchimp(people=people, birthdays=birthdays))
    assert not result.ok and not Customer.objects.exists()
    assert [(e.row, e.column) for e in result.errors] == [(12, "email"), (502, "birthday"), (902, "first_name")]


def test_a_hubspot_export_saved_as_a_workbook():
    import csv

    from openpyxl import Workbook

    book = Workbook()
    for row in csv.reader(io.StringIO(vendor_files.hubspot(names=COUNTRY_NAMES_AR).decode()), delimiter=";"):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    result = run(buffer.getvalue(), name="hubspot-crm-exports-all-contacts.xlsx")
    assert result.ok, [str(e) for e in result.errors]
    assert result.preset.key == "hubspot"
    assert by_email()["fatima@example.sa"].country == "SA"
