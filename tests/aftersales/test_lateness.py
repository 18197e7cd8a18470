import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from aftersales.models import LateDeliveryApology, MessageAuthor, Ticket, TicketPriority
from aftersales.tasks import check_late_shipments, send_contact_line_mail
from campaigns.models import MessageStatus
from orders import services as orders
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderLineFactory, ShipmentFactory

pytestmark = pytest.mark.django_db


def late_shipment(days=2, **customer):
    order = OrderLineFactory(order__customer=CustomerFactory(**customer)).order
    return ShipmentFactory(order=order, promised_on=timezone.localdate() - dt.timedelta(days=days))


def test_a_late_shipment_gets_one_email_and_a_ticket_before_the_customer_asks():
    shipment = late_shipment()
    ShipmentFactory()  # promised for later: not late
    assert check_late_shipments.delay().get() == 1
    ticket = Ticket.objects.get()
    assert ticket.order == shipment.order and ticket.customer == shipment.order.customer
    assert ticket.priority == TicketPriority.HIGH
    assert ticket.messages.get().author_kind == MessageAuthor.SYSTEM
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [shipment.order.customer.email]
    assert shipment.order.number in mail.outbox[0].subject and f"[#{ticket.pk}]" in mail.outbox[0].subject
    shipment.refresh_from_db()
    assert shipment.late_notified_at is not None


def test_the_job_run_again_notifies_nobody_twice():
    late_shipment()
    check_late_shipments.delay()
    assert check_late_shipments.delay().get() == 0
    assert Ticket.objects.count() == 1 and len(mail.outbox) == 1


def test_the_email_speaks_the_customers_language():
    late_shipment(persian=True)
    check_late_shipments.delay()
    assert Ticket.objects.get().customer.preferred_language == "fa"
    assert len(mail.outbox) == 1


def test_delivered_or_promised_today_is_not_late():
    on_time = late_shipment(days=0)
    delivered = late_shipment(days=5)
    orders.shipment_ship(shipment=delivered)
    orders.shipment_deliver(shipment=delivered)
    assert check_late_shipments.delay().get() == 0
    on_time.refresh_from_db()
    assert on_time.late_notified_at is None


def test_a_mail_server_down_keeps_the_one_ticket_and_sends_the_email_later(monkeypatch):
    shipment = late_shipment()

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", broken)
    assert check_late_shipments.delay().get() == 1
    assert Ticket.objects.count() == 1 and not mail.outbox
    assert LateDeliveryApology.objects.get(shipment=shipment).status == MessageStatus.QUEUED
    monkeypatch.undo()
    assert send_contact_line_mail.delay().get() == {"acknowledgements": 0, "apologies": 1}
    assert check_late_shipments.delay().get() == 0
    assert Ticket.objects.count() == 1 and len(mail.outbox) == 1
    assert LateDeliveryApology.objects.get().status == MessageStatus.SENT


def test_a_customer_without_an_address_gets_a_ticket_and_no_email():
    late_shipment(email="")
    assert check_late_shipments.delay().get() == 1
    assert not mail.outbox and not LateDeliveryApology.objects.exists()
    assert "no e-mail address" in Ticket.objects.get().messages.get().body


def test_the_email_is_an_automatic_message_whose_replies_reach_the_contact_line(settings):
    settings.SUPPORT_EMAIL = "help@shop.example"
    late_shipment()
    check_late_shipments.delay()
    (sent,) = mail.outbox
    assert sent.extra_headers["Reply-To"] == "help@shop.example"
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
