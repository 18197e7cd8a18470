"""Each stage publishes what happened in the service where it happens, once, in the same transaction."""

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.models import TicketStatus
from aftersales.services.feedback import survey_response_create, ticket_create, ticket_set_status
from campaigns.models import CampaignStatus
from campaigns.services.campaigns import campaign_finish
from customers.models import ErasureSource, NeedCategory, NeedKind, NeedSource
from customers.services import Mention, needs_record_mentions
from customers.services.erasure import customer_erase
from emarketing.hooks.bus import subscribe, unsubscribe
from orders.models import OrderStatus
from orders.services.orders import order_deliver
from tests.campaigns.factories import CampaignFactory
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    seen = []
    subscribe(seen.append, in_transaction=True)
    yield seen
    unsubscribe(seen.append)


def _names(heard):
    return [(e.name, e.key) for e in heard]


def test_tickets_opened_and_closed_and_surveys_answered_are_published(heard):
    customer = CustomerFactory()
    ticket = ticket_create(subject="Broken", body="It broke", channel="web", customer=customer, acknowledge=False)
    ticket_set_status(ticket=ticket, status=TicketStatus.RESOLVED)
    ticket_set_status(ticket=ticket, status=TicketStatus.CLOSED)
    ticket_set_status(ticket=ticket, status=TicketStatus.CLOSED)  # the same status again: nothing happened
    response = survey_response_create(customer=customer, csat=2, comment="slow")
    assert _names(heard) == [
        ("ticket.opened", f"ticket:{ticket.pk}"),
        ("ticket.closed", f"ticket:{ticket.pk}"),
        ("survey.answered", f"survey:{response.pk}"),
    ]
    assert heard[2].payload["csat"] == 2 and heard[0].payload["customer"] == customer.pk


def test_an_order_delivered_and_a_campaign_sent_are_published_once(heard):
    order = OrderFactory(status=OrderStatus.SHIPPED)
    order_deliver(order=order)
    order_deliver(order=order)
    campaign = CampaignFactory(status=CampaignStatus.SENDING)
    campaign_finish(campaign=campaign)
    assert _names(heard) == [("order.delivered", f"order:{order.pk}"), ("campaign.sent", f"campaign:{campaign.pk}")]
    assert heard[0].payload["status"] == "delivered"


def test_a_need_heard_for_the_first_time_is_published_and_not_when_heard_again(heard):
    customer = CustomerFactory()

    def mention(n):
        return Mention(
            kind=NeedKind.values[0],
            category=NeedCategory.values[0],
            product_id=None,
            source=NeedSource.values[0],
            source_id=n,
            customer_id=customer.pk,
            excerpt="we need this",
            heard_at=timezone.now(),
        )

    needs_record_mentions(mentions=[mention(1)])
    needs_record_mentions(mentions=[mention(2)])
    assert [name for name, _key in _names(heard)] == ["need.created"]


def test_a_customer_erased_is_published_as_an_id_only(heard):
    customer = CustomerFactory()
    customer_erase(customer=customer, source=ErasureSource.ADMIN, requested_by=None)
    erased = [e for e in heard if e.name == "customer.erased"]
    assert len(erased) == 1 and erased[0].payload == {"id": customer.pk}


def test_a_customer_created_and_changed_in_the_admin_is_published(heard, admin_client):
    customer = CustomerFactory()
    page = admin_client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"first_name": "Maryam", **_inline_management(page)})
    response = admin_client.post(reverse("admin:customers_customer_change", args=[customer.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    updated = [e for e in heard if e.name == "customer.updated"]
    assert len(updated) == 1 and updated[0].payload["first_name"] == "Maryam"


def _inline_management(page):
    data = {}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data
