"""The brand written in the admin is what customers see on every public page and e-mail, in their language."""

import io
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from campaigns.services.sending.layout import email_document
from emarketing.brand.models import Brand
from emarketing.brand.selectors import brand_forget_local
from emarketing.brand.services import brand_update
from tests.campaigns.factories import TopicFactory

pytestmark = pytest.mark.django_db

NAMES = {"en": "Saffron House", "fa": "خانه زعفران", "ar": ""}  # no Arabic name: Arabic readers see the English
ADDRESSES = {"en": "12 Valiasr Street", "fa": "خیابان ولیعصر ۱۲", "ar": "شارع ولي عصر ١٢"}


def _logo() -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (4, 4), "#8B1E3F").save(data, "PNG")
    return SimpleUploadedFile("logo.png", data.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.BRAND_NAME = ""
    settings.SITE_URL = "https://shop.example"
    settings.PUBLIC_FORM_RATE_LIMIT = 50


@pytest.fixture
def brand(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return brand_update(
            name=NAMES["en"],
            name_fa=NAMES["fa"],
            sender_name="Saffron Team",
            sender_name_fa="تیم زعفران",
            address=ADDRESSES["en"],
            address_fa=ADDRESSES["fa"],
            address_ar=ADDRESSES["ar"],
            footer="Fine saffron since 1998.",
            logo=_logo(),
            primary_colour="#8B1E3F",
            accent_colour="#E0A526",
        )


def _product_names(language):
    with translation.override(language):
        return {"E-marketing cycle", gettext("E-marketing cycle")}


@pytest.mark.parametrize("language", ["en", "fa", "ar"])
def test_public_pages_show_the_brand_in_the_reader_language(client, brand, language):
    from tests.customers.capture_forms import make_form

    TopicFactory(slug="tea")
    form = make_form()
    pages = (
        reverse("aftersales:contact"),
        reverse("campaigns:topic", args=["tea"]),
        reverse("aftersales:help"),
        reverse("aftersales:chat"),
        reverse("customers:form", args=[form.slug]),
    )
    for url in pages:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert (NAMES[language] or NAMES["en"]) in page, url
        assert ADDRESSES[language] in page, url
        assert not any(name in page for name in _product_names(language)), url


def test_the_logo_and_colours_reach_the_page_under_the_request_nonce(client, brand):
    response = client.get(reverse("aftersales:contact"))
    page = response.content.decode()
    assert f'src="https://shop.example/media/{brand.logo.name}"' in page
    style = re.search(r'<style nonce="([^"]+)">([^<]*)</style>', page)
    assert style is not None
    assert "--brand-primary: #8B1E3F" in style.group(2) and "--brand-accent: #E0A526" in style.group(2)
    assert f"'nonce-{style.group(1)}'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("language", ["en", "fa", "ar"])
def test_the_acknowledgement_mail_carries_the_brand_and_its_sender_name(
    client, brand, language, django_capture_on_commit_callbacks
):
    data = {"name": "Ali", "email": "ali@example.com", "subject": "Question", "message": "Do you ship to Shiraz?"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("aftersales:contact"), data, HTTP_ACCEPT_LANGUAGE=language)
    (sent,) = mail.outbox
    html = sent.alternatives[0][0]
    name = NAMES[language] or NAMES["en"]
    for part in (html, sent.body):
        assert name in part and ADDRESSES[language] in part
        assert not any(product in part for product in _product_names(language))
    assert "#8B1E3F" in html and "https://shop.example/media/brand/" in html
    sender = {"en": "Saffron Team", "fa": "تیم زعفران", "ar": "Saffron Team"}[language]
    assert sent.from_email.startswith(f"{sender} <")


@pytest.mark.parametrize("language", ["en", "fa", "ar"])
def test_campaign_mails_are_framed_in_the_brand(brand, language):
    html = email_document(body="<p>Hello</p>", language=language, footer="unsubscribe")
    assert (NAMES[language] or NAMES["en"]) in html and ADDRESSES[language] in html
    assert "#8B1E3F" in html.upper() and "https://shop.example/media/brand/" in html
    assert not any(product in html for product in _product_names(language))


def test_without_a_brand_the_product_name_is_shown(client):
    page = client.get(reverse("aftersales:contact"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "E-marketing cycle" in page


@pytest.mark.parametrize("colour", ["red", "#12345", "#12345G", "#1234567", "8B1E3F", "#8B1E3F;}body{x:y"])
def test_a_colour_other_than_rrggbb_is_refused(brand, colour):
    with pytest.raises(ValidationError):
        brand_update(primary_colour=colour)
    with pytest.raises(ValidationError):
        brand_update(accent_colour=colour)
    assert Brand.objects.get().primary_colour == "#8B1E3F"


def _brand_queries(captured):
    return [query for query in captured.captured_queries if "brand_brand" in query["sql"]]


def test_the_brand_is_read_at_most_once_then_from_the_cache(client, brand):
    from django.core.cache import cache

    TopicFactory(slug="tea")
    cache.clear()
    brand_forget_local()
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("aftersales:contact"))
    brand_forget_local()  # as another process would: it reads the shared cache, not the database
    with CaptureQueriesContext(connection) as second:
        client.get(reverse("aftersales:contact"))
        client.get(reverse("campaigns:topic", args=["tea"]))
    assert len(_brand_queries(first)) == 1
    assert _brand_queries(second) == []


def test_saving_the_brand_shows_the_new_name_at_once(client, brand, django_capture_on_commit_callbacks):
    assert "Saffron House" in client.get(reverse("aftersales:contact")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        brand_update(name="Tea Garden")
    page = client.get(reverse("aftersales:contact")).content.decode()
    assert "Tea Garden" in page and "Saffron House" not in page
    # Another process, once its own copy has lapsed, reads the new brand from the shared cache.
    brand_forget_local()
    with CaptureQueriesContext(connection) as other:
        page = client.get(reverse("aftersales:contact")).content.decode()
    assert "Tea Garden" in page and _brand_queries(other) == []


def test_the_admin_edits_the_one_brand(admin_client, brand, django_capture_on_commit_callbacks):
    assert admin_client.get(reverse("admin:brand_brand_add")).status_code == 403
    change = reverse("admin:brand_brand_change", args=[brand.pk])
    form = {
        "name": "Tea Garden",
        "name_fa": "",
        "name_ar": "حديقة الشاي",
        "primary_colour": "#00ff00",
        "accent_colour": "#000000",
    }
    assert admin_client.post(change, {**form, "primary_colour": "green"}).status_code == 200  # refused, shown again
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(change, form).status_code == 302
    assert Brand.objects.get().primary_colour == "#00ff00"


def test_without_a_brand_system_mail_keeps_the_configured_sender(client, settings, django_capture_on_commit_callbacks):
    settings.DEFAULT_FROM_EMAIL = "care@shop.example"
    data = {"name": "Ali", "email": "ali@example.com", "subject": "Question", "message": "Do you ship to Shiraz?"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("aftersales:contact"), data)
    assert mail.outbox[0].from_email == "care@shop.example"


def test_the_database_refuses_a_colour_written_past_the_form(brand):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Brand.objects.update(accent_colour="red;}")
    assert Brand.objects.get().accent_colour == "#E0A526"


SENDERS = {"en": "Saffron Team", "fa": "تیم زعفران", "ar": "Saffron Team"}  # no Arabic sender name: the English


@pytest.mark.parametrize("language", ["en", "fa", "ar"])
def test_the_capture_form_confirmation_comes_from_the_brand_sender_name(
    client, settings, brand, language, django_capture_on_commit_callbacks
):
    from tests.customers.capture_forms import prepared_form, send

    form = prepared_form(settings)
    send(client, form, language, capture=django_capture_on_commit_callbacks, consent_email="on")
    (sent,) = mail.outbox
    assert sent.from_email.startswith(f"{SENDERS[language]} <")


@pytest.mark.parametrize("language", ["en", "fa", "ar"])
def test_the_sign_in_link_comes_from_the_brand_sender_name(brand, language, django_capture_on_commit_callbacks):
    from aftersales.services.account import account_link_send
    from tests.customers.factories import CustomerFactory

    CustomerFactory(email="sara@example.com", preferred_language=language)
    with django_capture_on_commit_callbacks(execute=True):
        assert account_link_send(email="sara@example.com")
    (sent,) = mail.outbox
    assert sent.from_email.startswith(f"{SENDERS[language]} <")
