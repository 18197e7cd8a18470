"""The preference centre's "Delete my data": asked there, confirmed by the link of an e-mail to the customer's own
address, never erased on a GET, and a link that was altered, expired or meant for someone else changes nothing."""

import re
import time
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.urls import reverse

from campaigns import tokens
from campaigns.deliverability import delivered_row
from campaigns.models import ErasureConfirmation, MessageStatus
from customers.models import Customer, Erasure, ErasureSource
from customers.services.suppression import suppression_add
from tests.aftersales.factories import ReviewFactory
from tests.customers.factories import ConsentFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(db):
    customer = CustomerFactory(persian=True, first_name="Shirin", email="shirin@example.com")
    ConsentFactory(customer=customer, channel="email", granted=True)
    ReviewFactory(customer=customer, body="Shirin's own words")
    return customer


def _preferences(customer):
    return reverse("campaigns:preferences", args=[tokens.preferences_token(customer_id=customer.pk)])


def _ask(client, customer, capture):
    with capture(execute=True):
        return client.post(
            reverse("campaigns:erasure_request", args=[tokens.preferences_token(customer_id=customer.pk)])
        )


def _link_in(message):
    """The path of the confirmation link in an e-mail."""
    url = re.search(r"https?://\S+/e/\S+/", message.body).group(0)
    return urlsplit(url).path


def _untouched(customer):
    customer.refresh_from_db()
    return (
        customer.erased_at is None and customer.email != "" and not Erasure.objects.filter(customer=customer).exists()
    )


def test_the_whole_request_from_the_preference_centre(client, customer, django_capture_on_commit_callbacks):
    page = client.get(_preferences(customer)).content.decode()
    assert "حذف داده‌های من" in page
    assert reverse("campaigns:erasure_request", args=[tokens.preferences_token(customer_id=customer.pk)]) in page

    asked = _ask(client, customer, django_capture_on_commit_callbacks)

    assert asked.status_code == 200
    assert (
        "ایمیلی به نشانی‌ای که از شما داریم فرستادیم" in asked.content.decode() and 'dir="rtl"' in asked.content.decode()
    )
    assert _untouched(customer)  # asking erases nothing
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["shirin@example.com"]
    assert "Shirin" in message.body and "ظرف ۷ روز" in message.body
    assert message.extra_headers.get("Auto-Submitted") == "auto-generated" or "Auto-Submitted" in str(message.message())
    link = _link_in(message)

    confirm = client.get(link)  # a mail scanner, or the customer having a look
    assert confirm.status_code == 200
    assert "این کار برگشت‌پذیر نیست." in confirm.content.decode() and 'dir="rtl"' in confirm.content.decode()
    assert _untouched(customer)

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(link, follow=True)

    assert done.status_code == 200 and "داده‌های شما حذف شد." in done.content.decode()
    assert 'dir="rtl"' in done.content.decode()
    customer.refresh_from_db()
    assert customer.erased_at is not None and customer.email == ""
    erasure = Erasure.objects.get(customer=customer)
    asked_at = ErasureConfirmation.objects.get(customer=customer).created_at
    assert (erasure.source, erasure.requested_by, erasure.requested_at) == (
        ErasureSource.PREFERENCE_CENTRE,
        None,
        asked_at,
    )
    assert erasure.confirmed_at is not None and erasure.confirmed_at >= asked_at
    # The link is spent: used again it changes nothing; the preference centre no longer knows the customer.
    again = client.post(link)
    assert again.status_code == 400 and "not valid" in again.content.decode()
    assert Erasure.objects.count() == 1
    assert client.get(_preferences(customer)).status_code == 404


def test_asking_again_within_the_hour_sends_no_second_email(client, customer, django_capture_on_commit_callbacks):
    first = _ask(client, customer, django_capture_on_commit_callbacks)
    second = _ask(client, customer, django_capture_on_commit_callbacks)

    assert first.status_code == second.status_code == 200
    assert "ایمیلی به نشانی‌ای که از شما داریم فرستادیم" in second.content.decode()
    assert len(mail.outbox) == 1
    assert ErasureConfirmation.objects.filter(customer=customer).count() == 1


