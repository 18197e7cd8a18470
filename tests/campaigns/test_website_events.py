"""Website events: what the snippet's endpoint and the shop's backend accept and refuse, who the events are once a
visitor identifies, each event stored once, the AIDA touches of known customers, and zero-result searches on the
needs board."""

import datetime as dt
import json
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from campaigns import tokens
from campaigns.models import AidaStep, Touch, TouchKind, Visitor, VisitorConsent, WebEvent, WebEventKind
from campaigns.services.website import identify_event, traffic_source, web_event, web_events_write
from campaigns.website_views import WEBSITE_SCOPE
from customers.models import Need, NeedKind, NeedSource
from emarketing.signing import signature_headers
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SHOP = "https://shop.example"
VISITOR = "a1b2c3d4e5f6a7b8"
SECRET = "shop-signing-key"


@pytest.fixture(autouse=True)
def _website(settings):
    settings.WEBSITE_ALLOWED_ORIGINS = [SHOP]
    settings.WEBSITE_CONSENT_REQUIRED = True
    settings.WEBSITE_WEBHOOK_SECRET = SECRET
    settings.EVENTS_REDIS_URL = ""
    cache.clear()
    yield
    cache.clear()


def _post(client, body, *, origin=SHOP, raw=None):
    data = raw if raw is not None else json.dumps(body)
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    return client.post(reverse("campaigns:website_events"), data=data, content_type="text/plain", **headers)


def _body(*events, consent=True, visitor=VISITOR, **extra):
    return {"visitor": visitor, "consent": consent, "events": list(events), **extra}


def _product(ref="SKU-1", **extra):
    return {"kind": "product_view", "url": f"{SHOP}/p/{ref}", "ref": ref, "name": "Blue shoes", **extra}


def test_consented_events_are_stored_with_their_visitor_and_source(client):
    response = _post(
        client,
        _body(
            {"kind": "page_view", "url": f"{SHOP}/?utm_source=Newsletter&utm_medium=email&utm_campaign=spring"},
            _product(),
        ),
    )
    assert response.status_code == 202
    assert response.json() == {"accepted": 2}
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert "Set-Cookie" not in response
    events = list(WebEvent.objects.order_by("kind"))
    assert [e.kind for e in events] == ["page_view", "product_view"]
    assert events[0].source == "newsletter" and events[0].medium == "email" and events[0].campaign_name == "spring"
    assert events[1].product_ref == "SKU-1" and events[1].customer_id is None
    assert Visitor.objects.get(visitor_id=VISITOR).consent == VisitorConsent.GRANTED


def test_nothing_is_stored_without_consent_where_it_is_required(client, settings):
    response = _post(client, _body(_product(), consent=False))
    assert response.status_code == 202 and response.json()["accepted"] == 0
    assert not WebEvent.objects.exists() and not Visitor.objects.exists()

    settings.WEBSITE_CONSENT_REQUIRED = False
    assert _post(client, _body(_product(), consent=False)).json()["accepted"] == 1
    assert Visitor.objects.get().consent == VisitorConsent.NOT_REQUIRED


def test_another_origin_is_refused_and_gets_no_cors_grant(client):
    for origin in ("https://evil.example", ""):
        response = _post(client, _body(_product()), origin=origin)
        assert response.status_code == 403
        assert "Access-Control-Allow-Origin" not in response
    preflight = client.options(reverse("campaigns:website_events"), HTTP_ORIGIN=SHOP)
    assert preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == SHOP
    assert not WebEvent.objects.exists()


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, settings):
    settings.WEBSITE_MAX_BODY_BYTES = 200
    response = _post(client, _body(_product(name="x" * 300)))
    assert response.status_code == 413
    assert not WebEvent.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        "[1, 2]",
        json.dumps({"visitor": "short", "consent": True, "events": [{"kind": "page_view"}]}),
        json.dumps(_body({"kind": "teleport"})),
        json.dumps(_body()),
        "[" * 50 + "]" * 50,
    ],
)
def test_bad_bodies_answer_400_and_store_nothing(client, raw):
    assert _post(client, None, raw=raw).status_code == 400
    assert not WebEvent.objects.exists()


