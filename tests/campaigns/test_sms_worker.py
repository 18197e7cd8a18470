"""An SMS campaign sent by a real Celery worker on Redis to the providers' stand-in, killed mid-send and started
again: nobody gets a message twice, and nobody is forgotten."""

import pytest

from campaigns.models import Campaign, CampaignStatus, Channel, CreativeKind, MessageStatus, SmsMessage
from campaigns.services import campaign_start
from campaigns.tasks import start_due_campaigns
from tests.campaigns.factories import CampaignFactory, CreativeFactory
from tests.conftest import wait_until
from tests.customers.factories import ConsentFactory, CustomerFactory, SegmentFactory

pytestmark = pytest.mark.worker

RECIPIENTS = 40


@pytest.fixture
def sms_worker_settings(monkeypatch, sms_provider, settings):
    """What the worker process reads from its environment: Kavenegar at the stand-in, which answers slowly, a
    pace of ten a second shared by every worker, small batches and short claims."""
    sms_provider.delay = 0.05
    env = {
        "SMS_PROVIDER": "kavenegar",
        "SMS_KAVENEGAR_BASE_URL": sms_provider.url,
        "SMS_KAVENEGAR_API_KEY": sms_provider.api_key,
        "SMS_DEFAULT_SENDER": "10004346",
        "SMS_RATE_PER_SECOND": "10",
        "CAMPAIGNS_QUIET_HOURS_START": "00:00",
        "CAMPAIGNS_QUIET_HOURS_END": "00:00",
        "CAMPAIGNS_SEND_BATCH_SIZE": "5",
        "CAMPAIGNS_SEND_CLAIM_TIMEOUT": "3",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings.SMS_PROVIDER = "kavenegar"
    settings.CAMPAIGNS_SEND_CLAIM_TIMEOUT = 3
    return sms_provider


def _sms_audience(count):
    segment = SegmentFactory()
    campaign = CampaignFactory(name="Yalda", channel=Channel.SMS)
    campaign.segments.add(segment)
    CreativeFactory(
        campaign=campaign, kind=CreativeKind.SMS, subject="", html_body="", text_body="Yalda: 20% off today"
    )
    customers = []
    for _i in range(count):
        customer = CustomerFactory()
        ConsentFactory(customer=customer, channel="sms")
        segment.members.add(customer)
        customers.append(customer)
    return campaign, customers


def _sent(campaign):
    return SmsMessage.objects.filter(campaign=campaign, status=MessageStatus.SENT).count()


def test_a_worker_killed_mid_send_and_restarted_sends_no_one_two_sms_and_forgets_no_one(
    sms_worker_settings, celery_worker
):
    stand_in = sms_worker_settings
    campaign, customers = _sms_audience(RECIPIENTS)

    campaign_start(campaign=campaign)
    assert wait_until(lambda: _sent(campaign) >= 8, timeout=60), "the worker never started sending"
    celery_worker.kill()
    assert _sent(campaign) < RECIPIENTS, "the send finished before the worker could be killed"

    celery_worker.start()
    # Nudged as beat does every minute: the dead worker's claims go stale, and the campaign finishes.
    assert wait_until(
        lambda: (
            start_due_campaigns.delay()
            and wait_until(lambda: Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENT, timeout=5)
        ),
        timeout=120,
    )
    received = stand_in.count_by_reference()
    assert set(received.values()) == {1}, "a customer got two messages"
    messages = {str(m.pk): m for m in SmsMessage.objects.filter(campaign=campaign)}
    assert {m.customer_id for m in messages.values()} == {c.pk for c in customers}
    unsure = {pk for pk, m in messages.items() if m.status == MessageStatus.FAILED}
    assert len(unsure) <= 1
    assert all("may have arrived" in messages[pk].error for pk in unsure)
    sent = {pk for pk, m in messages.items() if m.status == MessageStatus.SENT}
    assert sent == set(messages) - unsure
    assert set(received) - unsure == sent
