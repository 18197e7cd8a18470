"""Attribution of an order to the last counted touch, and the AIDA funnel per campaign and per segment."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from campaigns import tokens, views
from campaigns.models import AidaStep, TouchKind, TouchSource
from campaigns.selectors import aida_funnel, aida_funnel_by_segment, attributable_campaign_id
from campaigns.services import links_sync, touch_record, touches_record_bulk
from campaigns.services.tracking import touch_build
from tests.campaigns.factories import CampaignFactory, CreativeFactory, MessageFactory, TouchFactory
from tests.customers.factories import CustomerFactory, SegmentFactory

pytestmark = pytest.mark.django_db


def test_the_last_counted_touch_within_the_window_wins(settings):
    settings.ATTRIBUTION_WINDOW_DAYS = 30
    now = timezone.now()
    customer = CustomerFactory()
    old, recent, bot = CampaignFactory(), CampaignFactory(), CampaignFactory()
    TouchFactory(customer=customer, campaign=old, occurred_at=now - dt.timedelta(days=40))
    assert attributable_campaign_id(customer_id=customer.pk, at=now) is None

    TouchFactory(customer=customer, campaign=recent, occurred_at=now - dt.timedelta(days=3))
    TouchFactory(customer=customer, campaign=bot, occurred_at=now - dt.timedelta(days=1), is_automated=True)
    assert attributable_campaign_id(customer_id=customer.pk, at=now) == recent.pk

    later = TouchFactory(customer=customer, campaign=old, occurred_at=now + dt.timedelta(days=1))
    assert attributable_campaign_id(customer_id=customer.pk, at=now) == recent.pk
    assert attributable_campaign_id(customer_id=customer.pk, at=later.occurred_at) == old.pk

    settings.ATTRIBUTION_WINDOW_DAYS = 2
    assert attributable_campaign_id(customer_id=customer.pk, at=now) is None


def test_touch_record_derives_the_step_and_keeps_text_as_text():
    customer, campaign = CustomerFactory(), CampaignFactory()

    touch = touch_record(
        kind=TouchKind.ORDER,
        source=TouchSource.WEBSITE,
        customer=customer,
        campaign=campaign,
        detail="<b>ORD-1</b>" + "x" * 900,
    )

    assert touch.step == AidaStep.ACTION
    assert touch.detail.startswith("<b>ORD-1</b>") and len(touch.detail) == 500


def test_touches_record_bulk_inserts_all():
    customer, campaign = CustomerFactory(), CampaignFactory()
    built = [
        touch_build(kind=k, source=TouchSource.EMAIL, customer_id=customer.pk, campaign_id=campaign.pk)
        for k in (TouchKind.EMAIL_OPEN, TouchKind.CLICK)
    ]
    assert touches_record_bulk(touches=built) == 2
    assert aida_funnel(campaign_id=campaign.pk).count(AidaStep.INFORMATION) == 1


def test_the_funnel_counts_distinct_people_per_step_and_the_conversion_between_steps():
    campaign = CampaignFactory()
    vip, other = SegmentFactory(name="VIP"), SegmentFactory(name="Others")
    campaign.segments.add(vip, other)
    people = [CustomerFactory() for _ in range(4)]
    vip.members.add(*people[:2])
    other.members.add(*people[2:])
    for p in people:  # all four saw it, two of them twice
        TouchFactory(customer=p, campaign=campaign, kind=TouchKind.EMAIL_OPEN, step=AidaStep.ATTENTION)
    TouchFactory(customer=people[0], campaign=campaign, kind=TouchKind.EMAIL_OPEN, step=AidaStep.ATTENTION)
    for p in people[:2]:
        TouchFactory(customer=p, campaign=campaign, kind=TouchKind.CLICK, step=AidaStep.INFORMATION)
    TouchFactory(customer=people[0], campaign=campaign, kind=TouchKind.OFFER_CLAIM, step=AidaStep.DESIRE)
    TouchFactory(customer=people[0], campaign=campaign, kind=TouchKind.ORDER, step=AidaStep.ACTION)
    # A scanner "clicked" for a third person: not counted.
    TouchFactory(
        customer=people[2], campaign=campaign, kind=TouchKind.CLICK, step=AidaStep.INFORMATION, is_automated=True
    )
    TouchFactory(customer=people[3], campaign=CampaignFactory(), kind=TouchKind.CLICK, step=AidaStep.INFORMATION)

    funnel = aida_funnel(campaign_id=campaign.pk)

    assert [(s.step, s.customers, s.conversion) for s in funnel.steps] == [
        ("attention", 4, None),
        ("information", 2, 50.0),
        ("desire", 1, 50.0),
        ("action", 1, 100.0),
        ("satisfaction", 0, 0.0),
    ]
    by_segment = aida_funnel_by_segment(campaign_id=campaign.pk)
    assert by_segment[vip.pk].count("information") == 2
    assert by_segment[other.pk].count("attention") == 2
    assert by_segment[other.pk].count("information") == 0
    assert aida_funnel(segment_id=other.pk).count("information") == 1  # all campaigns: the other campaign's click


APPLE_PROXY = "Mozilla/5.0"  # Apple Mail Privacy Protection fetches every image with this bare agent
BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari"


def _people_proxies_and_scanners(client):
    """A campaign sent an hour ago: 3 people open it, Apple's proxy fetches it for 2 others, and for 2 more a
    scanner opens it (its own agent) and clicks every link at once (a browser's agent)."""
    cache.clear()
    views._link.cache_clear()
    links = [f"https://shop.example.com/{n}" for n in ("tea", "cups", "pots")]
    creative = CreativeFactory(html_body="".join(f'<a href="{url}">x</a>' for url in links))
    campaign = creative.campaign
    link_ids = links_sync(campaign=campaign)
    people, proxied, scanned = ([CustomerFactory() for _ in range(n)] for n in (3, 2, 2))
    for customer in [*people, *proxied, *scanned]:
        MessageFactory(
            campaign=campaign, customer=customer, status="sent", sent_at=timezone.now() - dt.timedelta(hours=1)
        )

    def hit(customer, agent, link=None):
        ids = {"campaign_id": campaign.pk, "customer_id": customer.pk, "creative_id": creative.pk}
        if link is None:
            url = reverse("campaigns:open", args=[tokens.open_token(**ids)])
        else:
            url = reverse("campaigns:click", args=[tokens.click_token(**ids, link_id=link_ids[link])])
        assert client.get(url, HTTP_USER_AGENT=agent).status_code in (200, 302)

    for customer in people:
        hit(customer, BROWSER)
    for customer in proxied:
        hit(customer, APPLE_PROXY)
        hit(customer, APPLE_PROXY)  # fetched again: still one customer
    hit(scanned[0], "Mozilla/5.0 (compatible; Barracuda Sentinel)")
    hit(scanned[1], "Mimecast URL Protect")
    for customer in scanned:
        for link in links:
            hit(customer, BROWSER, link)
    return campaign, people, proxied, scanned


def test_people_count_proxies_are_shown_apart_and_scanners_never(client):
    campaign, _people, _proxied, scanned = _people_proxies_and_scanners(client)

    funnel = aida_funnel(campaign_id=campaign.pk)

    assert funnel.count(AidaStep.ATTENTION) == 3
    assert funnel.proxy_opens == 2
    assert funnel.count(AidaStep.INFORMATION) == 0  # the scanners' clicks are nobody's
    segment = SegmentFactory()
    segment.members.add(*scanned)
    campaign.segments.add(segment)
    assert aida_funnel_by_segment(campaign_id=campaign.pk)[segment.pk].steps[0].customers == 0
    assert aida_funnel_by_segment(campaign_id=campaign.pk)[segment.pk].proxy_opens == 0


def test_a_person_who_opens_after_the_proxy_is_attention_no_longer_a_proxy_open(client):
    campaign, _people, proxied, _scanned = _people_proxies_and_scanners(client)
    segment = SegmentFactory()
    segment.members.add(*proxied)
    campaign.segments.add(segment)

    TouchFactory(customer=proxied[0], campaign=campaign)  # read on another device, images shown

    funnel = aida_funnel(campaign_id=campaign.pk)
    assert (funnel.count(AidaStep.ATTENTION), funnel.proxy_opens) == (4, 1)
    by_segment = aida_funnel_by_segment(campaign_id=campaign.pk)[segment.pk]
    assert (by_segment.count(AidaStep.ATTENTION), by_segment.proxy_opens) == (1, 1)


def test_the_campaign_page_shows_proxy_opens_beside_the_funnel(admin_client, client):
    campaign, *_rest = _people_proxies_and_scanners(client)

    body = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()

    table = body[body.index('<table class="aida-funnel">') :]
    table = table[: table.index("</table>")]
    assert "<th>Opened by a mail proxy</th>" in table
    assert "<tr><th>All recipients</th><td>3</td><td>0 <small>(0.0%)</small></td>" in table
    assert table.split("<tr><th>All recipients</th>")[1].split("</tr>")[0].endswith("<td>2</td>")