def test_posts_past_the_rate_limit_are_refused(client, settings):
    settings.WEBSITE_RATE_LIMIT = 3
    codes = [_post(client, _body({"kind": "page_view", "url": SHOP})).status_code for _ in range(5)]
    assert codes == [202, 202, 202, 429, 429]
    assert WebEvent.objects.count() == 3


def test_the_same_event_delivered_twice_is_stored_once():
    customer = CustomerFactory()
    event = web_event(raw=_product(), visitor_id=VISITOR, customer_id=customer.pk)
    assert web_events_write([event]) == 1
    assert web_events_write([event, event]) == 0
    assert WebEvent.objects.count() == 1
    assert Touch.objects.filter(kind=TouchKind.PRODUCT_VIEW).count() == 1


def test_a_signed_link_identifies_the_visitor_and_its_past_events_get_the_customer(client):
    customer = CustomerFactory()
    _post(client, _body(_product("SKU-1")))
    assert WebEvent.objects.get().customer_id is None
    token = tokens.preferences_token(customer_id=customer.pk)
    _post(client, _body({"kind": "add_to_cart", "url": SHOP, "ref": "SKU-1", "value": "120000"}, token=token))
    assert set(WebEvent.objects.values_list("customer_id", flat=True)) == {customer.pk}
    assert Visitor.objects.get().customer == customer
    # Both now count in the funnel: the view as information, the cart as desire.
    steps = dict(Touch.objects.filter(customer=customer).values_list("kind", "step"))
    assert steps == {TouchKind.PRODUCT_VIEW: AidaStep.INFORMATION, TouchKind.ADD_TO_CART: AidaStep.DESIRE}
    # Later events of that visitor are the customer's at once.
    _post(client, _body({"kind": "checkout_started", "url": SHOP, "value": "120000"}))
    assert WebEvent.objects.get(kind=WebEventKind.CHECKOUT_STARTED).customer == customer


def test_a_tampered_token_is_refused(client):
    customer = CustomerFactory()
    token = tokens.preferences_token(customer_id=customer.pk) + "x"
    assert _post(client, _body(_product(), token=token)).status_code == 400
    assert not WebEvent.objects.exists()


def test_events_still_in_the_stream_when_the_visitor_identifies_get_the_customer():
    customer = CustomerFactory()
    before = web_event(raw=_product(), visitor_id=VISITOR)
    after = web_event(raw={"kind": "page_view", "url": SHOP}, visitor_id=VISITOR)
    web_events_write([before, identify_event(visitor_id=VISITOR, customer_id=customer.pk), after])
    assert set(WebEvent.objects.values_list("customer_id", flat=True)) == {customer.pk}


def test_the_merge_reaches_back_only_as_far_as_the_setting_says(settings):
    settings.WEBSITE_MERGE_DAYS = 30
    customer = CustomerFactory()
    old = web_event(raw=_product(), visitor_id=VISITOR, now=timezone.now() - dt.timedelta(days=31))
    recent = web_event(raw=_product("SKU-2"), visitor_id=VISITOR, now=timezone.now() - dt.timedelta(days=29))
    web_events_write([old, recent])
    web_events_write([identify_event(visitor_id=VISITOR, customer_id=customer.pk)])
    assert dict(WebEvent.objects.values_list("product_ref", "customer_id")) == {"SKU-1": None, "SKU-2": customer.pk}


def _signed_post(client, body, *, secret=SECRET):
    data = json.dumps(body).encode()
    headers = signature_headers(body=data, secret=secret, scope=WEBSITE_SCOPE)
    return client.post(
        reverse("campaigns:website_events_server"),
        data=data,
        content_type="application/json",
        headers=headers,
    )


