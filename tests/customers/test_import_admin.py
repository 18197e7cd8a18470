import csv
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from customers.models import Customer
from tests.customers.factories import ConsentFactory, CustomerFactory

pytestmark = pytest.mark.django_db

IMPORT = "admin:customers_customer_import"
APPLY = "admin:customers_customer_import_apply"


def upload(text, name="customers.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_the_changelist_offers_import_and_export(admin_client):
    page = admin_client.get(reverse("admin:customers_customer_changelist")).content.decode()
    assert reverse(IMPORT) in page
    assert reverse("admin:customers_customer_export") in page


def test_preview_then_apply(admin_client):
    response = admin_client.post(
        reverse(IMPORT), {"file": upload("first_name,email\nNasrin,nasrin@example.com\n"), "on_duplicate": "update"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nasrin" in page and "1 new customers" in page
    assert not Customer.objects.exists()  # the preview changes nothing
    token = response.context["token"]
    response = admin_client.post(reverse(APPLY), {"token": token}, follow=True)
    assert Customer.objects.get().first_name == "Nasrin"
    assert "1 new customers" in response.content.decode()
    # the same preview cannot be applied twice
    response = admin_client.post(reverse(APPLY), {"token": token}, follow=True)
    assert "already imported" in response.content.decode()
    assert Customer.objects.count() == 1


def test_a_faulty_file_shows_each_row_and_column_and_offers_no_apply(admin_client):
    response = admin_client.post(
        reverse(IMPORT),
        {"file": upload("first_name,email\nGood,good@example.com\nBad,<script>@x\n"), "on_duplicate": "update"},
    )
    page = response.content.decode()
    assert response.context["token"] is None
    assert "<td>3</td><td>email</td>" in page
    assert "<script>" not in page  # the faulty value is escaped
    assert not Customer.objects.exists()


def test_a_tampered_token_is_refused(admin_client):
    response = admin_client.post(reverse(APPLY), {"token": "forged"}, follow=True)
    assert "not valid" in response.content.decode()


def test_staff_without_add_permission_cannot_import(client):
    from tests.factories import UserFactory

    user = UserFactory(is_staff=True)
    client.force_login(user)
    assert client.get(reverse(IMPORT)).status_code == 403


@override_settings(IMPORT_BACKGROUND_ROWS=2, CUSTOMER_IMPORT_PREVIEW_ROWS=1)
def test_a_big_file_is_previewed_on_a_sample_and_applied_by_a_job(
    admin_client, admin_user, django_capture_on_commit_callbacks
):
    admin_user.email = "marketer@example.com"
    admin_user.save()
    text = "first_name,email\n" + "".join(f"C{i},c{i}@example.com\n" for i in range(5))
    response = admin_client.post(reverse(IMPORT), {"file": upload(text), "on_duplicate": "update"})
    assert response.context["result"].truncated
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse(APPLY), {"token": response.context["token"]})
    assert Customer.objects.count() == 5
    assert mail.outbox[-1].to == ["marketer@example.com"]
    assert "5 new customers" in mail.outbox[-1].body


def test_export_escapes_formulas_and_round_trips(admin_client):
    evil = CustomerFactory(first_name='=HYPERLINK("http://evil")', last_name="@SUM(A1)", email="e@example.com")
    ConsentFactory(customer=evil, channel="email", granted=True)
    CustomerFactory(first_name="رضا", email="reza@example.com", phone="+989121234567")
    response = admin_client.get(reverse("admin:customers_customer_export"))
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    by_email = {r["email"]: r for r in rows}
    assert by_email["e@example.com"]["first_name"] == '\'=HYPERLINK("http://evil")'
    assert by_email["e@example.com"]["last_name"] == "'@SUM(A1)"
    assert by_email["e@example.com"]["consent_email"] == "yes"
    assert by_email["reza@example.com"]["phone"] == "'+989121234567"
    assert by_email["reza@example.com"]["first_name"] == "رضا"
    # importing the export back changes nobody's data
    response = admin_client.post(
        reverse(IMPORT), {"file": SimpleUploadedFile("export.csv", body.encode("utf-8")), "on_duplicate": "update"}
    )
    admin_client.post(reverse(APPLY), {"token": response.context["token"]})
    evil.refresh_from_db()
    assert evil.first_name == '=HYPERLINK("http://evil")'
    assert Customer.objects.get(email="reza@example.com").phone == "+989121234567"


def test_export_follows_the_changelist_filters(admin_client):
    CustomerFactory(email="ir@example.com", country="IR", persian=True)
    CustomerFactory(email="gb@example.com", country="GB")
    response = admin_client.get(reverse("admin:customers_customer_export"), {"q": "ir@example.com"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert "ir@example.com" in body and "gb@example.com" not in body
