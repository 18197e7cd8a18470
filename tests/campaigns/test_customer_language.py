"""Topics and information pages in the reader's language, with a fallback to the default text."""

import pytest
from django.urls import reverse

from campaigns import tokens
from campaigns.models import CreativeKind
from tests.campaigns.factories import CampaignFactory, CreativeFactory, TopicFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def preferences_url(customer):
    return reverse("campaigns:preferences", args=[tokens.preferences_token(customer_id=customer.pk)])


def test_the_persian_preference_centre_names_topics_in_persian_and_falls_back_to_the_default_name(client):
    TopicFactory(name="Gifts and occasions", name_fa="هدیه‌ها و مناسبت‌ها", name_ar="الهدايا والمناسبات")
    TopicFactory(name="Kilims")  # no Persian name yet
    page = client.get(preferences_url(CustomerFactory(persian=True))).content.decode()
    assert "هدیه‌ها و مناسبت‌ها" in page and "Gifts and occasions" not in page
    assert "Kilims" in page

    arabic = client.get(preferences_url(CustomerFactory(arabic=True))).content.decode()
    assert "الهدايا والمناسبات" in arabic


def info_pages():
    topic = TopicFactory(slug="gifts", name="Gifts", name_fa="هدیه‌ها", description="All gifts", description_fa="همه")
    campaign = CampaignFactory()
    pages = {}
    for language, title in (("en", "Choosing a gift"), ("fa", "انتخاب هدیه")):
        pages[language] = CreativeFactory(
            campaign=campaign, kind=CreativeKind.INFO_PAGE, topic=topic, language=language, subject=title
        )
    only_english = CreativeFactory(
        campaign=CampaignFactory(), kind=CreativeKind.INFO_PAGE, topic=topic, language="en", subject="Care guide"
    )
    return topic, pages, only_english


def test_the_topic_page_lists_the_pages_in_the_visitors_language_and_the_others_where_none_is(client):
    _topic, _pages, _only_english = info_pages()
    page = client.get(reverse("campaigns:topic", args=["gifts"]), HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert "هدیه‌ها" in page and "همه" in page
    assert "انتخاب هدیه" in page and "Choosing a gift" not in page
    assert "Care guide" in page  # that campaign wrote no Persian page

    english = client.get(reverse("campaigns:topic", args=["gifts"]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Choosing a gift" in english and "انتخاب هدیه" not in english


def test_an_information_page_opens_in_the_customers_language_when_the_campaign_wrote_it(client):
    _topic, pages, _only_english = info_pages()
    customer = CustomerFactory(persian=True)
    url = reverse("campaigns:info_page", args=["gifts", pages["en"].pk])
    page = client.get(url, {"r": tokens.preferences_token(customer_id=customer.pk)}).content.decode()
    assert "انتخاب هدیه" in page and 'dir="rtl"' in page

    anonymous = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Choosing a gift" in anonymous
