"""The creative editor and the responsive frame: what a marketer writes in the editor reaches the customer in an
MJML-made e-mail, right to left in Persian and Arabic, its template filled, cleaned, within the sandbox; the
previews are documents of their own while the rest of the admin keeps its strict policy."""

import html
import json
import re

import pytest
from django.core import mail
from django.urls import reverse

from campaigns.models import Creative
from campaigns.services.sending import creative_preview, customer_urls
from campaigns.services.sending import layout as layout_module
from campaigns.templating import PERSONALISATION_FIELDS, check_template
from tests.campaigns.factories import CreativeFactory
from tests.customers.factories import CustomerFactory

EDITOR_HTML = (
    '<p dir="rtl">سلام {{ customer.first_name }}، فروش بهاره شروع شد.</p>'
    '<p><a href="{{ unsubscribe_url }}">لغو اشتراک</a></p>'
)


@pytest.fixture
def persian(db, settings):
    settings.BRAND_NAME = "فروشگاه زعفران"
    creative = CreativeFactory(
        language="fa", subject="نوروز", preheader="تخفیف {{ customer.first_name }}", html_body=EDITOR_HTML
    )
    customer = CustomerFactory(persian=True, first_name="زهرا")
    return creative, customer


def _body(document):
    return document.split("<body", 1)[1]


def test_a_persian_creative_goes_out_right_to_left_in_the_responsive_frame(persian):
    creative, customer = persian

    document = creative_preview(creative=creative, customer=customer).html

    assert re.search(r'<html lang="fa" dir="rtl"', document)
    assert "@media only screen and (min-width:480px)" in document  # columns stack on a phone
    assert "فروشگاه زعفران" in _body(document)  # the brand's header
    hidden = _body(document).split(">", 1)[1]
    assert hidden.startswith('<div style="display:none;')
    assert "تخفیف زهرا" in hidden.split("</div>", 1)[0]  # the preheader, first and hidden
    assert "text-align:right" in document
    assert "fonts.googleapis" not in document  # no font fetched from elsewhere


def test_an_english_creative_goes_out_left_to_right(db):
    creative = CreativeFactory(language="en", html_body="<p>Hello {{ customer.first_name }}</p>")

    document = creative_preview(creative=creative, customer=CustomerFactory(first_name="Ann")).html

    assert '<html lang="en" dir="ltr"' in document
    assert "Hello Ann" in document
    assert "text-align:left" in document


def test_the_template_written_in_the_editor_is_filled_for_the_customer(persian):
    creative, customer = persian

    document = creative_preview(creative=creative, customer=customer).html

    assert "سلام زهرا، فروش بهاره شروع شد." in document
    assert f'href="{customer_urls(customer.pk)["unsubscribe_url"]}"' in document
    assert "{{" not in document and "%7B" not in document
    # The footer's own links are there as well.
    assert customer_urls(customer.pk)["preferences_url"] in document


def test_the_cleaner_still_cleans_the_body_inside_the_frame(persian):
    creative, customer = persian
    Creative.objects.filter(pk=creative.pk).update(
        html_body=(
            '<p class="promo" onclick="steal()">سلام</p><style>p { display: none }</style><iframe src="x"></iframe>'
        )
    )
    creative.refresh_from_db()

    document = creative_preview(creative=creative, customer=customer).html

    assert "سلام" in document
    assert "onclick" not in document and "steal" not in document
    assert 'class="promo"' not in document
    assert "display: none }" not in document and "<iframe" not in document


def test_the_frame_is_compiled_once_for_many_messages(persian, monkeypatch):
    creative, customer = persian
    calls = []
    to_html = layout_module.mrml.to_html
    monkeypatch.setattr(layout_module.mrml, "to_html", lambda *a, **k: calls.append(1) or to_html(*a, **k))
    layout_module._frame.cache_clear()

    for _ in range(5):
        creative_preview(creative=creative, customer=customer)

    assert len(calls) == 1


@pytest.mark.parametrize(("expression", "label", "link"), PERSONALISATION_FIELDS)
def test_every_field_of_the_personalise_menu_passes_the_sandbox(expression, label, link):
    inserted = f'<a href="{{{{ {expression} }}}}">{label}</a>' if link else f"<p>{{{{ {expression} }}}}</p>"
    assert check_template(inserted, html=True) == []


