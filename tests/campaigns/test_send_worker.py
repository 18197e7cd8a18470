"""A campaign sent by a real Celery worker on Redis, killed mid-send and started again."""

import os

import pytest

from campaigns.models import Campaign, CampaignStatus, Message, MessageStatus
from campaigns.services import campaign_start
from campaigns.tasks import send_campaign, start_due_campaigns
from tests.conftest import wait_until
from tests.customers.factories import ConsentFactory, CustomerFactory

pytestmark = pytest.mark.worker

RECIPIENTS = 40


@pytest.fixture
def worker_settings(monkeypatch, smtp_server, settings):
    """What the worker process reads from its environment: our SMTP server, a slow pace, short claims."""
    monkeypatch.setenv("CAMPAIGNS_EMAIL_URL", settings.CAMPAIGNS_EMAIL_URL)
    monkeypatch.setenv("CAMPAIGNS_SEND_RATE", "10")  # about four seconds for the whole campaign
    monkeypatch.setenv("CAMPAIGNS_SEND_BATCH_SIZE", "5")
    monkeypatch.setenv("CAMPAIGNS_SEND_CLAIM_TIMEOUT", "3")
    settings.CAMPAIGNS_SEND_CLAIM_TIMEOUT = 3
    return smtp_server


def _sent(campaign):
    return Message.objects.filter(campaign=campaign, status=MessageStatus.SENT).count()


def _finished_with_no_one_sent_twice(campaign, mailbox, customers):
    """Nudged as beat does every minute (a campaign whose worker died is picked up once its claims are stale), the
    campaign finishes; every message was accepted once, but for at most one a killed worker may have been handing
    over: that one is failed with the reason, never sent a second time."""
    assert wait_until(
        lambda: (
            start_due_campaigns.delay()
            and wait_until(lambda: Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENT, timeout=5)
        ),
        timeout=120,
    )
    received = mailbox.count_by_recipient()
    assert set(received.values()) == {1}, "a recipient got two messages"
    messages = {m.customer.email: m for m in Message.objects.filter(campaign=campaign).select_related("customer")}
    assert set(messages) == {c.email for c in customers}
    unsure = {email for email, m in messages.items() if m.status == MessageStatus.FAILED}
    assert len(unsure) <= 1
    assert all("may have arrived" in messages[email].error for email in unsure)
    assert {email for email, m in messages.items() if m.status == MessageStatus.SENT} == set(messages) - unsure
    assert set(received) - unsure == set(messages) - unsure


def test_a_worker_killed_mid_send_and_restarted_sends_no_one_two_messages_and_forgets_no_one(
    worker_settings, celery_worker, audience
):
    mailbox = worker_settings
    campaign, segment, customers = audience(consenting=RECIPIENTS)
    outsider = CustomerFactory()  # not in the segment
    ConsentFactory(customer=outsider)
    withdrawn = CustomerFactory()
    ConsentFactory(customer=withdrawn, granted=False)
    segment.members.add(withdrawn)

    campaign_start(campaign=campaign)
    assert wait_until(lambda: _sent(campaign) >= 8, timeout=60), "the worker never started sending"
    celery_worker.kill()
    sent_before = _sent(campaign)
    assert sent_before < RECIPIENTS, "the send finished before the worker could be killed"

    celery_worker.start()
    _finished_with_no_one_sent_twice(campaign, mailbox, customers)


def test_two_starts_and_a_second_task_send_the_campaign_once(worker_settings, celery_worker, audience):
    mailbox = worker_settings
    campaign, _segment, customers = audience(consenting=10)

    campaign_start(campaign=campaign)
    campaign_start(campaign=campaign)
    send_campaign.delay(campaign.pk)  # a second worker's task, or a duplicate delivery
    start_due_campaigns.delay()

    assert wait_until(lambda: Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENT, timeout=60)
    assert mailbox.count_by_recipient() == {c.email: 1 for c in customers}


def test_two_workers_share_a_campaign_and_one_killed_mid_send_sends_no_one_two_messages(
    worker_settings, two_celery_workers, audience, settings
):
    """Two sending tasks on two workers, each over its own connection, claim batches of one campaign; one worker
    is killed mid-send. The other goes on, takes back the dead one's batch once its claim is stale, and nobody
    gets two messages."""
    from emarketing.celery import app

    mailbox = worker_settings
    first, second = two_celery_workers
    settings.CAMPAIGNS_SEND_CONNECTIONS = 2
    campaign, _segment, customers = audience(consenting=RECIPIENTS * 2)

    campaign_start(campaign=campaign)

    def busy(worker):
        active = app.control.inspect(destination=[f"{worker.name}@{os.uname().nodename}"], timeout=1).active() or {}
        return any(task["name"] == "campaigns.tasks.send_campaign" for tasks in active.values() for task in tasks)

    assert wait_until(lambda: busy(first) and busy(second), timeout=30), "the two tasks did not go to two workers"
    assert wait_until(lambda: _sent(campaign) >= 10, timeout=60)
    first.kill()
    assert _sent(campaign) < RECIPIENTS * 2, "the send finished before a worker could be killed"

    _finished_with_no_one_sent_twice(campaign, mailbox, customers)
