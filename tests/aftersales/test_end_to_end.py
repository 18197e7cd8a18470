"""An order followed from the website's webhook through payment, shipment, survey and ticket into a Need."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import resolve, reverse
from django.utils import timezone

from aftersales.models import SurveyResponse, Ticket
from aftersales.tasks import send_survey_invitations
from customers.models import Customer, Need, NeedCategory, NeedMention
from cycle.services.loop import loop_run
from emarketing.signing import signature_headers
from orders import services as orders
from orders.models import Order, OrderStatus
from orders.selectors import order_is_paid
from tests.orders.factories import ProductFactory

pytestmark = pytest.mark.django_db


def signed_post(client, url, payload, secret):
    body = json.dumps(payload).encode()
    provider = resolve(url).kwargs.get("provider")
    scope = f"payments/{provider}" if provider else "orders"
    return client.post(
        url,
        data=body,
        content_type="application/json",
        headers=signature_headers(body=body, secret=secret, scope=scope),
    )


def test_an_order_from_its_webhook_to_a_need_that_preparation_sees(client, settings):
    settings.ORDER_WEBHOOK_SECRET, settings.PAYMENT_WEBHOOK_SECRET = "site", "psp"
    settings.SURVEY_DELAY_DAYS = 3
    cache.clear()
    kettle = ProductFactory(sku="KETTLE", name="Kettle", price=Decimal("40.00"))

    # Transfer: the website sends the order, the provider the payment.
    response = signed_post(
        client,
        reverse("orders:order_webhook"),
        {
            "idempotency_key": "checkout-9001",
            "customer": {"email": "niloufar@example.com", "first_name": "نیلوفر", "preferred_language": "fa"},
            "lines": [{"sku": "KETTLE", "quantity": 1}],
        },
        "site",
    )
    assert response.status_code == 201
    order = Order.objects.get(idempotency_key="checkout-9001")
    pay = reverse("orders:payment_notification", args=["psp"])
    base = {"reference": "psp-1", "order": order.number, "amount": "40.00", "currency": "USD"}
    assert signed_post(client, pay, {**base, "event_id": "e1", "status": "authorized"}, "psp").json()["applied"]
    assert signed_post(client, pay, {**base, "event_id": "e2", "status": "captured"}, "psp").json()["applied"]
    assert order_is_paid(order=order)

    orders.order_confirm(order=order)
    shipment = orders.shipment_create(order=order, promised_on=timezone.localdate() + dt.timedelta(days=2))
    orders.shipment_ship(shipment=shipment)
    orders.shipment_deliver(shipment=shipment)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    order.status_changes.filter(to_status="delivered").update(changed_at=timezone.now() - dt.timedelta(days=4))

    # After-sales: the survey link, a low score with a comment, and a ticket.
    assert send_survey_invitations.delay().get() == {"created": 1, "sent": 1}
    link = re.search(r"/survey/[^/\s]+/", mail.outbox[-1].body).group(0)
    answer = {
        "csat": "۱",
        "nps": "۲",
        "comment": "The parcel arrived late and the box was damaged",
        "product_opinion": "",
    }
    assert client.post(link, answer).status_code == 200
    survey = SurveyResponse.objects.get(order=order)
    assert (survey.csat, survey.nps) == (1, 2)

    contact = {
        "name": "نیلوفر",
        "email": "niloufar@example.com",
        "order_number": order.number,
        "subject": "Kettle quality",
        "message": "The kettle is broken and leaks.",
    }
    assert client.post(reverse("aftersales:contact"), contact).status_code == 302
    # A web form proves no address: the ticket waits, unlinked, for its writer's reply or for staff.
    ticket = Ticket.objects.get(contact_email="niloufar@example.com", order=None, customer=None)

    # The loop: what after-sales heard becomes preparation.
    run = loop_run(trigger="manual")
    assert run.surveys_read >= 1 and run.tickets_read >= 1
    need = Need.objects.get(category=NeedCategory.DELIVERY, product=kettle)
    assert NeedMention.objects.filter(need=need, source="survey", source_id=survey.pk).exists()
    assert NeedMention.objects.filter(source="ticket", source_id=ticket.pk).exists()
    customer = Customer.objects.get(email="niloufar@example.com")
    assert customer.at_risk is True
    survey.refresh_from_db()
    assert survey.looped_at is not None
