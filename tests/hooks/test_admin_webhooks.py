"""Webhooks in the admin: a subscription made with its events and secret, a test event from its page, the delivery
log replayed by those allowed to, and addresses inside our own network refused."""

import socket

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from emarketing.hooks.models import Delivery, DeliveryStatus, Subscription
from emarketing.hooks.services import webhooks_send_due
from emarketing.hooks.targets import url_problem
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_subscription_is_made_in_the_admin_with_events_from_the_catalogue_and_shows_its_secret(
    admin_client, receiver
):
    page = admin_client.get(reverse("admin:hooks_subscription_add")).content.decode()
    assert 'value="order.paid"' in page and "Order paid" in page and 'value="webhook.test"' not in page
    response = admin_client.post(
        reverse("admin:hooks_subscription_add"),
        {"name": "Shop", "url": receiver.url, "events": ["order.paid", "ticket.closed"], "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    subscription = Subscription.objects.get(name="Shop")
    assert subscription.events == ["order.paid", "ticket.closed"]
    assert subscription.secret.startswith("whsec_") and len(subscription.secret) > 40
    page = admin_client.get(reverse("admin:hooks_subscription_change", args=[subscription.pk])).content.decode()
    assert subscription.secret in page
    assert "Send a test event" in page


def test_the_test_event_button_posts_a_signed_test_event(
    admin_client, subscription, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:hooks_subscription_send_test", args=[subscription.pk]), follow=True)
    assert "A test event is on its way" in response.content.decode()
    [post] = receiver.posts
    assert post.event == "webhook.test" and post.envelope["data"]["subscription"] == "CRM"


def test_a_delivery_is_replayed_as_a_new_delivery_by_those_allowed_to(
    client, subscription, receiver, django_capture_on_commit_callbacks
):
    delivery = Delivery.objects.create(
        subscription=subscription,
        event="order.paid",
        key="order:3",
        sequence=1,
        payload={"id": 3},
        status=DeliveryStatus.DEAD,
        attempts=12,
    )
    url = reverse("admin:hooks_delivery_changelist")
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_delivery"))
    client.force_login(viewer)
    page = client.get(url).content.decode()
    assert 'value="replay"' not in page
    client.post(url, {"action": "replay", "_selected_action": [delivery.pk]})
    assert Delivery.objects.count() == 1

    viewer.user_permissions.add(Permission.objects.get(codename="replay_delivery"))
    viewer = type(viewer).objects.get(pk=viewer.pk)  # permissions are cached on the user
    client.force_login(viewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "replay", "_selected_action": [delivery.pk]}, follow=True)
    assert "1 delivery will be sent again." in response.content.decode()
    replay = Delivery.objects.exclude(pk=delivery.pk).get()
    assert replay.replay_of == delivery and replay.sequence == 2 and replay.status == DeliveryStatus.DELIVERED
    [post] = receiver.posts
    assert post.delivery == replay.pk and post.envelope["data"] == {"id": 3}


def test_the_delivery_log_filters_by_status_and_event(admin_client, subscription):
    Delivery.objects.create(subscription=subscription, event="order.paid", key="order:1", sequence=1, status="dead")
    Delivery.objects.create(subscription=subscription, event="order.created", key="order:2", sequence=1)
    page = admin_client.get(reverse("admin:hooks_delivery_changelist"), {"status": "dead"}).content.decode()
    assert "order:1" in page and "order:2" not in page
    page = admin_client.get(reverse("admin:hooks_delivery_changelist"), {"event": "order.created"}).content.decode()
    assert "order:2" in page and "order:1" not in page


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/in",
        "https://127.0.0.1/in",
        "https://10.1.2.3/in",
        "https://192.168.0.10/in",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/in",
        "https://localhost/in",
        "https://user:pw@hooks.example.com/in",
    ],
)
def test_in_production_only_https_to_the_public_internet_is_allowed(settings, url):
    settings.WEBHOOK_ALLOW_INSECURE_TARGETS = False
    assert url_problem(url, resolve=False)


def test_a_public_name_that_resolves_into_our_network_is_refused_before_posting(
    settings, monkeypatch, subscription, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_INSECURE_TARGETS = False
    assert url_problem("https://hooks.example.com/in", resolve=False) == ""
    Subscription.objects.filter(pk=subscription.pk).update(url="https://hooks.example.com/in")
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443))]
    )
    Delivery.objects.create(subscription=subscription, event="order.paid", key="order:1", sequence=1)
    webhooks_send_due()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and "private network" in delivery.last_error
    assert delivery.last_status_code is None


def test_the_admin_refuses_a_private_address_in_production(admin_client, settings):
    settings.WEBHOOK_ALLOW_INSECURE_TARGETS = False
    response = admin_client.post(
        reverse("admin:hooks_subscription_add"),
        {"name": "Inside", "url": "https://192.168.1.1/hook", "events": ["order.paid"], "active": "on"},
    )
    assert response.status_code == 200 and "private network" in response.content.decode()
    assert not Subscription.objects.exists()
