"""A journey tick run by a real Celery worker on Redis and PostgreSQL, killed mid-tick and started again."""

import pytest
from django.db.models import Count, Q

from campaigns.journeys.engine import SPREAD
from campaigns.journeys.enrol import journey_enrol
from campaigns.journeys.versions import journey_set_status, journey_steps_save
from campaigns.models import (
    Enrolment,
    EnrolmentState,
    Journey,
    JourneyMessage,
    JourneyPassage,
    JourneyStatus,
    MessageStatus,
)
from campaigns.tasks import journeys_tick, send_journey_messages
from customers.models import Consent, ConsentChannel, Customer
from tests.campaigns.factories import CampaignFactory, CreativeFactory
from tests.conftest import wait_until
from tests.customers.factories import SegmentFactory

pytestmark = pytest.mark.worker

CUSTOMERS = 1500


@pytest.fixture
def worker_settings(monkeypatch, smtp_server, settings):
    """What the worker reads from its environment: our SMTP server, small tick batches (many transactions, so
    that a kill lands inside one), short claims, no quiet hours."""
    monkeypatch.setenv("CAMPAIGNS_EMAIL_URL", settings.CAMPAIGNS_EMAIL_URL)
    monkeypatch.setenv("JOURNEYS_TICK_BATCH", "10")
    # A claim is taken back after three seconds: batches of 20 e-mails take less than that to send.
    monkeypatch.setenv("CAMPAIGNS_SEND_CLAIM_TIMEOUT", "3")
    monkeypatch.setenv("CAMPAIGNS_SEND_BATCH_SIZE", "20")
    for name in ("CAMPAIGNS_QUIET_HOURS_START", "CAMPAIGNS_QUIET_HOURS_END"):
        monkeypatch.setenv(name, "00:00")
        setattr(settings, name, "00:00")
    settings.CAMPAIGNS_SEND_CLAIM_TIMEOUT = 3
    return smtp_server


def _journey(campaign, segment):
    journey = Journey.objects.create(name="Welcome", trigger="manual")
    journey_steps_save(
        journey=journey,
        steps=[
            {"key": "hello", "kind": "email", "params": {"campaign": campaign.pk}, "next": ["split"]},
            {"key": "split", "kind": "split", "params": {"shares": [50, 50]}, "next": ["a", "b"]},
            {"key": "a", "kind": "action", "params": {"action": "flag_set", "field": "at_risk"}, "next": ["last"]},
            {
                "key": "b",
                "kind": "action",
                "params": {"action": "segment_add", "segment": segment.pk},
                "next": ["last"],
            },
            {"key": "last", "kind": "wait", "params": {"minutes": 0}, "next": []},
        ],
    )
    journey_set_status(journey=journey, status=JourneyStatus.LIVE)
    journey.refresh_from_db()
    return journey


def _customers():
    customers = Customer.objects.bulk_create(
        Customer(first_name=f"C{i}", email=f"c{i}@example.com", time_zone="UTC") for i in range(CUSTOMERS)
    )
    Consent.objects.bulk_create(Consent(customer=c, channel=ConsentChannel.EMAIL, granted=True) for c in customers)
    return customers


def test_a_worker_killed_mid_tick_gives_nobody_a_step_twice_and_skips_nobody_s_step(worker_settings, celery_worker):
    mailbox = worker_settings
    campaign = CampaignFactory(name="Welcome")
    CreativeFactory(campaign=campaign, subject="Welcome {{ customer.first_name }}", html_body="<p>Hi</p>")
    segment = SegmentFactory(name="Took branch b")
    journey = _journey(campaign, segment)
    customers = _customers()
    assert journey_enrol(journey=journey, customers=[c.pk for c in customers]) == CUSTOMERS

    journeys_tick.delay()
    assert wait_until(lambda: JourneyPassage.objects.count() >= CUSTOMERS + 200, timeout=60), "the tick never ran"
    celery_worker.kill()
    done_before = Enrolment.objects.filter(state=EnrolmentState.DONE).count()
    assert done_before < CUSTOMERS, "the tick finished before the worker could be killed"

    celery_worker.start()

    def all_done():
        journeys_tick.delay()
        return wait_until(lambda: not Enrolment.objects.exclude(state=EnrolmentState.DONE).exists(), timeout=10)

    assert wait_until(all_done, timeout=180)

    def all_sent():
        send_journey_messages.delay()
        settled = ~Q(status__in=[MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.DELIVERING])
        return wait_until(lambda: JourneyMessage.objects.filter(settled).count() == CUSTOMERS, timeout=10)

    assert wait_until(all_sent, timeout=180)

    # Every customer walked one whole path: four steps, one of the split's two branches, the one its bucket says.
    per_enrolment = dict(
        JourneyPassage.objects.values("enrolment_id").annotate(n=Count("id")).values_list("enrolment_id", "n")
    )
    assert set(per_enrolment.values()) == {4} and len(per_enrolment) == CUSTOMERS
    branch = dict(JourneyPassage.objects.filter(step__key__in=["a", "b"]).values_list("enrolment_id", "step__key"))
    expected = {e.pk: ("a" if e.pk * SPREAD % 100 < 50 else "b") for e in Enrolment.objects.all()}
    assert branch == expected
    customer_of = dict(Enrolment.objects.values_list("pk", "customer_id"))
    assert set(Customer.objects.filter(at_risk=True).values_list("pk", flat=True)) == {
        customer_of[pk] for pk, key in branch.items() if key == "a"
    }
    assert set(segment.members.values_list("pk", flat=True)) == {
        customer_of[pk] for pk, key in branch.items() if key == "b"
    }

    # One e-mail each, never two; at most one a killed sender may have been handing over is failed, not resent.
    assert JourneyMessage.objects.count() == CUSTOMERS
    received = mailbox.count_by_recipient()
    assert set(received.values()) == {1}, "a customer got the step's e-mail twice"
    unsure = list(JourneyMessage.objects.filter(status=MessageStatus.FAILED).values_list("error", flat=True))
    assert len(unsure) <= 1 and all("may have arrived" in error for error in unsure)
    assert len(received) == CUSTOMERS - len(unsure)
