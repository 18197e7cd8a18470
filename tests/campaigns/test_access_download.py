"""Right of access from the preference centre: "Download my data" as JSON or CSV, with the e-mails' signed link."""

import io
import json
import re
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from campaigns import tokens
from tests.customers.access_data import SECTIONS, customer_with_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine():
    return customer_with_everything("tag-aaa", persian=True, first_name="زهرا")


@pytest.fixture
def theirs():
    return customer_with_everything("tag-bbb")


def _token(customer):
    return tokens.preferences_token(customer_id=customer.pk)


def _download_url(customer):
    return reverse("campaigns:personal_data", args=[_token(customer)])


def _body(response):
    return b"".join(response.streaming_content)


def test_the_preference_centre_offers_the_download_right_to_left_for_a_persian_reader(client, mine):
    page = client.get(reverse("campaigns:preferences", args=[_token(mine)])).content.decode()

    assert 'dir="rtl"' in page and 'id="my-data"' in page
    form = re.search(
        r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', page[page.index('id="my-data"') :], re.S
    )
    assert form.group(1) == _download_url(mine)
    assert 'name="csrfmiddlewaretoken"' in form.group(2)
    assert 'name="format" value="json"' in form.group(2) and 'name="format" value="csv"' in form.group(2)


def test_json_download_is_the_customers_data_as_a_private_attachment(client, mine, theirs):
    response = client.post(_download_url(mine), {"format": "json"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="personal-data-\d+-\d{8}-\d{4}\.json"', disposition)
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    body = _body(response)
    document = json.loads(body)
    assert list(document["sections"]) == SECTIONS
    assert document["sections"]["profile"]["rows"][0]["first_name"] == "زهرا"
    assert b"tag-aaa" in body and b"tag-bbb" not in body and theirs.email.encode() not in body


def test_csv_download_is_a_zip_of_spreadsheets(client, mine, theirs):
    response = client.post(_download_url(mine), {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].endswith('.zip"')
    with zipfile.ZipFile(io.BytesIO(_body(response))) as archive:
        assert len(archive.namelist()) == len(SECTIONS)
        profile = archive.read("01-profile.csv").decode("utf-8-sig")
        everything = b"".join(archive.read(name) for name in archive.namelist())
    assert "زهرا" in profile
    assert b"tag-bbb" not in everything


def test_a_get_downloads_nothing(client, mine):
    response = client.get(_download_url(mine), {"format": "json"})

    assert response.status_code == 405
    assert b"tag-aaa" not in response.content


def test_a_tampered_or_unknown_link_downloads_nothing(client, mine):
    forged = f"{mine.pk + 1}:{_token(mine).split(':')[1]}"
    response = client.post(reverse("campaigns:personal_data", args=[forged]), {"format": "json"})
    assert response.status_code == 400
    assert response.content.decode() == "This link is not valid."

    ghost = tokens.preferences_token(customer_id=mine.pk + 1000)
    assert client.post(reverse("campaigns:personal_data", args=[ghost]), {"format": "json"}).status_code == 404


def test_the_download_needs_the_pages_csrf_token(mine):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(_download_url(mine), {"format": "json"})
    assert response.status_code == 403
    assert b"tag-aaa" not in response.content


def test_an_unknown_format_is_refused_with_a_message(client, mine):
    response = client.post(_download_url(mine), {"format": "xml"})
    assert response.status_code == 400
    assert response.content.decode() == "Choose JSON or CSV."


def test_downloads_are_rate_limited_per_client(client, mine, settings):
    settings.CAMPAIGNS_FORM_RATE_LIMIT = 2
    assert client.post(_download_url(mine), {"format": "json"}).status_code == 200
    assert client.post(_download_url(mine), {"format": "csv"}).status_code == 200
    refused = client.post(_download_url(mine), {"format": "json"})
    assert refused.status_code == 429
    assert b"tag-aaa" not in refused.content