def _editor_config(page):
    """The editor's configuration and its menu's fields, from the one editor on the page."""
    conf = json.loads(html.unescape(re.search(r'data-mce-conf="([^"]*)"', page).group(1)))
    fields = json.loads(html.unescape(re.search(r'data-personalisation="([^"]*)"', page).group(1)))
    return conf, fields


def test_the_editor_writes_in_the_creative_direction_with_the_admin_language(admin_client, persian):
    creative, _customer = persian
    url = reverse("admin:campaigns_creative_change", args=[creative.pk])

    admin_client.cookies["django_language"] = "fa"  # the marketer reads the admin in Persian
    page = admin_client.get(url).content.decode()
    conf, fields = _editor_config(page)
    assert conf["directionality"] == "rtl"
    assert conf["language"] == "fa"
    assert conf["convert_urls"] is False  # {{ unsubscribe_url }} stays as written in a link
    assert "directionality" in conf["plugins"] and "personalise" in conf["toolbar"]
    assert [f["expression"] for f in fields] == [f[0] for f in PERSONALISATION_FIELDS]
    assert "tinymce/tinymce.min.js" in page and "js/creative_editor.js" in page

    del admin_client.cookies["django_language"]
    english = CreativeFactory(language="en", campaign=creative.campaign)
    conf, _fields = _editor_config(
        admin_client.get(reverse("admin:campaigns_creative_change", args=[english.pk])).content.decode()
    )
    assert conf["directionality"] == "ltr"
    assert "language" not in conf  # TinyMCE's own English


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        ("<p>{% load static %}{% static 'x' %}</p>", "does not parse"),
        ('<p>{% include "admin/base.html" %}</p>', "not allowed"),
        ("<p>{{ settings.SECRET_KEY }}</p>", "Unknown variable"),
        ("<p>{{ customer.email }}</p>", "not available"),
        ("<p>{% debug %}</p>", "not allowed"),
        ("<p>hi</p><script>alert(1)</script>", "is not allowed"),
        ('<p onmouseover="alert(1)">hi</p>', "event handlers"),
    ],
)
def test_what_the_editor_sends_cannot_leave_the_sandbox(admin_client, persian, body, refusal):
    creative, _customer = persian
    url = reverse("admin:campaigns_creative_change", args=[creative.pk])

    response = admin_client.post(
        url,
        {
            "campaign": creative.campaign_id,
            "kind": "email",
            "language": "fa",
            "name": creative.name,
            "subject": creative.subject,
            "preheader": "",
            "html_body": body,
            "text_body": "",
            "created_at_0": "2026-12-01",
            "created_at_1": "10:00:00",
        },
    )

    assert response.status_code == 200
    assert refusal in response.content.decode()
    creative.refresh_from_db()
    assert creative.html_body == EDITOR_HTML


def test_the_previews_are_side_by_side_documents_of_their_own(admin_client, persian):
    creative, customer = persian
    url = reverse("admin:campaigns_creative_change", args=[creative.pk])

    response = admin_client.get(url, {"customer": customer.pk})
    page = response.content.decode()
    frames = re.findall(r'<iframe[^>]*sandbox=""[^>]*src="([^"]*)"[^>]*width="(\d+)"', page)
    assert [width for _src, width in frames] == ["600", "375"]
    # The change page keeps the admin's policy: framed by no one, no inline style element without the nonce.
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert re.search(r"style-src [^;]*'unsafe-inline'", policy.replace("style-src-attr", "")) is None

    document = admin_client.get(frames[0][0].replace("&amp;", "&"))
    assert "سلام زهرا" in document.content.decode()
    policy = document["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy
    assert "sandbox" in policy
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert "unsafe-eval" not in policy
    assert document["X-Frame-Options"] == "SAMEORIGIN"
    assert not mail.outbox


def test_a_banner_has_no_previews(admin_client, db):
    banner = CreativeFactory(kind="banner", html_body="")
    page = admin_client.get(reverse("admin:campaigns_creative_change", args=[banner.pk])).content.decode()
    assert "creative-previews" not in page
