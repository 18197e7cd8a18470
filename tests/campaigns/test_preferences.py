"""The preference centre: a signed link, GET shows, POST changes, every change in the consent history."""

import pytest
from django.urls import reverse

from campaigns import tokens
from campaigns.models import TopicInterest
from customers.models import Consent, ConsentEvent
from tests.campaigns.factories import TopicFactory
from tests.customers.factories import ConsentFactory, CustomerFactory


@pytest.fixture
def customer(db):
    customer = CustomerFactory(persian=True, first_name="زهرا")
    ConsentFactory(customer=customer, channel="email", granted=True)
    return customer


def url_for(customer):
    return reverse("campaigns:preferences", args=[tokens.preferences_token(customer_id=customer.pk)])


def test_get_shows_the_current_choices_in_the_customers_language(client, customer):
    tea = TopicFactory(name="Tea")
    TopicInterest.objects.create(customer=customer, topic=tea)

    page = client.get(url_for(customer)).content.decode()

    assert "زهرا" in page
    assert 'dir="rtl"' in page
    assert f'value="{tea.pk}" ' in page and "checked" in page


def test_post_changes_topics_and_channels_and_keeps_the_history(client, customer):
    tea, books = TopicFactory(name="Tea"), TopicFactory(name="Books")

    response = client.post(url_for(customer), {"channels": ["email", "sms"], "topics": [tea.pk, books.pk]})
    assert response.status_code == 200
    client.post(url_for(customer), {"channels": ["sms"], "topics": [books.pk]})

    assert set(TopicInterest.objects.filter(customer=customer).values_list("topic__name", flat=True)) == {"Books"}
    assert dict(Consent.objects.filter(customer=customer).values_list("channel", "granted")) == {
        "email": False,
        "sms": True,
    }
    history = list(
        ConsentEvent.objects.filter(customer=customer).order_by("id").values_list("channel", "granted", "source")
    )
    assert history == [("sms", True, "preference_centre"), ("email", False, "preference_centre")]


def test_withdrawing_all_consent(client, customer):
    ConsentFactory(customer=customer, channel="profiling", granted=True)
    TopicInterest.objects.create(customer=customer, topic=TopicFactory())

    client.post(url_for(customer), {"channels": ["email"], "withdraw_all": "on"})

    assert not Consent.objects.filter(customer=customer, granted=True).exists()
    assert not TopicInterest.objects.filter(customer=customer).exists()


def test_a_tampered_or_unknown_link_changes_nothing(client, customer):
    token = tokens.preferences_token(customer_id=customer.pk)
    forged = f"{customer.pk + 1}:{token.split(':')[1]}"

    assert client.post(reverse("campaigns:preferences", args=[forged]), {"channels": []}).status_code == 400
    ghost = tokens.preferences_token(customer_id=customer.pk + 1000)
    assert client.get(reverse("campaigns:preferences", args=[ghost])).status_code == 404
    assert Consent.objects.get(customer=customer).granted


def test_the_preference_form_needs_its_csrf_token(customer):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url_for(customer), {"channels": []}).status_code == 403
    assert Consent.objects.get(customer=customer).granted


def test_unsubscribe_page_then_one_click(client, customer):
    url = reverse("campaigns:unsubscribe", args=[tokens.preferences_token(customer_id=customer.pk)])

    page = client.get(url)
    assert page.status_code == 200 and customer.email in page.content.decode()
    assert Consent.objects.get(customer=customer).granted  # a GET (a link scanner) changes nothing

    client.post(url, {"List-Unsubscribe": "One-Click"})

    assert not Consent.objects.get(customer=customer).granted
    assert ConsentEvent.objects.get(customer=customer).source == "unsubscribe"
