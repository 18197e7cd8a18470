"""Who opened and clicked: each touch stores a person, a mail proxy or a bot; scanners are told by their timing
where a batch of hits from the stream is written, whatever their User-Agent says."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns import tokens, views
from campaigns.agents import AgentKind
from campaigns.models import Touch, TouchKind, TouchSource
from campaigns.services import links_sync
from campaigns.services.tracking import touch_event, touches_write_events
from tests.campaigns.factories import CreativeFactory, MessageFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
APPLE_PROXY = "Mozilla/5.0"
LINKS = [f"https://shop.example.com/{name}" for name in ("tea", "cups", "pots", "gifts")]


@pytest.fixture(autouse=True)
def _fresh_limits_and_links():
    cache.clear()
    views._link.cache_clear()
    yield
    cache.clear()
    views._link.cache_clear()


class Batch:
    """Hits waiting on the stream until a consumer writes them as one batch, as on a busy site."""

    def __init__(self):
        self.events = []

    def add(self, **fields):
        self.events.append(touch_event(**fields))

    def flush(self):
        events, self.events = self.events, []
        return touches_write_events(events)


@pytest.fixture
def batched():
    BATCH.events.clear()
    return BATCH


@pytest.fixture
def sent(db):
    """A campaign e-mail with four links, sent to one customer an hour ago."""
    body = "".join(f'<a href="{url}">{url}</a>' for url in LINKS)
    creative = CreativeFactory(html_body=body)
    customer = CustomerFactory()
    message = MessageFactory(
        campaign=creative.campaign, customer=customer, status="sent", sent_at=timezone.now() - dt.timedelta(hours=1)
    )
    return creative, customer, links_sync(campaign=creative.campaign), message


def _open(client, creative, customer, agent):
    token = tokens.open_token(campaign_id=creative.campaign_id, customer_id=customer.pk, creative_id=creative.pk)
    return client.get(reverse("campaigns:open", args=[token]), HTTP_USER_AGENT=agent)


def _click(client, creative, customer, link_id, agent=BROWSER):
    token = tokens.click_token(
        campaign_id=creative.campaign_id, customer_id=customer.pk, creative_id=creative.pk, link_id=link_id
    )
    return client.get(reverse("campaigns:click", args=[token]), HTTP_USER_AGENT=agent)


BATCH = Batch()


def _hit_click(creative, customer, url, at):
    BATCH.add(
        kind=TouchKind.CLICK,
        source=TouchSource.EMAIL,
        campaign_id=creative.campaign_id,
        customer_id=customer.pk,
        creative_id=creative.pk,
        user_agent=BROWSER,
        detail=url,
        occurred_at=at,
    )


def _hit_open(creative, customer, at, agent=BROWSER):
    BATCH.add(
        kind=TouchKind.EMAIL_OPEN,
        source=TouchSource.EMAIL,
        campaign_id=creative.campaign_id,
        customer_id=customer.pk,
        creative_id=creative.pk,
        user_agent=agent,
        occurred_at=at,
    )


def _agents(**filters):
    return list(Touch.objects.filter(**filters).order_by("occurred_at", "id").values_list("agent", "is_automated"))


PERSON = (AgentKind.PERSON, False)
PROXY = (AgentKind.PROXY, True)
BOT = (AgentKind.BOT, True)


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (BROWSER, PERSON),
        (APPLE_PROXY, PROXY),  # Apple Mail Privacy Protection
        ("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", PROXY),
        ("Mozilla/5.0 (compatible; Barracuda Sentinel)", BOT),
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", BOT),
        ("", BOT),
    ],
)
def test_each_open_stores_who_made_it(client, sent, agent, expected):
    creative, customer, _links, _message = sent

    assert _open(client, creative, customer, agent).status_code == 200

    assert _agents() == [expected]


def test_a_prefetched_page_is_a_bot_even_from_a_browser(client, sent):
    creative, customer, links, _message = sent
    token = tokens.click_token(
        campaign_id=creative.campaign_id, customer_id=customer.pk, creative_id=creative.pk, link_id=links[LINKS[0]]
    )

    client.get(reverse("campaigns:click", args=[token]), HTTP_USER_AGENT=BROWSER, HTTP_SEC_PURPOSE="prefetch")

    assert _agents() == [BOT]


@pytest.mark.parametrize(
    ("seconds", "expected"), [(-2, BOT), (0, BOT), (9, BOT), (10, BOT), (11, PERSON), (60, PERSON)]
)
def test_a_click_within_seconds_of_sending_is_a_scanner(sent, batched, seconds, expected):
    creative, customer, _links, message = sent

    _hit_click(creative, customer, LINKS[0], message.sent_at + dt.timedelta(seconds=seconds))
    assert BATCH.flush() == 1

    assert _agents() == [expected]


def test_clicks_through_the_endpoint_right_after_sending_are_stored_as_a_bot(client, sent):
    creative, customer, links, message = sent
    message.sent_at = timezone.now() - dt.timedelta(seconds=1)
    message.save(update_fields=["sent_at"])

    assert _click(client, creative, customer, links[LINKS[0]]).status_code == 302

    assert _agents() == [BOT]


def test_the_click_window_follows_the_setting(sent, batched, settings):
    settings.CAMPAIGNS_SCANNER_CLICK_SECONDS = 30
    creative, customer, _links, message = sent

    _hit_click(creative, customer, LINKS[0], message.sent_at + dt.timedelta(seconds=20))
    BATCH.flush()

    assert _agents() == [BOT]


def test_three_links_in_a_burst_are_a_scanner_two_are_a_person(sent, batched):
    creative, customer, _links, message = sent
    other = CustomerFactory()
    MessageFactory(campaign=creative.campaign, customer=other, status="sent", sent_at=message.sent_at)
    start = timezone.now()
    for i, url in enumerate(LINKS[:3]):  # three different links within four seconds
        _hit_click(creative, customer, url, start + dt.timedelta(seconds=2 * i))
    for i, url in enumerate(LINKS[:2]):  # two different links, the same link again: two links in the window
        _hit_click(creative, other, url, start + dt.timedelta(seconds=i))
    _hit_click(creative, other, LINKS[0], start + dt.timedelta(seconds=2))

    assert BATCH.flush() == 6

    assert _agents(customer=customer) == [BOT, BOT, BOT]
    assert _agents(customer=other) == [PERSON, PERSON, PERSON]


def test_three_links_just_outside_the_burst_window_are_a_person(sent, batched):
    creative, customer, _links, _message = sent
    start = timezone.now()
    for i, url in enumerate(LINKS[:3]):  # the first and the third 6 seconds apart: never three in 5 seconds
        _hit_click(creative, customer, url, start + dt.timedelta(seconds=3 * i))

    BATCH.flush()

    assert _agents() == [PERSON, PERSON, PERSON]


def test_a_person_clicking_three_links_a_minute_apart_stays_a_person(sent, batched):
    creative, customer, _links, _message = sent
    start = timezone.now()
    for i, url in enumerate(LINKS):
        _hit_click(creative, customer, url, start + dt.timedelta(minutes=i))
    _hit_open(creative, customer, start)

    BATCH.flush()

    assert _agents() == [PERSON] * 5


def test_an_open_at_the_second_of_a_burst_is_a_scanner_a_later_one_a_person(sent, batched):
    creative, customer, _links, _message = sent
    start = timezone.now()
    _hit_open(creative, customer, start)
    for i, url in enumerate(LINKS[:3]):
        _hit_click(creative, customer, url, start + dt.timedelta(milliseconds=300 * i))
    _hit_open(creative, customer, start + dt.timedelta(minutes=5))

    BATCH.flush()

    opens = _agents(kind=TouchKind.EMAIL_OPEN)
    assert opens == [BOT, PERSON]
    assert _agents(kind=TouchKind.CLICK) == [BOT, BOT, BOT]


def test_a_burst_split_between_two_batches_turns_the_stored_clicks_into_bots(sent, batched):
    """A scanner's clicks answered by two web processes reach the table in two batches."""
    creative, customer, _links, _message = sent
    start = timezone.now()
    _hit_open(creative, customer, start)
    _hit_click(creative, customer, LINKS[0], start)
    _hit_click(creative, customer, LINKS[1], start + dt.timedelta(seconds=1))
    BATCH.flush()
    assert _agents() == [PERSON, PERSON, PERSON]  # two links: nothing to tell yet

    _hit_click(creative, customer, LINKS[2], start + dt.timedelta(seconds=2))
    BATCH.flush()

    assert _agents() == [BOT, BOT, BOT, BOT]


