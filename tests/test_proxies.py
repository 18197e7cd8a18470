"""Behind a load balancer the rate limits see each client, not the balancer; a forged X-Forwarded-For changes
nothing."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from campaigns import tokens
from tests.campaigns.factories import CreativeFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

BALANCER = "10.0.0.5"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.CAMPAIGNS_TRACKING_RATE_LIMIT = 2
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def url():
    creative, customer = CreativeFactory(), CustomerFactory()
    token = tokens.open_token(campaign_id=creative.campaign_id, customer_id=customer.pk, creative_id=creative.pk)
    return reverse("campaigns:open", args=[token])


def _hit(client, url, forwarded):
    return client.get(url, REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR=forwarded).status_code


def test_behind_one_balancer_two_clients_have_limits_of_their_own(client, settings, url):
    settings.TRUSTED_PROXY_COUNT = 1

    assert [_hit(client, url, "203.0.113.7") for _ in range(3)] == [200, 200, 429]
    assert _hit(client, url, "198.51.100.9") == 200  # another visitor behind the same balancer


def test_an_address_the_client_wrote_itself_is_not_believed(client, settings, url):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client sends "X-Forwarded-For: <anything>"; the balancer appends the address it saw.
    codes = [_hit(client, url, f"192.0.2.{n}, 203.0.113.7") for n in range(3)]

    assert codes == [200, 200, 429]


def test_without_trusted_proxies_the_header_is_ignored(client, settings, url):
    settings.TRUSTED_PROXY_COUNT = 0

    assert [_hit(client, url, f"203.0.113.{n}") for n in range(3)] == [200, 200, 429]  # all the balancer's


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "1.2.3.4, ::::"])
def test_a_missing_or_broken_header_leaves_the_address_as_it_came(client, settings, url, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1

    assert [_hit(client, url, forwarded) for _ in range(3)] == [200, 200, 429]
