"""Late-delivery e-mails sent by a real Celery worker on Redis, killed mid-run and started again."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from aftersales.models import LateDeliveryApology, Ticket
from aftersales.services import late_apologies_send
from aftersales.tasks import check_late_shipments, send_contact_line_mail
from campaigns.models import MessageStatus
from tests.conftest import wait_until, worker_idle
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderLineFactory, ShipmentFactory

pytestmark = pytest.mark.worker

CUSTOMERS = 30
UNFINISHED = [MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.DELIVERING]


def _sent():
    return LateDeliveryApology.objects.filter(status=MessageStatus.SENT).count()


def test_a_worker_killed_mid_run_and_restarted_tells_no_customer_twice(worker_settings, celery_worker):
    mailbox = worker_settings
    late = timezone.localdate() - dt.timedelta(days=2)
    customers = [CustomerFactory() for _i in range(CUSTOMERS)]
    for customer in customers:
        ShipmentFactory(order=OrderLineFactory(order__customer=customer).order, promised_on=late)

    check_late_shipments.delay()
    assert wait_until(lambda: _sent() >= 6, timeout=60), "the worker never started sending"
    celery_worker.kill()
    assert _sent() < CUSTOMERS, "the run finished before the worker could be killed"

    celery_worker.start()
    # What beat does every five minutes: the e-mails a dead worker held are taken up once its claims are stale.
    assert wait_until(
        lambda: (
            send_contact_line_mail.delay()
            and wait_until(lambda: not LateDeliveryApology.objects.filter(status__in=UNFINISHED).exists(), timeout=5)
        ),
        timeout=120,
    ), "some late-delivery e-mails were never finished"

    received = mailbox.count_by_recipient()
    assert set(received.values()) == {1}, "a customer was told twice"
    assert Ticket.objects.count() == CUSTOMERS, "one ticket per late shipment"
    apologies = {a.customer.email: a for a in LateDeliveryApology.objects.select_related("customer")}
    assert set(apologies) == {c.email for c in customers}
    # Every e-mail was accepted, but for the one the worker may have been handing over when it was killed: that
    # one is failed with the reason, never sent a second time.
    unsure = {email for email, a in apologies.items() if a.status == MessageStatus.FAILED}
    assert len(unsure) <= 1
    assert all("may have arrived" in apologies[email].error for email in unsure)
    assert set(received) - unsure == set(apologies) - unsure

    # The hourly job again, in the worker and here: no second ticket, no second e-mail.
    check_late_shipments.delay()
    worker_name = f"test-{os.getpid()}@{os.uname().nodename}"
    assert wait_until(lambda: worker_idle(worker_name), timeout=60), "the worker never finished the last run"
    late_apologies_send()
    assert mailbox.count_by_recipient() == received
    assert Ticket.objects.count() == CUSTOMERS
