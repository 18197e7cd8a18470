"""The public tracking endpoints: each records a touch at its AIDA step, and resists forged tokens."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns import tokens, views
from campaigns.models import AidaStep, Link, Touch, TouchKind, TouchSource
from campaigns.services import links_sync
from tests.campaigns.factories import CampaignFactory, CreativeFactory, TopicFactory
from tests.customers.factories import CustomerFactory
from tests.factories import UserFactory

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    views._link.cache_clear()
    yield
    cache.clear()
    views._link.cache_clear()


@pytest.fixture
def sent(db):
    creative = CreativeFactory(html_body='<a href="https://shop.example.com/offer?x=1">Offer</a>')
    customer = CustomerFactory()
    links = links_sync(campaign=creative.campaign)
    return creative, customer, links["https://shop.example.com/offer?x=1"]


def _open_url(creative, customer):
    token = tokens.open_token(campaign_id=creative.campaign_id, customer_id=customer.pk, creative_id=creative.pk)
    return reverse("campaigns:open", args=[token])


def _click_url(creative, customer, link_id, campaign_id=None):
    token = tokens.click_token(
        campaign_id=campaign_id or creative.campaign_id,
        customer_id=customer.pk,
        creative_id=creative.pk,
        link_id=link_id,
    )
    return reverse("campaigns:click", args=[token])


def test_the_open_pixel_records_attention(client, sent):
    creative, customer, _link = sent

    response = client.get(_open_url(creative, customer), HTTP_USER_AGENT=BROWSER)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    touch = Touch.objects.get()
    assert (touch.step, touch.kind, touch.customer, touch.campaign) == (
        AidaStep.ATTENTION,
        TouchKind.EMAIL_OPEN,
        customer,
        creative.campaign,
    )
    assert not touch.is_automated


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0",  # Apple Mail Privacy Protection fetches every image with this bare agent
        "",
        "Mozilla/5.0 (compatible; Barracuda Sentinel)",
        "Mimecast URL Protect",
        "python-requests/2.31",
    ],
)
def test_opens_from_privacy_proxies_and_scanners_are_flagged(client, sent, agent):
    creative, customer, _link = sent

    client.get(_open_url(creative, customer), HTTP_USER_AGENT=agent)

    assert Touch.objects.get().is_automated


def test_a_click_redirects_to_the_stored_link_and_records_information(client, sent):
    creative, customer, link_id = sent

    response = client.get(_click_url(creative, customer, link_id), HTTP_USER_AGENT=BROWSER)

    assert response.status_code == 302
    assert response["Location"] == "https://shop.example.com/offer?x=1"
    touch = Touch.objects.get()
    assert (touch.step, touch.kind) == (AidaStep.INFORMATION, TouchKind.CLICK)


def test_a_tampered_token_answers_400_and_records_nothing(client, sent):
    creative, customer, link_id = sent
    url = _click_url(creative, customer, link_id)
    token = url.rstrip("/").rsplit("/", 1)[1]
    ids, signature = token.split(":")
    forged = ids.rsplit(".", 1)[0] + f".{link_id + 1}:" + signature

    assert client.get(reverse("campaigns:click", args=[forged])).status_code == 400
    assert client.get(reverse("campaigns:click", args=["1.2.3.4:nonsense"])).status_code == 400
    assert not Touch.objects.exists()


@pytest.mark.parametrize("token", ["forged", "1.2.3:nonsense", "1.2.3.4:AAAA", "x" * 300])
def test_the_open_pixel_answers_a_bad_token_exactly_as_a_good_one(client, sent, token):
    creative, customer, _link = sent
    good = client.get(_open_url(creative, customer), HTTP_USER_AGENT=BROWSER)
    Touch.objects.all().delete()

    bad = client.get(reverse("campaigns:open", args=[token]), HTTP_USER_AGENT=BROWSER)

    assert bad.status_code == good.status_code == 200
    assert bad["Content-Type"] == good["Content-Type"] == "image/gif"
    assert bad.content == good.content
    assert bad["Cache-Control"] == good["Cache-Control"] and "no-store" in bad["Cache-Control"]
    assert not Touch.objects.exists()


@pytest.mark.parametrize(
    "query", ["?next=https://evil.example.net/", "?url=//evil.example.net", "?r=https://evil.example.net/"]
)
def test_a_bad_click_token_never_redirects_where_the_request_says(client, sent, query):
    creative, customer, link_id = sent
    token = _click_url(creative, customer, link_id).rstrip("/").rsplit("/", 1)[1]
    for bad in ["https:%2F%2Fevil.example.net", token[:-2] + "xx", "1.2.3.4:nonsense"]:
        response = client.get(reverse("campaigns:click", args=[bad]) + query)

        assert response.status_code == 400
        assert "Location" not in response
    assert not Touch.objects.exists()


def test_an_unknown_link_answers_404(client, sent):
    creative, customer, link_id = sent

    response = client.get(_click_url(creative, customer, link_id + 999))

    assert response.status_code == 404
    assert not Touch.objects.exists()


def test_a_link_of_another_campaign_is_never_a_redirect_target(client, sent):
    creative, customer, _link = sent
    other = CreativeFactory(html_body='<a href="https://evil.example.net/">x</a>')
    foreign = links_sync(campaign=other.campaign)["https://evil.example.net/"]

    response = client.get(_click_url(creative, customer, foreign))

    assert response.status_code == 404
    assert not Touch.objects.exists()


def test_the_target_never_comes_from_the_request(client, sent):
    creative, customer, link_id = sent

    response = client.get(_click_url(creative, customer, link_id) + "?next=https://evil.example.net/&url=//evil")

    assert response["Location"] == "https://shop.example.com/offer?x=1"


def test_script_links_are_refused_when_the_creative_is_saved(db):
    from django.core.exceptions import ValidationError

    creative = CreativeFactory.build(
        campaign=CampaignFactory(), html_body='<a href="javascript:alert(1)">x</a><a href="data:text/html,x">y</a>'
    )
    with pytest.raises(ValidationError) as exc:
        creative.full_clean()
    assert "html_body" in exc.value.message_dict
    with pytest.raises(ValidationError):
        Link(campaign=creative.campaign, url="javascript:alert(1)").full_clean()


def test_banner_impressions_and_clicks(client, db):
    banner = CreativeFactory(
        kind="banner", name="Spring banner", alt_text="Spring sale", target_url="https://shop.example.com/"
    )
    token = tokens.banner_token(creative_id=banner.pk)

    page = client.get(reverse("campaigns:banner", args=[token]), HTTP_USER_AGENT=BROWSER)
    go = client.get(reverse("campaigns:banner_click", args=[token]), HTTP_USER_AGENT=BROWSER)

    assert page.status_code == 200
    assert "X-Frame-Options" not in page  # embeddable on the company's site
    assert b"Spring sale" in page.content
    assert go["Location"] == "https://shop.example.com/"
    assert list(Touch.objects.order_by("id").values_list("kind", "step")) == [
        (TouchKind.BANNER_IMPRESSION, AidaStep.ATTENTION),
        (TouchKind.CLICK, AidaStep.INFORMATION),
    ]
    other = tokens.banner_token(creative_id=banner.pk + 100)
    assert client.get(reverse("campaigns:banner", args=[other])).status_code == 404


def test_an_information_page_view_by_topic_is_recorded_for_the_known_reader(client, db):
    topic = TopicFactory(name="Tea", slug="tea")
    page = CreativeFactory(kind="info_page", topic=topic, subject="All about green tea", html_body="<p>Steep 2 min</p>")
    customer = CustomerFactory()
    r = tokens.preferences_token(customer_id=customer.pk)

    listing = client.get(reverse("campaigns:topic", args=["tea"]))
    response = client.get(reverse("campaigns:info_page", args=["tea", page.pk]), {"r": r}, HTTP_USER_AGENT=BROWSER)

    assert b"All about green tea" in listing.content
    assert response.status_code == 200
    touch = Touch.objects.get()
    assert (touch.kind, touch.step, touch.customer, touch.detail) == (
        TouchKind.PAGE_VIEW,
        AidaStep.INFORMATION,
        customer,
        "tea",
    )


@pytest.mark.parametrize(
    ("kind", "touch_kind", "step"),
    [
        ("offer_claim", TouchKind.OFFER_CLAIM, AidaStep.DESIRE),
        ("notify_me", TouchKind.NOTIFY_ME, AidaStep.DESIRE),
        ("inquiry", TouchKind.INQUIRY, AidaStep.DESIRE),
        ("comment", TouchKind.COMMENT, AidaStep.INFORMATION),
    ],
)
def test_desire_forms_record_their_step(client, sent, kind, touch_kind, step):
    creative, customer, _link = sent
    token = tokens.desire_token(campaign_id=creative.campaign_id, customer_id=customer.pk, creative_id=creative.pk)
    url = reverse("campaigns:respond", args=[token, kind])

    assert client.get(url).status_code == 200
    response = client.post(url, {"message": "<script>alert(1)</script> آیا رنگ آبی هم دارید؟"})

    assert response.status_code == 200
    touch = Touch.objects.get()
    assert (touch.kind, touch.step, touch.customer) == (touch_kind, step, customer)
    assert touch.detail.startswith("<script>")  # stored as text …


def test_what_visitors_type_is_shown_escaped_in_the_admin(admin_client, sent):
    creative, customer, _link = sent
    client_agent = '<img src=x onerror="alert(1)">'
    admin_client.get(_open_url(creative, customer), HTTP_USER_AGENT=client_agent, HTTP_REFERER="<b>ref</b>")
    touch = Touch.objects.get()

    page = admin_client.get(reverse("admin:campaigns_touch_change", args=[touch.pk]))

    assert b'<img src=x onerror="alert(1)">' not in page.content
    assert b"&lt;img src=x onerror=" in page.content


def test_public_endpoints_are_rate_limited(client, sent, settings):
    settings.CAMPAIGNS_TRACKING_RATE_LIMIT = 3
    creative, customer, _link = sent
    url = _open_url(creative, customer)

    codes = [client.get(url, HTTP_USER_AGENT=BROWSER).status_code for _ in range(5)]

    assert codes == [200, 200, 200, 429, 429]
    assert Touch.objects.count() == 3


def test_without_redis_each_hit_is_written_in_the_request_with_its_own_hit_id(client, sent):
    creative, customer, _link = sent
    url = _open_url(creative, customer)

    for _ in range(2):
        assert client.get(url, HTTP_USER_AGENT=BROWSER).status_code == 200

    hits = list(Touch.objects.filter(kind=TouchKind.EMAIL_OPEN).values_list("hit_id", flat=True))
    assert len(hits) == 2 and None not in hits and hits[0] != hits[1]


def test_a_hit_delivered_twice_is_stored_once(sent):
    """A consumer killed after its insert committed, before its acknowledgement: the next one writes it again."""
    from campaigns.services.tracking import touch_event, touches_write_events

    creative, customer, _link = sent
    fields = {
        "kind": TouchKind.EMAIL_OPEN,
        "source": TouchSource.EMAIL,
        "campaign_id": creative.campaign_id,
        "customer_id": customer.pk,
    }
    event, other = touch_event(**fields), touch_event(**fields)

    assert touches_write_events([event]) == 1
    assert touches_write_events([event, other]) == 1  # the first again, with one new

    assert Touch.objects.filter(customer=customer).count() == 2


# The busiest public addresses (open pixel, click redirect, website events) answer through a short middleware
# chain: an admin session in the same browser changes nothing about where a link goes, and a hit does no session,
# user or page-policy work.
@pytest.fixture
def superuser_without_a_device(client, settings):
    settings.OTP_REQUIRED_FOR_SUPERUSERS = True
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_a_staff_member_who_owes_a_two_factor_device_still_lands_on_the_link(client, sent, superuser_without_a_device):
    creative, customer, link_id = sent
    # The admin itself keeps such a session on the two-factor page…
    assert client.get(reverse("admin:index"))["Location"] == reverse("admin:two_factor")

    # …but a campaign link clicked in the same browser goes where the mail said, and the click counts.
    response = client.get(_click_url(creative, customer, link_id), HTTP_USER_AGENT=BROWSER)

    assert response.status_code == 302
    assert response["Location"] == "https://shop.example.com/offer?x=1"
    assert Touch.objects.filter(kind=TouchKind.CLICK).count() == 1


def test_a_hit_reads_no_session_and_carries_no_page_policy(client, sent, superuser_without_a_device, settings):
    settings.EVENTS_REDIS_URL = ""
    creative, customer, _link = sent

    with CaptureQueriesContext(connection) as queries:
        response = client.get(_open_url(creative, customer), HTTP_USER_AGENT=BROWSER)

    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    tables = " ".join(query["sql"] for query in queries.captured_queries)
    assert "campaigns_touch" in tables and "django_session" not in tables and "auth_user" not in tables
    assert "Content-Security-Policy" not in response and not response.cookies
    # The rest of the site keeps its policy.
    assert "Content-Security-Policy" in client.get(reverse("admin:login"))
