"""The column mapping in the import preview: shown, changed, saved as a preset and recognised next time."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.models import Customer, ImportPreset, Occasion
from tests.customers import vendor_files

pytestmark = pytest.mark.django_db

IMPORT = "admin:customers_customer_import"
CHECK = "admin:customers_customer_import_check"
APPLY = "admin:customers_customer_import_apply"
UNKNOWN = "Vorname;E-Mail-Adresse;Geburtstag;Kundennummer\nAnna;anna@example.com;03/04/1990;K-1\n"


def upload(client, text, name="kunden.csv"):
    data = {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv"), "on_duplicate": "update"}
    return client.post(reverse(IMPORT), data)


def mapping_post(response, **choices):
    form = response.context["mapping_form"]
    data = {"upload": response.context["upload"], "applied_preset": response.context["applied_preset"]}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    data.update(choices)
    return data


def test_unknown_columns_are_listed_and_can_be_mapped_by_hand(admin_client):
    response = upload(admin_client, UNKNOWN)
    assert response.context["token"] is None  # no first name column: refused, with a message
    assert "No column is read as the first name" in response.content.decode()
    page = response.content.decode()
    for header in ("Vorname", "E-Mail-Adresse", "Geburtstag", "Kundennummer"):
        assert header in page

    response = admin_client.post(
        reverse(CHECK),
        mapping_post(
            response,
            col_0="first_name",
            col_1="email",
            col_2="birthday",
            col_3="external_id",
            fmt_birthday="dmy",
            save_as="Our old CRM",
        ),
    )
    assert response.context["result"].ok, response.context["result"].errors
    assert response.context["result"].date_formats == {"birthday": "dmy"}
    assert ImportPreset.objects.get().name == "Our old CRM"
    admin_client.post(reverse(APPLY), {"token": response.context["token"]})
    anna = Customer.objects.get()
    assert (anna.first_name, anna.email, anna.external_id) == ("Anna", "anna@example.com", "K-1")
    assert (Occasion.objects.get().month, Occasion.objects.get().day) == (4, 3)  # day/month, as chosen

    # The next file with the same columns is mapped by the saved preset at once.
    response = upload(admin_client, UNKNOWN.replace("Anna;anna", "Ben;ben").replace("K-1", "K-2"))
    assert response.context["result"].preset.name == "Our old CRM"
    assert response.context["token"] is not None


def test_an_ambiguous_date_column_is_flagged_and_read_as_chosen(admin_client):
    text = "first_name,email,birthday\nAli,ali@example.com,03/04/1990\nSara,sara@example.com,05/06/1991\n"
    response = upload(admin_client, text)
    result = response.context["result"]
    assert result.ambiguous_dates == ["birthday"] and result.date_formats["birthday"] == "dmy"
    assert "read both as day/month and as month/day" in response.content.decode()
    response = admin_client.post(reverse(CHECK), mapping_post(response, fmt_birthday="mdy"))
    admin_client.post(reverse(APPLY), {"token": response.context["token"]})
    assert {(o.month, o.day) for o in Occasion.objects.all()} == {(3, 4), (5, 6)}


def test_a_preset_picked_in_the_preview_maps_the_columns(admin_client):
    response = upload(admin_client, vendor_files.shopify().decode())
    assert response.context["applied_preset"] == "shopify"
    page = response.content.decode()
    assert "Recognised layout: Shopify customers export" in page


def test_a_mapping_that_chooses_a_field_twice_is_refused_with_a_message(admin_client):
    response = upload(admin_client, "first_name,email,mail2\nAli,ali@example.com,x@example.com\n")
    response = admin_client.post(reverse(CHECK), mapping_post(response, col_2="email"))
    assert response.context["token"] is None
    assert "is chosen for two columns" in response.content.decode()
    assert not Customer.objects.exists()


def test_a_forged_upload_token_is_refused(admin_client):
    response = admin_client.post(reverse(CHECK), {"upload": "forged"}, follow=True)
    assert "has expired or is not valid" in response.content.decode()
