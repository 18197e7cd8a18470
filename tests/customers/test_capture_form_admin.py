"""Capture forms in the admin: built from the allowed fields and channels, with texts and wordings per language, a
preview of the page and the snippet to paste in the shop."""

import pytest
from django.urls import reverse

from customers.models import CaptureForm

pytestmark = pytest.mark.django_db


def _inline(prefix, rows):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for n, row in enumerate(rows):
        data.update({f"{prefix}-{n}-{key}": value for key, value in row.items()})
    return data


def test_a_marketer_builds_a_form_and_gets_its_preview_and_snippet(admin_client, settings):
    settings.SITE_URL = "https://marketing.example.com"
    data = {
        "name": "Newsletter",
        "slug": "newsletter",
        "active": "on",
        "fields": ["last_name", "topics"],
        "channels": ["email", "sms"],
        "double_opt_in": "on",
        **_inline("texts", [{"language": "fa", "title": "خبرنامه"}, {"language": "en", "title": "Newsletter"}]),
        **_inline("wordings", [{"language": "fa", "channel": "email", "text": "بله، ایمیل بفرستید."}]),
    }

    response = admin_client.post(reverse("admin:customers_captureform_add"), data)

    assert response.status_code == 302
    form = CaptureForm.objects.get()
    assert (form.fields, form.channels, form.double_opt_in) == (["last_name", "topics"], ["email", "sms"], True)
    assert form.texts.count() == 2 and form.wordings.get().text == "بله، ایمیل بفرستید."
    page = admin_client.get(reverse("admin:customers_captureform_change", args=[form.pk])).content.decode()
    assert '<iframe src="/f/newsletter/?embed=1"' in page
    assert (
        "&lt;script src=&quot;https://marketing.example.com/static/js/emk-form.js&quot; "
        "data-form=&quot;newsletter&quot; async&gt;&lt;/script&gt;" in page
    )
    assert "https://marketing.example.com/f/newsletter/?embed=1" in page


def test_only_allowed_fields_are_offered(admin_client):
    data = {"name": "Bad", "slug": "bad", "fields": ["notes"], "channels": ["email"], **_inline("texts", [])}
    data.update(_inline("wordings", []))

    response = admin_client.post(reverse("admin:customers_captureform_add"), data)

    assert response.status_code == 200 and not CaptureForm.objects.exists()
