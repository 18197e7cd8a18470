"""Birthday offers sent by a real Celery worker on Redis, killed mid-run and started again."""

import datetime as dt
import os
import zoneinfo

import pytest
from django.utils import timezone

from campaigns.models import CampaignStatus, MessageStatus, OccasionOffer
from campaigns.services import campaign_start
from campaigns.services.occasions import occasion_offers_send_due
from campaigns.tasks import send_occasion_offers
from tests.campaigns.factories import CampaignFactory, CreativeFactory
from tests.conftest import wait_until, worker_idle
from tests.customers.factories import ConsentFactory, CustomerFactory, OccasionFactory

pytestmark = pytest.mark.worker

CUSTOMERS = 40
UNFINISHED = [MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.DELIVERING]


def _midday_zone():
    """A fixed-offset time zone where it is now about noon: its local day cannot end while the test runs."""
    offset = 12 - timezone.now().astimezone(dt.UTC).hour  # from -11 to +12 hours, all of which exist
    name = "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # POSIX signs
    return name, timezone.now().astimezone(zoneinfo.ZoneInfo(name)).date()


def _birthday_campaign():
    campaign = CampaignFactory(name="Birthday", occasion_kind="birthday")
    CreativeFactory(campaign=campaign, subject="Happy birthday {{ customer.first_name }}")
    campaign_start(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENDING
    return campaign


def _sent():
    return OccasionOffer.objects.filter(status=MessageStatus.SENT).count()


def test_a_worker_killed_mid_run_and_restarted_sends_no_customer_two_offers(worker_settings, celery_worker):
    mailbox = worker_settings
    _birthday_campaign()
    zone, today = _midday_zone()
    customers = []
    for _i in range(CUSTOMERS):
        customer = CustomerFactory(time_zone=zone)
        ConsentFactory(customer=customer)
        OccasionFactory(customer=customer, kind="birthday", month=today.month, day=today.day)
        customers.append(customer)
    not_today = CustomerFactory(time_zone=zone)
    ConsentFactory(customer=not_today)
    OccasionFactory(customer=not_today, kind="birthday", month=today.month % 12 + 1, day=1)
    withdrawn = CustomerFactory(time_zone=zone)
    ConsentFactory(customer=withdrawn, granted=False)
    OccasionFactory(customer=withdrawn, kind="birthday", month=today.month, day=today.day)

    send_occasion_offers.delay()
    assert wait_until(lambda: _sent() >= 8, timeout=60), "the worker never started sending"
    celery_worker.kill()
    assert _sent() < CUSTOMERS, "the run finished before the worker could be killed"

    celery_worker.start()
    # What beat does every hour: the offers a dead worker held are taken up once its claims are stale.
    assert wait_until(
        lambda: (
            send_occasion_offers.delay()
            and wait_until(lambda: not OccasionOffer.objects.filter(status__in=UNFINISHED).exists(), timeout=5)
        ),
        timeout=120,
    ), "some offers were never finished"

    received = mailbox.count_by_recipient()
    assert set(received.values()) == {1}, "a customer got two offers"
    offers = {o.customer.email: o for o in OccasionOffer.objects.select_related("customer")}
    assert set(offers) == {c.email for c in customers}, "one offer per customer whose birthday it is, no other"
    # Every offer was accepted by the server, but for the one the worker may have been handing over when it was
    # killed: that one is failed with the reason, never sent a second time.
    unsure = {email for email, o in offers.items() if o.status == MessageStatus.FAILED}
    assert len(unsure) <= 1
    assert all("may have arrived" in offers[email].error for email in unsure)
    assert {email for email, o in offers.items() if o.status == MessageStatus.SENT} == set(offers) - unsure
    assert set(received) - unsure == set(offers) - unsure

    # The job again, in the worker and here: nothing is listed or sent a second time.
    send_occasion_offers.delay()
    worker_name = f"test-{os.getpid()}@{os.uname().nodename}"
    assert wait_until(lambda: worker_idle(worker_name), timeout=60), "the worker never finished the last run"
    occasion_offers_send_due()
    assert mailbox.count_by_recipient() == received
    assert OccasionOffer.objects.count() == CUSTOMERS
