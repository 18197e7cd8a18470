"""Buttons for status moves on an object's page: campaigns, orders, payments, shipments and tickets.

Each button makes its move through the same service as the list action and writes the status history; a move the
transition table does not allow from the current status is not offered, and a forged POST of it is refused with a
message and changes nothing; a user who may only view sees no buttons and gets 403 on a POST.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from aftersales.models import TicketStatus
from campaigns.models import CampaignStatus
from orders.models import OrderStatus, PaymentStatus, ShipmentStatus
from tests.aftersales.factories import TicketFactory
from tests.campaigns.factories import CampaignFactory
from tests.factories import UserFactory
from tests.orders.factories import OrderLineFactory, PaymentFactory, ShipmentFactory

pytestmark = pytest.mark.django_db


def _campaign():
    return CampaignFactory(scheduled_at=timezone.now() + dt.timedelta(days=1))


def _order():
    return OrderLineFactory().order


def _payment():
    return PaymentFactory(order=OrderLineFactory().order)


def _shipment():
    return ShipmentFactory(order=OrderLineFactory().order)


# (app, model, make, a move offered from the first status, the status it leads to, a move the table forbids)
CASES = [
    ("campaigns", "campaign", _campaign, CampaignStatus.SCHEDULED, CampaignStatus.SENT),
    ("orders", "order", _order, OrderStatus.CONFIRMED, OrderStatus.DELIVERED),
    ("orders", "payment", _payment, PaymentStatus.AUTHORIZED, PaymentStatus.REFUNDED),
    ("orders", "shipment", _shipment, ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED),
    ("aftersales", "ticket", TicketFactory, TicketStatus.RESOLVED, TicketStatus.NEW),
]
IDS = [case[1] for case in CASES]


def _page(app, model, obj):
    return reverse(f"admin:{app}_{model}_change", args=[obj.pk])


def _move_url(app, model, obj, to_status):
    return reverse(f"admin:{app}_{model}_move", args=[obj.pk, to_status])


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(("app", "model", "make", "allowed", "forbidden"), CASES, ids=IDS)
def test_the_button_makes_its_move_and_writes_the_history(
    admin_client, admin_user, app, model, make, allowed, forbidden
):
    obj = make()
    before = obj.status
    page = admin_client.get(_page(app, model, obj)).content.decode()
    assert f'action="{_move_url(app, model, obj, allowed)}"' in page
    assert 'name="csrfmiddlewaretoken"' in page

    response = admin_client.post(_move_url(app, model, obj, allowed))

    assert response.status_code == 302 and response.url == _page(app, model, obj)
    obj.refresh_from_db()
    assert obj.status == allowed
    change = obj.status_changes.get()
    assert (change.from_status, change.to_status, change.changed_by) == (before, allowed, admin_user)
    assert any(str(obj) in m for m in _messages(response))


@pytest.mark.parametrize(("app", "model", "make", "allowed", "forbidden"), CASES, ids=IDS)
def test_a_move_the_table_forbids_is_not_offered_and_a_forged_post_changes_nothing(
    admin_client, app, model, make, allowed, forbidden
):
    obj = make()
    before = obj.status
    page = admin_client.get(_page(app, model, obj)).content.decode()
    assert _move_url(app, model, obj, forbidden) not in page

    response = admin_client.post(_move_url(app, model, obj, forbidden))

    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.status == before
    assert not obj.status_changes.exists()
    assert any("nothing was changed" in m for m in _messages(response))


@pytest.mark.parametrize(("app", "model", "make", "allowed", "forbidden"), CASES, ids=IDS)
def test_a_user_who_may_only_view_gets_no_buttons_and_403(client, app, model, make, allowed, forbidden):
    obj = make()
    before = obj.status
    reader = UserFactory(is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename=f"view_{model}", content_type__app_label=app))
    client.force_login(reader)

    page = client.get(_page(app, model, obj))
    assert page.status_code == 200
    assert "/move/" not in page.content.decode()

    assert client.post(_move_url(app, model, obj, allowed)).status_code == 403
    obj.refresh_from_db()
    assert obj.status == before
    assert not obj.status_changes.exists()


def test_a_get_of_a_move_changes_nothing(admin_client):
    order = _order()
    assert admin_client.get(_move_url("orders", "order", order, OrderStatus.CONFIRMED)).status_code == 405
    order.refresh_from_db()
    assert order.status == OrderStatus.NEW


def test_a_post_without_the_csrf_token_is_refused(client, admin_user):
    from django.test import Client

    order = _order()
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(admin_user)
    assert guarded.post(_move_url("orders", "order", order, OrderStatus.CONFIRMED)).status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.NEW


def test_buttons_follow_the_status(admin_client):
    order = _order()
    url = _page("orders", "order", order)

    def offered():
        page = admin_client.get(url).content.decode()
        return {s for s in OrderStatus if _move_url("orders", "order", order, s) in page}

    assert offered() == {OrderStatus.CONFIRMED, OrderStatus.CANCELLED}
    admin_client.post(_move_url("orders", "order", order, OrderStatus.CONFIRMED))
    assert offered() == {OrderStatus.SHIPPED, OrderStatus.CANCELLED}
    admin_client.post(_move_url("orders", "order", order, OrderStatus.CANCELLED))
    assert offered() == set()


def test_a_service_refusal_is_shown_and_changes_nothing(admin_client):
    from tests.orders.factories import OrderFactory

    order = OrderFactory()  # no lines: the service refuses to confirm it
    response = admin_client.post(_move_url("orders", "order", order, OrderStatus.CONFIRMED))
    order.refresh_from_db()
    assert order.status == OrderStatus.NEW
    assert any("without lines" in m for m in _messages(response))


def test_an_agent_cannot_move_another_agents_order(client):
    from orders.models import Agent
    from tests.orders.factories import AgentFactory

    mine, theirs = AgentFactory(), AgentFactory()
    user = UserFactory(is_staff=True)
    Agent.objects.filter(pk=mine.pk).update(user=user)
    for codename in ("view_order", "change_order"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    order = OrderLineFactory(order__agent=theirs).order

    response = client.post(_move_url("orders", "order", order, OrderStatus.CONFIRMED))

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.NEW


def test_mark_delivered_confirms_an_order_its_shipments_delivered(admin_client):
    order = _order()
    shipment = ShipmentFactory(order=order)
    admin_client.post(_move_url("orders", "order", order, OrderStatus.CONFIRMED))
    admin_client.post(_move_url("orders", "shipment", shipment, ShipmentStatus.SHIPPED))

    response = admin_client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "deliver_orders", "_selected_action": [order.pk]},
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert "1 order delivered." in _messages(response)
