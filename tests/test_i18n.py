"""Persian and Arabic throughout: complete catalogues, right-to-left pages, local digits in forms, Jalali dates."""

import datetime as dt
import gettext
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from emarketing.admin_tools import spelling_variants
from emarketing.digits import localize_digits, normalize_digits, to_ascii_digits, to_script_digits

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ["fa", "ar"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{\w*\}")


def _unquote(text):
    return text[text.index('"') + 1 : text.rindex('"')].encode("raw_unicode_escape").decode("unicode_escape")


def po_entries(language):
    """The entries of a .po file: dicts with flags, msgctxt, msgid, msgid_plural and msgstr (a list of forms)."""
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in re.split(r"\n\s*\n", text):
        entry, current = {"flags": set(), "msgstr": {}}, None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry = None  # an obsolete entry: not part of the catalogue
                break
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                if current is not None:
                    entry_key, index = current
                    if index is None:
                        entry[entry_key] += _unquote(line)
                    else:
                        entry["msgstr"][index] += _unquote(line)
            else:
                keyword = line.split(" ", 1)[0]
                match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                if match:
                    current = ("msgstr", int(match.group(1)))
                    entry["msgstr"][current[1]] = _unquote(line)
                elif keyword == "msgstr":
                    current = ("msgstr", 0)
                    entry["msgstr"][0] = _unquote(line)
                elif keyword in ("msgid", "msgid_plural", "msgctxt"):
                    current = (keyword, None)
                    entry[keyword] = _unquote(line)
        if entry and entry.get("msgid"):
            entries.append(entry)
    return entries


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    entries = po_entries(language)
    assert len(entries) > 500
    untranslated = [e["msgid"] for e in entries if not all(form.strip() for form in e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language, forms_count", [("fa", 2), ("ar", 6)])
def test_plural_messages_have_every_form_of_the_language(language, forms_count):
    plurals = [e for e in po_entries(language) if "msgid_plural" in e]
    assert plurals
    assert all(sorted(e["msgstr"]) == list(range(forms_count)) for e in plurals)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_named_placeholders(language):
    for entry in po_entries(language):
        if "python-format" not in entry["flags"] or "msgid_plural" in entry:
            continue
        expected = sorted(set(re.findall(r"%\((\w+)\)", entry["msgid"])))
        assert sorted(set(re.findall(r"%\((\w+)\)", entry["msgstr"][0]))) == expected, entry["msgid"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_up_to_date(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with open(folder / "django.mo", "rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    for entry in po_entries(language):
        msgid = entry["msgid"] if "msgctxt" not in entry else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if "msgid_plural" in entry:
            assert catalogue._catalog.get((msgid, 1)) == entry["msgstr"][1], entry["msgid"]
        else:
            assert catalogue._catalog.get(msgid) == entry["msgstr"][0], entry["msgid"]


def test_the_stage_names_use_the_domain_terms():
    with translation.override("fa"):
        assert translation.gettext("Preparation") == "تهیه و تدارک"
        assert translation.gettext("After-sales") == "خدمات پس از فروش"
        assert translation.gettext("Most valuable") == "با ارزش‌ترین"
    with translation.override("ar"):
        assert translation.gettext("Transfer") == "التحويل"
        assert translation.gettext("Desire") == "رغبة"
        assert translation.ngettext("%d order shipped.", "%d orders shipped.", 2) == "شُحن طلبان (%d)."


# Pages in Persian and Arabic


@pytest.mark.django_db
def test_the_admin_reads_right_to_left_in_persian(admin_client):
    response = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="fa")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in page
    assert "تهیه و تدارک" in page  # the Preparation stage
    assert "خدمات پس از فروش" in page  # the After-sales stage


@pytest.mark.django_db
def test_the_contact_page_reads_right_to_left_in_persian_and_arabic(client):
    response = client.get(reverse("aftersales:contact"), HTTP_ACCEPT_LANGUAGE="fa")
    page = response.content.decode()
    assert 'dir="rtl"' in page and 'lang="fa"' in page
    assert "تماس با ما" in page and "نشانی ایمیل شما" in page

    response = client.get(reverse("aftersales:contact"), HTTP_ACCEPT_LANGUAGE="ar")
    page = response.content.decode()
    assert 'dir="rtl"' in page and "اتصل بنا" in page


@pytest.mark.django_db
def test_the_contact_page_stays_left_to_right_in_english(client):
    page = client.get(reverse("aftersales:contact"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'dir="ltr"' in page and "Contact us" in page


# Digits typed in Persian and Arabic-Indic


def test_normalize_digits_turns_persian_and_arabic_indic_digits_into_ascii():
    assert normalize_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert normalize_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert normalize_digits("١٬٢٣٤٫٥") == "1,234.5"
    assert normalize_digits("abc 42") == "abc 42"
    assert normalize_digits(None) is None
    assert localize_digits("2026/03", "fa") == "۲۰۲۶/۰۳"
    assert localize_digits("2026/03", "ar") == "٢٠٢٦/٠٣"
    assert localize_digits("2026/03", "en") == "2026/03"
    assert localize_digits("12.50 of 1.", "fa") == "۱۲٫۵۰ of ۱."


PERSIAN_DIGITS = [chr(code) for code in range(0x06F0, 0x06FA)]
ARABIC_INDIC_DIGITS = [chr(code) for code in range(0x0660, 0x066A)]


@pytest.mark.parametrize("digit", PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, ids=lambda d: unicodedata.name(d))
def test_every_persian_and_arabic_indic_digit_reads_as_its_ascii_digit(digit):
    # The expected value comes from Unicode itself, so a drifted copy of the digit table fails here.
    ascii_digit = str(unicodedata.digit(digit))
    persian, arabic = PERSIAN_DIGITS[int(ascii_digit)], ARABIC_INDIC_DIGITS[int(ascii_digit)]
    assert to_ascii_digits(f"a{digit}b") == f"a{ascii_digit}b"
    assert normalize_digits(digit) == ascii_digit
    assert to_script_digits(digit, "fa") == persian
    assert to_script_digits(digit, "ar") == arabic
    # The admin's search finds a number typed in either script, or in ASCII digits.
    assert {ascii_digit, persian, arabic} <= set(spelling_variants(digit))


class _EverythingForm(forms.Form):
    count = forms.IntegerField()
    amount = forms.DecimalField(max_digits=10, decimal_places=2)
    ratio = forms.FloatField()
    day = forms.DateField()
    moment = forms.DateTimeField()
    hour = forms.TimeField()
    note = forms.CharField()


def test_every_form_reads_numbers_dates_and_times_in_persian_and_arabic_digits():
    form = _EverythingForm(
        {
            "count": "۴۲",
            "amount": "١٬٢٣٤٫٥٠",
            "ratio": "۰٫۲۵",
            "day": "۲۰۲۶-۰۳-۲۱",
            "moment": "٢٠٢٦-٠٣-٢١ ١٤:٠٥",
            "hour": "۰۹:۳۰",
            "note": "پلاک ۱۲",
        }
    )
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert data["count"] == 42
    assert data["amount"] == Decimal("1234.50")
    assert data["ratio"] == 0.25
    assert data["day"] == dt.date(2026, 3, 21)
    assert (data["moment"].date(), data["moment"].hour, data["moment"].minute) == (dt.date(2026, 3, 21), 14, 5)
    assert data["hour"] == dt.time(9, 30)
    assert data["note"] == "پلاک ۱۲"  # free text keeps the digits the customer wrote


def test_a_wrong_number_in_persian_digits_is_still_refused():
    form = _EverythingForm(
        {"count": "۴۲x", "amount": "1", "ratio": "1", "day": "2026-01-01", "moment": "2026-01-01 00:00"}
    )
    assert not form.is_valid()
    assert "count" in form.errors


@pytest.mark.django_db
def test_an_admin_form_accepts_persian_and_arabic_indic_digits(admin_client):
    from aftersales.models import SurveyResponse
    from orders.models import Product
    from tests.customers.factories import CustomerFactory

    customer = CustomerFactory()
    response = admin_client.post(
        reverse("admin:aftersales_surveyresponse_add"),
        {"customer": customer.pk, "csat": "٤", "nps": "۹", "comment": "", "product_opinion": ""},
    )
    assert response.status_code == 302
    assert (SurveyResponse.objects.get().csat, SurveyResponse.objects.get().nps) == (4, 9)

    response = admin_client.post(
        reverse("admin:orders_product_add"),
        {
            "sku": "TEA-1",
            "name": "Tea",
            "category": "",
            "price": "۱۲۰٫۵۰",
            "currency": "IRR",
            "launched_on": "٢٠٢٦-٠٣-٢١",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    product = Product.objects.get(sku="TEA-1")
    assert (product.price, product.launched_on) == (Decimal("120.50"), dt.date(2026, 3, 21))


@pytest.mark.django_db
def test_the_admin_date_inputs_still_accept_gregorian_iso_dates_in_persian(admin_client):
    from orders.models import Product

    response = admin_client.post(
        reverse("admin:orders_product_add"),
        {"sku": "TEA-2", "name": "Tea", "price": "10", "currency": "IRR", "launched_on": "2026-03-21"},
        HTTP_ACCEPT_LANGUAGE="fa",
    )
    assert response.status_code == 302
    assert Product.objects.get(sku="TEA-2").launched_on == dt.date(2026, 3, 21)


@pytest.mark.django_db
def test_the_public_survey_speaks_the_customers_persian_keeps_the_order_number_and_accepts_local_digits(
    client, settings
):
    from aftersales import services
    from aftersales.models import SurveyResponse
    from aftersales.services.surveys import survey_token
    from orders import services as orders
    from tests.orders.factories import OrderLineFactory

    settings.PUBLIC_FORM_RATE_LIMIT = 20
    cache.clear()
    order = OrderLineFactory(order__number="EM-2046", order__customer__preferred_language="fa").order
    orders.order_confirm(order=order)
    orders.order_ship(order=order)
    orders.order_deliver(order=order)
    url = reverse("aftersales:survey", args=[survey_token(services.survey_invitation_create(order=order))])

    # The customer's browser speaks English; the survey speaks the customer's Persian.
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'dir="rtl"' in page
    # The order number is an identifier: its digits as written, isolated left to right.
    assert 'سفارش <bdi dir="ltr">EM-2046</bdi> شما چطور بود؟' in page
    assert "۲۰۴۶" not in page

    response = client.post(url, {"csat": "۴", "nps": "١٠", "comment": "", "product_opinion": ""})
    assert response.status_code == 200
    assert (SurveyResponse.objects.get().csat, SurveyResponse.objects.get().nps) == (4, 10)


# Solar Hijri dates and local digits on display


def render(source, **context):
    return Template("{% load l10n_extras %}" + source).render(Context(context))


def test_jdate_shows_the_solar_hijri_date_in_persian():
    nowruz = dt.date(2026, 3, 21)
    with translation.override("fa"):
        assert render("{{ d|jdate }}", d=nowruz) == "۱۴۰۵/۰۱/۰۱"
        assert render('{{ d|jdate:"DATE_FORMAT" }}', d=nowruz) == "۱ فروردین ۱۴۰۵"
        assert render("{{ d|jdate }}", d=dt.date(2026, 3, 20)) == "۱۴۰۴/۱۲/۲۹"
        moment = dt.datetime(2026, 3, 21, 9, 5, tzinfo=dt.UTC)
        assert render('{{ m|jdate:"Y/m/d H:i" }}', m=moment) == "۱۴۰۵/۰۱/۰۱ ۰۹:۰۵"


def test_jdate_keeps_the_gregorian_calendar_in_english_and_arabic():
    nowruz = dt.date(2026, 3, 21)
    with translation.override("en"):
        assert render('{{ d|jdate:"Y-m-d" }}', d=nowruz) == "2026-03-21"
    with translation.override("ar"):
        assert render('{{ d|jdate:"Y-m-d" }}', d=nowruz) == "٢٠٢٦-٠٣-٢١"
    assert render("{{ d|jdate }}", d=None) == ""


def test_local_digits_writes_the_readers_digits():
    with translation.override("fa"):
        assert render("{{ n|local_digits }}", n=1405) == "۱۴۰۵"
    with translation.override("ar"):
        assert render("{{ n|local_digits }}", n="12.5") == "١٢٫٥"
    with translation.override("en"):
        assert render("{{ n|local_digits }}", n=1405) == "1405"


# Identifiers keep their digits


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_identifiers_codes_and_addresses_keep_their_digits_and_numbers_take_the_readers(language):
    for written in ("ORD-20261202-09577BDE", "24-hour", "#42", "a1@example.com", "https://example.com/p/12"):
        assert localize_digits(written, language) == written
    local = {"fa": "۲۴", "ar": "٢٤"}[language]
    assert localize_digits("24-hour contact line, 24 hours", language) == f"24-hour contact line, {local} hours"
    assert localize_digits("Order ORD-7 in 24 hours", language) == f"Order ORD-7 in {local} hours"


@pytest.mark.django_db
def test_the_scoreboard_isolates_free_text_so_it_does_not_reorder(admin_client):
    from tests.cycle.factories import ObjectiveFactory

    objective = ObjectiveFactory(strategy="24-hour contact line")
    url = reverse("admin:cycle_marketingplan_change", args=[objective.plan_id])
    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert '<td dir="auto">24-hour contact line</td>' in page