def test_the_burst_rule_follows_the_settings(sent, batched, settings):
    settings.CAMPAIGNS_SCANNER_BURST_LINKS = 2
    settings.CAMPAIGNS_SCANNER_BURST_SECONDS = 1
    creative, customer, _links, _message = sent
    start = timezone.now()
    _hit_click(creative, customer, LINKS[0], start)
    _hit_click(creative, customer, LINKS[1], start + dt.timedelta(milliseconds=500))
    _hit_click(creative, customer, LINKS[2], start + dt.timedelta(seconds=30))

    BATCH.flush()

    assert _agents() == [BOT, BOT, PERSON]


def test_a_batch_costs_the_same_queries_whatever_the_batch(sent, batched):
    creative, _customer, _links, message = sent

    def drain(customers):
        start = timezone.now()
        for n in range(customers):
            customer = CustomerFactory()
            MessageFactory(campaign=creative.campaign, customer=customer, status="sent", sent_at=message.sent_at)
            _hit_open(creative, customer, start)
            for i, url in enumerate(LINKS[:3]):
                _hit_click(creative, customer, url, start + dt.timedelta(seconds=i * (1 if n % 2 else 60)))
        with CaptureQueriesContext(connection) as queries:
            assert BATCH.flush() == customers * 4
        return len(queries.captured_queries)

    small, large = drain(2), drain(40)

    assert small == large
    assert Touch.objects.filter(agent=AgentKind.BOT).count() == 4 + 20 * 4  # the odd customers' bursts