def test_the_shops_backend_sends_signed_events_naming_the_customer(client):
    customer = CustomerFactory(email="reza@example.com")
    body = _body({"kind": "checkout_started", "url": f"{SHOP}/checkout", "value": "99.5"})
    body["customer"] = {"email": "Reza@Example.com"}
    response = _signed_post(client, body)
    assert response.status_code == 202, response.content
    event = WebEvent.objects.get()
    assert event.customer == customer and str(event.value) == "99.50"
    assert Visitor.objects.get().customer == customer  # the browser it named is now known

    assert _signed_post(client, body, secret="wrong").status_code == 401
    body["customer"] = {"external_id": "nobody"}
    assert _signed_post(client, body).status_code == 404
    assert WebEvent.objects.count() == 1


def test_zero_result_searches_become_one_want_per_query_counted(client):
    for query in ("Red  Shoes", "red shoes", "«RED SHOES»"):
        _post(client, _body({"kind": "search", "url": SHOP, "q": query, "results": 0}))
    _post(client, _body({"kind": "search", "url": SHOP, "q": "socks", "results": 3}))
    # The same words typed with Persian and with Arabic letters (and digits) are one query.
    _post(client, _body({"kind": "search", "url": SHOP, "q": "کفش ۴۲", "results": 0}))
    _post(client, _body({"kind": "search", "url": SHOP, "q": "كفش ٤٢", "results": 0}))
    wants = {need.query: need for need in Need.objects.filter(source=NeedSource.SEARCH)}
    assert len(wants) == 2 and "red shoes" in wants
    assert wants["red shoes"].mention_count == 3 and wants["red shoes"].kind == NeedKind.WANT
    (persian,) = set(wants) - {"red shoes"}
    assert persian.endswith("42") and wants[persian].mention_count == 2


def test_a_search_delivered_twice_counts_once():
    event = web_event(raw={"kind": "search", "url": SHOP, "q": "kettle", "results": 0}, visitor_id=VISITOR)
    web_events_write([event])
    web_events_write([event])
    assert Need.objects.get(query="kettle").mention_count == 1


@pytest.mark.parametrize(
    ("url", "referrer", "expected"),
    [
        (f"{SHOP}/?utm_source=Instagram&utm_medium=social", "", ("instagram", "social", "")),
        (f"{SHOP}/", "https://www.google.com/search?q=x", ("google.com", "referral", "")),
        (f"{SHOP}/", f"{SHOP}/cart", ("direct", "", "")),
        (f"{SHOP}/", "", ("direct", "", "")),
    ],
)
def test_traffic_source(url, referrer, expected):
    assert traffic_source(url=url, referrer=referrer) == expected


def test_unreadable_stream_entries_are_dropped_and_the_rest_written():
    good = web_event(raw=_product(), visitor_id=VISITOR)
    assert web_events_write([{"kind": "page_view"}, {"type": "identify"}, good]) == 1
    assert WebEvent.objects.get().hit_id == uuid.UUID(good["hit_id"])


def test_erasing_a_customer_forgets_their_browser_what_they_typed_and_the_pages_they_visited(client):
    from customers.models import ErasureSource
    from customers.services.erasure import customer_erase

    customer = CustomerFactory()
    _post(client, _body({"kind": "search", "url": f"{SHOP}/search?q=red", "q": "red kettle", "results": 3}))
    token = tokens.preferences_token(customer_id=customer.pk)
    _post(client, _body(_product("SKU-1"), token=token))
    _post(client, _body(_product("SKU-2"), visitor="ffffeeeeddddcccc"))  # somebody else's browser

    customer_erase(customer=customer, source=ErasureSource.ADMIN, requested_by=None)

    assert not Visitor.objects.filter(visitor_id=VISITOR).exists()
    theirs = WebEvent.objects.exclude(visitor_id="ffffeeeeddddcccc")
    # Still counted as traffic, by kind, source, product and time.
    assert sorted(theirs.values_list("kind", flat=True)) == [WebEventKind.PRODUCT_VIEW, WebEventKind.SEARCH]
    assert set(theirs.values_list("visitor_id", "path", "referrer", "query")) == {("", "", "", "")}
    other = WebEvent.objects.get(visitor_id="ffffeeeeddddcccc")
    assert (other.path, other.product_ref) == ("/p/SKU-2", "SKU-2")
