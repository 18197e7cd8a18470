"""Outgoing webhooks as a receiver sees them: signed, retried with backoff, in order per object, turned off (and
the owner told) after repeated failures, sent again on demand."""

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from customers.services import consent_set
from emarketing.hooks.bus import events, publish
from emarketing.hooks.models import Delivery, DeliveryStatus, Subscription
from emarketing.hooks.services import webhooks_send_due
from orders.services.orders import order_create
from orders.services.payments import payment_capture
from tests.customers.factories import CustomerFactory
from tests.orders.factories import PaymentFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _verify(post, secret, tolerance=300):
    """What a receiver does: recompute the HMAC over "<t>.<body>" and compare in constant time."""
    parts = dict(item.split("=", 1) for item in post.headers["X-Emarketing-Signature"].split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + post.body, hashlib.sha256).hexdigest()
    fresh = abs(timezone.now().timestamp() - int(parts["t"])) <= tolerance
    return fresh and hmac.compare_digest(expected, parts["v1"])


def _publish(capture, *events_and_keys):
    with capture(execute=True), transaction.atomic():
        for name, key in events_and_keys:
            publish(name, key=key, payload={"note": f"{name} {key}"})


def test_an_order_placed_reaches_the_receiver_signed_with_the_subscriptions_secret(
    subscription, receiver, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        order = order_create(customer=customer, lines=[{"product": ProductFactory(), "quantity": 2}])

    [post] = receiver.posts
    assert post.event == "order.created"
    assert post.headers["Content-Type"] == "application/json"
    envelope = post.envelope
    assert envelope["object"] == f"order:{order.pk}" and envelope["sequence"] == 1
    assert envelope["data"]["number"] == order.number and envelope["data"]["customer"] == customer.pk
    assert envelope["id"] == post.delivery
    assert _verify(post, subscription.secret)
    assert not _verify(post, "whsec_someone-else")
    delivery = Delivery.objects.get(pk=post.delivery)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.last_status_code == 200
    assert delivery.response_ms is not None and delivery.response_body == '{"ok": true}'


def test_the_outbox_row_commits_with_the_change_and_not_without_it(subscription, receiver):
    customer = CustomerFactory()
    with transaction.atomic():
        order_create(customer=customer, lines=[{"product": ProductFactory()}])
        # Written in the transaction of the order itself, before any after-commit work.
        assert Delivery.objects.filter(event="order.created").count() == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        order_create(customer=customer, lines=[{"product": ProductFactory()}])
        raise RuntimeError("the order is rolled back")
    assert Delivery.objects.filter(event="order.created").count() == 1


def test_a_failed_delivery_is_tried_again_after_a_growing_delay_then_delivered(
    subscription, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    receiver.answer = lambda n, delivery: 503 if n < 2 else 200
    _publish(django_capture_on_commit_callbacks, ("order.paid", "order:7"))
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert delivery.last_status_code == 503 and delivery.response_body == "receiver says no"
    first_wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
    assert 30 <= first_wait <= 60

    assert webhooks_send_due().posted == 0  # not due yet: nothing is posted
    webhooks_send_due(now=delivery.next_attempt_at + dt.timedelta(seconds=1))
    delivery.refresh_from_db()
    second_wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
    assert delivery.attempts == 2 and 60 <= second_wait <= 120

    webhooks_send_due(now=delivery.next_attempt_at + dt.timedelta(seconds=1))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3
    assert [p.delivery for p in receiver.posts] == [delivery.pk] * 3  # one id: the receiver can drop repeats
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0 and subscription.active


def test_a_delivery_that_keeps_failing_is_given_up_and_the_next_of_its_object_goes(
    subscription, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.answer = lambda n, delivery: 500 if delivery == first.pk else 200
    first = None
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        publish("order.created", key="order:1", payload={})
        publish("order.paid", key="order:1", payload={})
    first, second = Delivery.objects.order_by("sequence")
    later = timezone.now() + dt.timedelta(days=1)
    webhooks_send_due(now=later)
    webhooks_send_due(now=later + dt.timedelta(days=1))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == DeliveryStatus.DEAD and first.attempts == 2
    assert second.status == DeliveryStatus.DELIVERED


def test_the_events_of_one_object_arrive_in_order_even_when_the_first_one_fails(
    subscription, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        for name, key in [
            ("order.created", "order:1"),
            ("order.created", "order:2"),
            ("order.paid", "order:1"),
            ("order.paid", "order:2"),
            ("customer.updated", "customer:5"),
        ]:
            publish(name, key=key, payload={})
    first = Delivery.objects.get(key="order:1", sequence=1).pk
    failed_once = set()

    def answer(n, delivery):  # the first post of order:1's first event fails, whenever it comes
        if delivery == first and delivery not in failed_once:
            failed_once.add(delivery)
            return 500
        return 200

    receiver.answer = answer
    webhooks_send_due()
    assert [p.key for p in receiver.accepted()].count("order:1") == 0  # its first event failed: it waits
    assert sorted(p.key for p in receiver.accepted()) == ["customer:5", "order:2", "order:2"]

    webhooks_send_due(now=timezone.now() + dt.timedelta(hours=1))
    by_object = {}
    for post in receiver.accepted():
        by_object.setdefault(post.key, []).append((post.sequence, post.event))
    assert by_object["order:1"] == [(1, "order.created"), (2, "order.paid")]
    assert by_object["order:2"] == [(1, "order.created"), (2, "order.paid")]
    assert not Delivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists()


def test_events_the_subscription_did_not_choose_are_not_sent(
    subscription, receiver, django_capture_on_commit_callbacks
):
    _publish(django_capture_on_commit_callbacks, ("ticket.opened", "ticket:1"))
    assert not Delivery.objects.exists() and receiver.posts == []


def test_a_receiver_that_keeps_failing_is_turned_off_and_its_owner_told(
    subscription, receiver, settings, django_capture_on_commit_callbacks, admin_client
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    settings.WEBHOOK_DISABLE_AFTER_SECONDS = 0
    receiver.answer = lambda n, delivery: 500
    _publish(django_capture_on_commit_callbacks, *[("order.created", f"order:{i}") for i in range(3)])

    subscription.refresh_from_db()
    assert not subscription.active and subscription.disabled_at is not None
    assert subscription.disabled_reason == "HTTP 500"
    [message] = mail.outbox
    assert message.to == ["integrator@example.com"]
    assert "CRM" in message.subject and receiver.url in message.body
    assert f"/admin/hooks/subscription/{subscription.pk}/change/" in message.body

    # Off: nothing more is posted, and new events are not recorded for it.
    posts = len(receiver.posts)
    _publish(django_capture_on_commit_callbacks, ("order.created", "order:9"))
    assert webhooks_send_due(now=timezone.now() + dt.timedelta(days=1)).posted == 0
    assert len(receiver.posts) == posts and Delivery.objects.count() == 3

    # Turned back on from the admin once the receiver works: what it was owed is sent.
    receiver.answer = lambda n, delivery: 200
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/hooks/subscription/", {"action": "enable", "_selected_action": [subscription.pk]}, follow=True
        )
    webhooks_send_due(now=timezone.now() + dt.timedelta(days=1))
    subscription.refresh_from_db()
    assert subscription.active and subscription.consecutive_failures == 0
    assert Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 3


def test_a_short_outage_does_not_turn_a_receiver_off(
    subscription, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 2  # many failures, but all within the first minutes of the outage
    receiver.answer = lambda n, delivery: 500
    _publish(django_capture_on_commit_callbacks, *[("order.created", f"order:{i}") for i in range(5)])
    subscription.refresh_from_db()
    assert subscription.active and subscription.consecutive_failures == 5
    assert mail.outbox == []


def test_every_event_of_the_stages_is_in_the_catalogue():
    names = {name for name, _label in events.choices()}
    assert {
        "customer.created",
        "customer.updated",
        "customer.erased",
        "consent.changed",
        "order.created",
        "order.paid",
        "order.delivered",
        "ticket.opened",
        "ticket.closed",
        "survey.answered",
        "need.created",
        "campaign.sent",
    } <= names


def test_consent_and_full_payment_are_published_by_the_stages(receiver, django_capture_on_commit_callbacks):
    Subscription.objects.create(name="All", url=receiver.url, events=["consent.changed", "order.paid"])
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        consent_set(customer=customer, channel="email", granted=True, source="admin")
        order = order_create(customer=customer, lines=[{"product": ProductFactory(price=10)}])
        half = PaymentFactory(order=order, amount=5, currency=order.currency)
        rest = PaymentFactory(order=order, amount=5, currency=order.currency)
        payment_capture(payment=half)
        payment_capture(payment=rest)
    by_event = {p.event: p.envelope for p in receiver.posts}
    assert by_event["consent.changed"]["data"] == {
        "customer": customer.pk,
        "channel": "email",
        "granted": True,
        "source": "admin",
    }
    assert [p.event for p in receiver.posts].count("order.paid") == 1  # paid once: when paid in full
    assert by_event["order.paid"]["data"]["payment"]["id"] == rest.pk
    # Different objects go out on their own lines, in any order between them: find the order's post.
    (paid,) = [p for p in receiver.posts if p.event == "order.paid"]
    assert json.loads(paid.body)["object"] == f"order:{order.pk}"
