"""Each resource as an integration sees it: sync by ``updated_after`` and the cursor, writes once per
Idempotency-Key, an agent's key limited to the agent's orders."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.models import Ticket
from campaigns.models import Touch
from customers.models import ConsentEvent, Customer
from orders.models import Order
from orders.services import order_cancel, payment_capture, payment_create
from tests.aftersales.factories import SurveyResponseFactory, TicketFactory
from tests.api.conftest import Caller
from tests.campaigns.factories import CampaignFactory
from tests.customers.factories import CustomerFactory, NeedFactory, SegmentFactory
from tests.orders.factories import AgentFactory, OrderFactory, OrderLineFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_cursor_pages_every_row_once_in_update_order(api):
    CustomerFactory.create_batch(7)
    seen, url, pages = [], "/api/v1/customers/?page_size=3", 0
    while url:
        body = api.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 3
    assert sorted(seen) == sorted(Customer.objects.values_list("pk", flat=True))
    assert len(seen) == len(set(seen))


def test_updated_after_returns_only_what_changed_since(api):
    old, changed = CustomerFactory(), CustomerFactory()
    mark = timezone.now()
    Customer.objects.filter(pk=old.pk).update(updated_at=mark - dt.timedelta(hours=1))
    Customer.objects.filter(pk=changed.pk).update(updated_at=mark + dt.timedelta(seconds=1))
    body = api.get("/api/v1/customers/", {"updated_after": mark.isoformat()}).json()
    assert [row["id"] for row in body["results"]] == [changed.pk]
    bad = api.get("/api/v1/customers/", {"updated_after": "yesterday"})
    assert bad.status_code == 400
    assert "updated_after" in bad.json()["fields"]


def test_updated_after_with_any_offset_iso_8601_allows_is_read_in_utc(api):
    """PostgreSQL refuses offsets past ±15:59 (a 500 before); the moment is the same in UTC."""
    customer = CustomerFactory()
    mark = timezone.now()
    Customer.objects.filter(pk=customer.pk).update(updated_at=mark)
    before = (mark - dt.timedelta(minutes=1)).astimezone(dt.timezone(-dt.timedelta(hours=16, minutes=19)))

    body = api.get("/api/v1/customers/", {"updated_after": before.isoformat()}).json()

    assert [row["id"] for row in body["results"]] == [customer.pk]
    year_zero = api.get("/api/v1/customers/", {"updated_after": "0001-01-01T00:00:00+16:00"})
    assert year_zero.status_code == 400


def test_a_bad_cursor_is_a_400_naming_it(api):
    answer = api.get("/api/v1/customers/", {"cursor": "not-a-cursor"})
    assert answer.status_code == 400
    assert "cursor" in answer.json()["fields"]


def test_an_order_changes_when_its_payment_does(api):
    order = OrderFactory()
    OrderLineFactory(order=order)
    Order.objects.filter(pk=order.pk).update(updated_at=timezone.now() - dt.timedelta(days=1))
    mark = timezone.now()
    payment = payment_create(order=order, amount=Decimal("50.00"))
    payment_capture(payment=payment)
    body = api.get("/api/v1/orders/", {"updated_after": mark.isoformat()}).json()
    assert [row["id"] for row in body["results"]] == [order.pk]
    assert body["results"][0]["payments"][0]["status"] == "captured"


def test_an_order_status_move_is_seen_by_a_sync(api):
    order = OrderFactory()
    Order.objects.filter(pk=order.pk).update(updated_at=timezone.now() - dt.timedelta(days=1))
    mark = timezone.now()
    order_cancel(order=Order.objects.get(pk=order.pk))
    body = api.get("/api/v1/orders/", {"updated_after": mark.isoformat()}).json()
    assert [(row["id"], row["status"]) for row in body["results"]] == [(order.pk, "cancelled")]


def test_creating_a_customer_twice_with_one_idempotency_key_creates_one(api):
    body = {
        "email": "leila@example.com",
        "first_name": "لیلا",
        "consent": {"email": True},
        "consent_source": "checkout",
    }
    first = api.post("/api/v1/customers/", body, **{"Idempotency-Key": "k-1"})
    again = api.post("/api/v1/customers/", body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Customer.objects.filter(email="leila@example.com").count() == 1
    assert ConsentEvent.objects.filter(customer__email="leila@example.com", source="checkout").count() == 1
    assert first.json()["consent"] == {"email": True}


def test_the_same_idempotency_key_with_another_body_is_409(api):
    api.post("/api/v1/customers/", {"email": "a@example.com", "first_name": "A"}, **{"Idempotency-Key": "k-2"})
    answer = api.post("/api/v1/customers/", {"email": "b@example.com", "first_name": "B"}, **{"Idempotency-Key": "k-2"})
    assert answer.status_code == 409
    assert answer.json()["error"] == "idempotency_conflict"
    assert not Customer.objects.filter(email="b@example.com").exists()


def test_idempotency_keys_belong_to_their_api_key(client, make_key):
    _a, token_a = make_key(name="A")
    _b, token_b = make_key(name="B")
    body = {"email": "shared@example.com", "first_name": "S"}
    Caller(client, token_a).post("/api/v1/customers/", body, **{"Idempotency-Key": "same"})
    other = Caller(client, token_b).post(
        "/api/v1/customers/", {**body, "first_name": "T"}, **{"Idempotency-Key": "same"}
    )
    assert other.status_code == 200  # found by e-mail, not a conflict with the other integration's key


def test_consent_is_given_and_withdrawn_through_the_service(api):
    customer = CustomerFactory()
    answer = api.post(f"/api/v1/customers/{customer.pk}/consent/", {"channel": "sms", "granted": True})
    assert answer.json()["consent"] == {"sms": True}
    answer = api.post(f"/api/v1/customers/{customer.pk}/consent/", {"channel": "sms", "granted": False})
    assert answer.json()["consent"] == {"sms": False}
    assert ConsentEvent.objects.filter(customer=customer, channel="sms").count() == 2


def test_placing_an_order_once_per_idempotency_key(api):
    product = ProductFactory(sku="MUG-1", price=Decimal("12.50"), currency="EUR")
    body = {
        "customer": {"email": "omar@example.com", "first_name": "عمر", "preferred_language": "ar"},
        "lines": [{"sku": "MUG-1", "quantity": 2}],
    }
    key = str(uuid.uuid4())
    first = api.post("/api/v1/orders/", body, **{"Idempotency-Key": key})
    assert first.status_code == 201, first.json()
    again = api.post("/api/v1/orders/", body, **{"Idempotency-Key": key})
    assert again.json()["id"] == first.json()["id"]
    order = Order.objects.get()
    assert order.total == Decimal("25.00")
    assert first.json()["lines"][0]["sku"] == product.sku
    assert first.json()["currency"] == "EUR"


def test_an_order_naming_an_unknown_sku_is_refused_with_the_line_named(api):
    body = {"customer": {"email": "x@example.com", "first_name": "X"}, "lines": [{"sku": "NOPE", "quantity": 1}]}
    answer = api.post("/api/v1/orders/", body)
    assert answer.status_code == 400
    assert "lines[0].sku" in answer.json()["fields"]
    assert not Order.objects.exists()


def test_an_agents_key_sees_and_places_only_the_agents_orders(client, make_key):
    agent, other = AgentFactory(), AgentFactory()
    own = OrderFactory(agent=agent, channel="agent")
    OrderFactory(agent=other, channel="agent")
    OrderFactory()
    _key, token = make_key(scopes=["orders:read", "orders:write"], agent_id=agent.pk)
    caller = Caller(client, token)
    assert [row["id"] for row in caller.get("/api/v1/orders/").json()["results"]] == [own.pk]
    hidden = Order.objects.exclude(pk=own.pk).first()
    assert caller.get(f"/api/v1/orders/{hidden.pk}/").status_code == 404
    ProductFactory(sku="P-1")
    placed = caller.post(
        "/api/v1/orders/",
        {"customer": {"email": "c@example.com", "first_name": "C"}, "lines": [{"sku": "P-1", "quantity": 1}]},
    ).json()
    assert (placed["agent"], placed["channel"]) == (agent.pk, "agent")


def test_an_agents_key_sees_only_tickets_and_surveys_about_the_agents_orders(client, make_key):
    agent = AgentFactory()
    own = OrderFactory(agent=agent, channel="agent")
    mine, _theirs = TicketFactory(order=own), TicketFactory(order=OrderFactory())
    SurveyResponseFactory(order=own)
    SurveyResponseFactory()
    _key, token = make_key(scopes=["tickets:read", "surveys:read"], agent_id=agent.pk)
    caller = Caller(client, token)
    assert [row["id"] for row in caller.get("/api/v1/tickets/").json()["results"]] == [mine.pk]
    assert len(caller.get("/api/v1/survey-responses/").json()["results"]) == 1


def test_segments_and_their_members(api):
    segment = SegmentFactory()
    members = CustomerFactory.create_batch(3)
    CustomerFactory()
    for customer in members:
        segment.memberships.create(customer=customer)
    body = api.get(f"/api/v1/segments/{segment.pk}/members/", {"page_size": 2}).json()
    assert len(body["results"]) == 2 and body["next"]
    rest = api.get(body["next"]).json()
    assert {r["id"] for r in body["results"] + rest["results"]} == {c.pk for c in members}


def test_needs_campaigns_and_their_stats(api):
    need = NeedFactory()
    campaign = CampaignFactory()
    assert api.get("/api/v1/needs/").json()["results"][0]["id"] == need.pk
    stats = api.get(f"/api/v1/campaigns/{campaign.pk}/stats/").json()
    assert stats["funnel"][0]["step"] == "attention"
    assert stats["messages"]["total"] == 0


def test_events_are_recorded_as_touches_once_per_event_id(api):
    customer, campaign = CustomerFactory(), CampaignFactory()
    at = timezone.now().replace(microsecond=0).isoformat()
    events = {
        "events": [
            {"id": "web-1", "kind": "page_view", "customer": customer.pk, "campaign": campaign.pk, "occurred_at": at},
            {"id": "web-2", "kind": "offer_claim", "customer": customer.pk, "occurred_at": at},
        ]
    }
    first = api.post("/api/v1/events/", events)
    assert first.status_code == 202
    assert first.json()["accepted"] == 2
    again = api.post("/api/v1/events/", events)  # no Idempotency-Key: the event ids alone keep them once
    assert again.json()["ids"] == first.json()["ids"]
    assert Touch.objects.filter(customer=customer).count() == 2
    assert set(Touch.objects.values_list("step", flat=True)) == {"information", "desire"}


def test_events_naming_unknown_customers_are_refused(api):
    answer = api.post("/api/v1/events/", {"events": [{"kind": "page_view", "customer": 987654}]})
    assert answer.status_code == 400
    assert "events[0].customer" in answer.json()["fields"]


def test_tickets_sync_by_updated_at(api):
    ticket = TicketFactory()
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    assert api.get("/api/v1/tickets/", {"updated_after": timezone.now().isoformat()}).json()["results"] == []


def test_an_idempotency_key_answers_repeats_for_its_window_and_is_then_forgotten(api, settings):
    from emarketing.api.models import IdempotencyKey
    from emarketing.api.tasks import delete_old_idempotency_keys

    settings.API_IDEMPOTENCY_KEEP_HOURS = 24
    body = {"email": "old@example.com", "first_name": "O"}
    api.post("/api/v1/customers/", body, **{"Idempotency-Key": "old"})
    api.post("/api/v1/customers/", {"email": "new@example.com", "first_name": "N"}, **{"Idempotency-Key": "new"})
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - dt.timedelta(hours=25))
    IdempotencyKey.objects.filter(key="new").update(created_at=timezone.now() - dt.timedelta(hours=23))

    assert delete_old_idempotency_keys.delay().get() == 1

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
    again = api.post(
        "/api/v1/customers/", {"email": "new@example.com", "first_name": "N"}, **{"Idempotency-Key": "new"}
    )
    assert again.headers["Idempotent-Replayed"] == "true"


def test_an_integration_changes_a_customers_profile_and_only_what_it_sends(api):
    customer = CustomerFactory(first_name="Leila", city="Shiraz", country="IR", phone="", time_zone="UTC")

    answer = api.patch(
        f"/api/v1/customers/{customer.pk}/", {"phone": "0912 345 6789", "time_zone": "Asia/Tehran", "city": "تهران"}
    )

    assert answer.status_code == 200, answer.json()
    assert (answer.json()["phone"], answer.json()["city"], answer.json()["first_name"]) == (
        "+989123456789",
        "تهران",
        "Leila",
    )
    customer.refresh_from_db()
    assert (customer.phone, customer.time_zone, customer.city) == ("+989123456789", "Asia/Tehran", "تهران")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "12", "city": "Tabriz"}, "phone"),
        ({"time_zone": "Mars/Olympus", "city": "Tabriz"}, "time_zone"),
        ({"email": "new@example.com", "city": "Tabriz"}, "__all__"),
        ({}, "__all__"),
    ],
)
def test_a_bad_profile_change_is_400_and_changes_nothing(api, body, field):
    customer = CustomerFactory(city="Shiraz", country="IR")

    answer = api.patch(f"/api/v1/customers/{customer.pk}/", body)

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid"
    assert field in answer.json()["fields"]
    customer.refresh_from_db()
    assert customer.city == "Shiraz"


def test_a_read_only_key_cannot_change_a_customer(client, make_key):
    customer = CustomerFactory(city="Shiraz")
    _key, token = make_key(scopes=["customers:read"])

    answer = Caller(client, token).patch(f"/api/v1/customers/{customer.pk}/", {"city": "Tabriz"})

    assert answer.status_code == 403
    customer.refresh_from_db()
    assert customer.city == "Shiraz"
