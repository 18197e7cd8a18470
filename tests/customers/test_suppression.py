"""The suppression list: per address (by hash), kept after an erasure, editable and importable in the admin, and
honoured by customers created or imported later."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Consent, ConsentEvent, Customer, SuppressedAddress, address_hash
from customers.selectors import suppressed_among
from customers.services import customer_get_or_create, customers_create_buyers, customers_import
from customers.services.profiles_create import NewBuyer
from customers.services.suppression import (
    suppression_add,
    suppression_forget_address,
    suppression_import,
    suppression_remove,
)
from tests.customers.factories import ConsentFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_an_address_is_listed_once_and_its_customer_is_flagged():
    customer = CustomerFactory(email="Reza.Ahmadi@Example.com")

    assert suppression_add(address=" reza.ahmadi@EXAMPLE.com ", reason="hard_bounce") is True
    assert suppression_add(address="Reza.Ahmadi@example.com", reason="manual") is False

    entry = SuppressedAddress.objects.get()
    assert entry.reason == "hard_bounce" and entry.address == "reza.ahmadi@example.com"
    assert entry.address_hash == address_hash("REZA.AHMADI@example.com")
    customer.refresh_from_db()
    assert customer.suppressed
    assert not ConsentEvent.objects.exists()  # a bounce withdraws no consent


def test_a_complaint_withdraws_consent_even_for_an_address_already_listed():
    customer = CustomerFactory(email="zahra@example.com")
    ConsentFactory(customer=customer)
    suppression_add(address="zahra@example.com", reason="hard_bounce")

    suppression_add(address="zahra@example.com", reason="complaint", note="Feedback loop")

    assert not Consent.objects.get(customer=customer, channel="email").granted
    event = ConsentEvent.objects.get(customer=customer, granted=False)
    assert (event.source, event.note) == ("complaint", "Feedback loop")


def test_the_list_is_found_in_one_query_by_hash_and_answers_the_addresses_as_given():
    suppression_add(address="gone@example.com", reason="hard_bounce")
    suppression_add(address="زهرا@مثال.ایران", reason="complaint")
    given = ["GONE@example.com", "ok@example.com", "زهرا@مثال.ایران", "", "not an address"]

    with CaptureQueriesContext(connection) as queries:
        found = suppressed_among(given)

    assert found == {"GONE@example.com", "زهرا@مثال.ایران"}
    assert len(queries) == 1


def test_removal_clears_the_flag_the_list_set_but_not_one_set_for_another_reason(admin_user):
    flagged_by_list = CustomerFactory(email="a@example.com")
    legal_request = CustomerFactory(email="b@example.com", suppressed=True)
    suppression_add(address="a@example.com", reason="manual")
    suppression_add(address="b@example.com", reason="manual")

    assert suppression_remove(address="A@example.com", by=admin_user) is True
    assert suppression_remove(address="b@example.com", by=admin_user) is True
    assert suppression_remove(address="b@example.com", by=admin_user) is False

    flagged_by_list.refresh_from_db()
    legal_request.refresh_from_db()
    assert not flagged_by_list.suppressed and legal_request.suppressed
    assert not SuppressedAddress.objects.exists()


def test_an_erased_address_keeps_its_hash_and_a_customer_created_again_starts_suppressed():
    suppression_add(address="erased@example.com", reason="complaint")
    assert suppression_forget_address(address="erased@example.com")
    suppression_add(address="left@example.com", reason="erasure")

    assert set(SuppressedAddress.objects.values_list("address", flat=True)) == {""}
    customer, created = customer_get_or_create(email="Erased@example.com", first_name="Sara")
    assert created and customer.suppressed
    other, _created = customer_get_or_create(email="left@example.com", first_name="Ali")
    fresh, _created = customer_get_or_create(email="new@example.com", first_name="Mina")
    assert other.suppressed and not fresh.suppressed


def test_buyers_and_imported_customers_with_a_listed_address_start_suppressed():
    suppression_add(address="listed@example.com", reason="hard_bounce")
    suppression_add(address="imported@example.com", reason="complaint")

    ids = customers_create_buyers(
        buyers=[NewBuyer(first_name="A", email="listed@example.com"), NewBuyer(first_name="B", email="b@example.com")]
    )
    csv = "first_name,email\nSara,imported@example.com\nAli,ali@example.com\n"
    result = customers_import(stream=io.BytesIO(csv.encode()), name="customers.csv")

    assert result.ok, result.errors
    assert dict(Customer.objects.filter(pk__in=ids).values_list("email", "suppressed")) == {
        "listed@example.com": True,
        "b@example.com": False,
    }
    assert Customer.objects.get(email="imported@example.com").suppressed
    assert not Customer.objects.get(email="ali@example.com").suppressed


def test_an_import_is_all_or_nothing_with_the_bad_line_named():
    CustomerFactory(email="one@example.com")

    with pytest.raises(ValidationError) as refused:
        suppression_import(rows=["one@example.com", "", "two@example.com", "three(at)example.com"])

    assert "Line 4" in refused.value.messages[0] and "three(at)example.com" in refused.value.messages[0]
    assert not SuppressedAddress.objects.exists()

    result = suppression_import(rows=["one@example.com", "ONE@example.com", "two@example.com"], note="old tool")
    again = suppression_import(rows=["two@example.com", "three@example.com"])

    assert (result.added, result.already, again.added, again.already) == (2, 0, 1, 1)
    assert Customer.objects.get(email="one@example.com").suppressed
    assert set(SuppressedAddress.objects.values_list("reason", flat=True)) == {"import"}


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"Name;E-mail\nReza;gone@example.com\nSara;left@example.com\n", "export.csv"),
        ("\ufeffaddress\ngone@example.com\nleft@example.com\n".encode(), "list.csv"),
        (b"gone@example.com\nleft@example.com\n", "bounces.txt"),
    ],
)
def test_a_file_is_read_by_its_email_or_address_column_or_as_one_address_a_line(content, name):
    result = suppression_import(file=io.BytesIO(content), name=name)

    assert result.added == 2
    assert suppressed_among(["gone@example.com", "left@example.com"]) == {"gone@example.com", "left@example.com"}


def test_a_file_with_no_address_column_is_refused():
    with pytest.raises(ValidationError, match="No column is named email or address"):
        suppression_import(file=io.BytesIO(b"name,phone\nReza,+989121234567\n"), name="people.csv")


# --- the admin ----------------------------------------------------------------------------------------------------


def test_staff_add_search_and_remove_addresses_in_the_admin(admin_client):
    customer = CustomerFactory(email="typo@exmaple.com")
    changelist = reverse("admin:customers_suppressedaddress_changelist")

    response = admin_client.post(
        reverse("admin:customers_suppressedaddress_add"),
        {"address": "typo@exmaple.com", "reason": "manual", "note": "Asked by phone"},
    )
    assert response.status_code == 302
    entry = SuppressedAddress.objects.get()
    assert entry.created_by is not None and entry.note == "Asked by phone"
    customer.refresh_from_db()
    assert customer.suppressed

    suppression_forget_address(address="typo@exmaple.com")
    found = admin_client.get(changelist, {"q": "Typo@exmaple.com"})
    missed = admin_client.get(changelist, {"q": "typo@example.com"})
    filtered = admin_client.get(changelist, {"reason": "manual"})
    assert list(found.context["cl"].result_list) == [entry]
    assert list(missed.context["cl"].result_list) == []
    assert list(filtered.context["cl"].result_list) == [entry]

    response = admin_client.post(changelist, {"action": "remove_selected", "_selected_action": [entry.pk]}, follow=True)
    assert not SuppressedAddress.objects.exists()


def test_the_admin_import_page_adds_a_file_or_refuses_it_whole(admin_client):
    url = reverse("admin:customers_suppressedaddress_import")

    refused = admin_client.post(
        url, {"file": SimpleUploadedFile("l.csv", b"email\nok@example.com\nnope\n", content_type="text/csv")}
    )
    assert refused.status_code == 200 and "Line 3" in refused.content.decode()
    assert not SuppressedAddress.objects.exists()

    done = admin_client.post(url, {"addresses": "a@example.com\nb@example.com\n", "note": "from the old tool"})
    assert done.status_code == 302
    assert SuppressedAddress.objects.count() == 2


def test_a_customer_added_in_the_admin_with_a_listed_address_starts_suppressed(admin_client):
    from tests.customers.test_contacts import admin_data

    suppression_add(address="listed@example.com", reason="hard_bounce")

    response = admin_client.post(reverse("admin:customers_customer_add"), admin_data(email="Listed@example.com"))

    assert response.status_code == 302
    assert Customer.objects.get(email__iexact="listed@example.com").suppressed