def test_a_suppressed_address_gets_no_email_and_nothing_is_erased(client, customer, django_capture_on_commit_callbacks):
    suppression_add(address=customer.email, reason="complaint")

    response = _ask(client, customer, django_capture_on_commit_callbacks)

    assert response.status_code == 200  # the same page: nothing to learn about the address
    assert mail.outbox == []
    assert ErasureConfirmation.objects.get().status == MessageStatus.FAILED
    assert _untouched(customer)


def _genuine_link(customer):
    return reverse(
        "campaigns:erasure_confirm", args=[tokens.erasure_token(customer_id=customer.pk, email=customer.email)]
    )


def test_an_altered_link_changes_nothing(client, customer):
    token = tokens.erasure_token(customer_id=customer.pk, email=customer.email)
    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    for method in (client.get, client.post):
        response = method(reverse("campaigns:erasure_confirm", args=[altered]))
        assert response.status_code == 400 and "not valid" in response.content.decode()
    assert client.post(reverse("campaigns:erasure_confirm", args=["not-a-token"])).status_code == 400
    assert client.post(reverse("campaigns:erasure_confirm", args=["12:abc:def"])).status_code == 400
    assert _untouched(customer)


def test_a_link_for_one_customer_cannot_erase_another(client, customer):
    other = CustomerFactory(email="other@example.com")
    token = tokens.erasure_token(customer_id=customer.pk, email=customer.email)
    swapped = f"{other.pk}{token[token.index(':') :]}"
    # Nor may another customer's address be swapped in: the signature is bound to the address it went to.
    foreign = tokens.erasure_token(customer_id=other.pk, email=customer.email)

    for forged in (swapped, foreign):
        response = client.post(reverse("campaigns:erasure_confirm", args=[forged]))
        assert response.status_code == 400
    assert _untouched(customer) and _untouched(other)


def test_a_link_sent_before_the_address_changed_no_longer_works(client, customer):
    link = _genuine_link(customer)
    Customer.objects.filter(pk=customer.pk).update(email="shirin.new@example.com")

    assert client.post(link).status_code == 400
    assert _untouched(customer)


def test_an_expired_link_says_so_and_changes_nothing(client, customer, monkeypatch, settings):
    settings.PRIVACY_ERASURE_LINK_DAYS = 7
    eight_days_ago = time.time() - 8 * 86400
    monkeypatch.setattr(signing.time, "time", lambda: eight_days_ago)
    link = _genuine_link(customer)
    monkeypatch.undo()

    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 400 and "expired" in response.content.decode()
    assert _untouched(customer)


def test_the_request_is_a_post_and_is_rate_limited(client, customer, settings, django_capture_on_commit_callbacks):
    url = reverse("campaigns:erasure_request", args=[tokens.preferences_token(customer_id=customer.pk)])
    assert client.get(url).status_code == 405
    bad = client.post(reverse("campaigns:erasure_request", args=["1:forged"]))
    assert bad.status_code == 400 and "not valid" in bad.content.decode()

    settings.CAMPAIGNS_FORM_RATE_LIMIT = 1
    _ask(client, customer, django_capture_on_commit_callbacks)
    assert _ask(client, customer, django_capture_on_commit_callbacks).status_code == 429
    assert client.post(_genuine_link(customer)).status_code == 429
    assert _untouched(customer)


def test_a_bounce_of_the_confirmation_finds_its_address(client, customer, django_capture_on_commit_callbacks):
    _ask(client, customer, django_capture_on_commit_callbacks)
    confirmation = ErasureConfirmation.objects.get()

    found = delivered_row(kind="e", row_id=confirmation.pk)

    assert found is not None and found.address == "shirin@example.com"
