"""Webhooks posted by a real Celery worker on Redis, killed mid-delivery and started again: every event reaches
the receiver, in order per object; only what was on the wire when the worker died can arrive twice, under the same
delivery id, which the receiver drops."""

import pytest
from django.db import transaction

from emarketing.hooks.bus import publish
from emarketing.hooks.models import Delivery, DeliveryStatus, Subscription
from emarketing.hooks.tasks import deliver_webhooks
from tests.conftest import wait_until
from tests.hooks.receiver import Receiver

pytestmark = pytest.mark.worker

OBJECTS, PER_OBJECT = 20, 10
CONCURRENCY = 2  # the worker's processes, each posting one delivery at a time here
BATCH = 5  # deliveries a sender posts before it records what they came to


@pytest.fixture
def worker_env(monkeypatch, settings):
    """What the worker process reads from its environment: one post at a time, small batches, short claims."""
    monkeypatch.setenv("WEBHOOK_SEND_THREADS", "1")
    monkeypatch.setenv("WEBHOOK_SEND_BATCH_SIZE", str(BATCH))
    monkeypatch.setenv("WEBHOOK_CLAIM_SECONDS", "3")
    settings.WEBHOOK_CLAIM_SECONDS = 3


@pytest.fixture
def slow_receiver():
    receiver = Receiver(delay=0.03).start()
    yield receiver
    receiver.stop()


def test_a_worker_killed_mid_delivery_and_restarted_delivers_every_event_once_in_order(
    worker_env, celery_worker, slow_receiver
):
    Subscription.objects.create(name="CRM", url=slow_receiver.url, events=["order.created", "order.paid"])
    for round_ in range(PER_OBJECT):
        with transaction.atomic():
            for n in range(OBJECTS):
                publish("order.paid" if round_ else "order.created", key=f"order:{n}", payload={"round": round_})
    assert wait_until(lambda: len(slow_receiver.posts) >= 40, timeout=60), "the worker never started posting"
    celery_worker.kill()
    assert len(slow_receiver.posts) < OBJECTS * PER_OBJECT, "everything was sent before the worker could be killed"

    celery_worker.start()
    # Nudged as beat does every minute: the dead worker's claims run out after 3 seconds and are taken again.
    assert wait_until(
        lambda: (
            deliver_webhooks.delay()
            and wait_until(lambda: not Delivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists(), timeout=5)
        ),
        timeout=120,
    )
    ids = set(Delivery.objects.values_list("pk", flat=True))
    received = [post.delivery for post in slow_receiver.posts]
    assert set(received) == ids  # every event arrived
    # Only posts of the batches the killed processes had not recorded yet came twice, under their own ids.
    assert len(received) - len(set(received)) <= CONCURRENCY * BATCH
    first_seen: dict[str, list[int]] = {}
    seen: set[int] = set()
    for post in slow_receiver.posts:
        if post.delivery not in seen:
            seen.add(post.delivery)
            first_seen.setdefault(post.key, []).append(post.sequence)
    assert all(sequences == list(range(1, PER_OBJECT + 1)) for sequences in first_seen.values())
    assert len(first_seen) == OBJECTS
