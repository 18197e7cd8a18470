import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, OrderStatus, Payment, PaymentNotification, PaymentStatus, Shipment
from tests.customers.factories import CustomerFactory
from tests.factories import UserFactory
from tests.orders.factories import (
    AgentFactory,
    OrderFactory,
    OrderLineFactory,
    PaymentFactory,
    ProductFactory,
    ShipmentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows():
    order = OrderLineFactory(order__customer=CustomerFactory(persian=True)).order
    payment = PaymentFactory(order=order)
    shipment = ShipmentFactory(order=order)
    notification = PaymentNotification.objects.create(provider="acme", event_id="e1", reference="r1", status="captured")
    return {
        "product": order.lines.get().product,
        "orderline": order.lines.get(),
        "agent": AgentFactory(),
        "order": order,
        "payment": payment,
        "shipment": shipment,
        "paymentnotification": notification,
    }


@pytest.mark.parametrize(
    "model", ["product", "agent", "order", "orderline", "payment", "shipment", "paymentnotification"]
)
def test_every_admin_page_opens(admin_client, rows, model):
    obj = rows[model]
    assert admin_client.get(reverse(f"admin:orders_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:orders_{model}_add")).status_code == 200
    assert admin_client.get(reverse(f"admin:orders_{model}_change", args=[obj.pk])).status_code == 200


def test_orders_are_found_by_a_persian_customer_name(admin_client):
    customer = CustomerFactory(first_name="مریم", last_name="احمدی")
    order = OrderFactory(customer=customer)
    OrderFactory()
    response = admin_client.get(reverse("admin:orders_order_changelist"), {"q": "احمدی"})
    assert list(response.context["cl"].result_list) == [order]


def test_marketer_enters_an_order_with_lines_and_the_total_follows(admin_client, admin_user):
    customer, product = CustomerFactory(), ProductFactory(price=Decimal("7.00"))
    data = {
        "number": "ADM-1",
        "customer": customer.pk,
        "channel": "phone",
        "currency": "USD",
        "placed_at_0": timezone.localdate().isoformat(),
        "placed_at_1": "10:00:00",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": product.pk,
        "lines-0-quantity": "3",
        "lines-0-unit_price": "7.00",
        "payments-TOTAL_FORMS": "0",
        "payments-INITIAL_FORMS": "0",
        "shipments-TOTAL_FORMS": "0",
        "shipments-INITIAL_FORMS": "0",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:orders_order_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    order = Order.objects.get(number="ADM-1")
    assert order.total == Decimal("21.00")
    assert order.created_by == admin_user
    assert order.status == OrderStatus.NEW


def test_status_is_not_editable_in_the_order_form(admin_client):
    order = OrderLineFactory().order
    response = admin_client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert "status" not in response.context["adminform"].form.fields


def test_actions_move_orders_through_services(admin_client, admin_user):
    order = OrderLineFactory().order
    url = reverse("admin:orders_order_changelist")
    admin_client.post(url, {"action": "confirm_orders", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert order.status_changes.get().changed_by == admin_user
    response = admin_client.post(url, {"action": "deliver_orders", "_selected_action": [order.pk]}, follow=True)
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert "cannot move" in response.content.decode()


def test_capture_action_refuses_more_than_the_total(admin_client):
    order = OrderFactory(total=Decimal("10.00"))
    payment = PaymentFactory(order=order, amount=Decimal("15.00"))
    admin_client.post(
        reverse("admin:orders_payment_changelist"), {"action": "capture_payments", "_selected_action": [payment.pk]}
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_ship_and_deliver_shipment_actions(admin_client):
    shipment = ShipmentFactory(order=OrderLineFactory().order)
    url = reverse("admin:orders_shipment_changelist")
    admin_client.post(url, {"action": "ship_shipments", "_selected_action": [shipment.pk]})
    admin_client.post(url, {"action": "deliver_shipments", "_selected_action": [shipment.pk]})
    shipment.refresh_from_db()
    assert shipment.status == "delivered" and shipment.delivered_at


def test_late_filter_lists_shipments_past_their_promised_date(admin_client):
    late = ShipmentFactory(promised_on=timezone.localdate() - dt.timedelta(days=2))
    ShipmentFactory()
    response = admin_client.get(reverse("admin:orders_shipment_changelist"), {"late": "late"})
    assert list(response.context["cl"].result_list) == [late]


@pytest.fixture
def agent_client(client):
    user = UserFactory(username="agent-ali", is_staff=True)
    for codename in ("view_order", "add_order", "change_order", "view_customer", "view_product", "view_payment"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    agent = AgentFactory(user=user)
    client.force_login(user)
    client.agent = agent
    return client


def test_an_agent_sees_only_their_own_orders(agent_client):
    own = OrderFactory(agent=agent_client.agent, channel="agent")
    other = OrderFactory(agent=AgentFactory(), channel="agent")
    response = agent_client.get(reverse("admin:orders_order_changelist"))
    assert list(response.context["cl"].result_list) == [own]
    assert agent_client.get(reverse("admin:orders_order_change", args=[other.pk])).status_code == 302
    payments = agent_client.get(reverse("admin:orders_payment_changelist"))
    assert payments.status_code == 200


def test_an_agent_enters_orders_in_their_own_name(agent_client):
    customer, product = CustomerFactory(arabic=True), ProductFactory()
    form = agent_client.get(reverse("admin:orders_order_add")).context["adminform"].form
    assert "agent" not in form.fields and "channel" not in form.fields
    data = {
        "number": "AG-1",
        "customer": customer.pk,
        "currency": "USD",
        "placed_at_0": timezone.localdate().isoformat(),
        "placed_at_1": "09:00:00",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": product.pk,
        "lines-0-quantity": "1",
        "lines-0-unit_price": "25.00",
        "payments-TOTAL_FORMS": "0",
        "payments-INITIAL_FORMS": "0",
        "shipments-TOTAL_FORMS": "0",
        "shipments-INITIAL_FORMS": "0",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
    }
    response = agent_client.post(reverse("admin:orders_order_add"), data)
    assert response.status_code == 302
    order = Order.objects.get(number="AG-1")
    assert order.agent == agent_client.agent and order.channel == "agent"


def test_admin_lists_do_not_count_every_row(admin_client):
    response = admin_client.get(reverse("admin:orders_order_changelist"))
    assert response.context["cl"].show_full_result_count is False
    assert Payment.objects.count() == 0 and Shipment.objects.count() == 0


def test_a_quoted_total_that_the_lines_do_not_reach_is_flagged(admin_client):
    customer, product = CustomerFactory(), ProductFactory(price=Decimal("10.00"))
    data = {
        "number": "Q-1",
        "customer": customer.pk,
        "channel": "phone",
        "currency": "USD",
        "total": "25.00",
        "placed_at_0": timezone.localdate().isoformat(),
        "placed_at_1": "10:00:00",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": product.pk,
        "lines-0-quantity": "2",
        "lines-0-unit_price": "10.00",
        "payments-TOTAL_FORMS": "0",
        "payments-INITIAL_FORMS": "0",
        "shipments-TOTAL_FORMS": "0",
        "shipments-INITIAL_FORMS": "0",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:orders_order_add"), data, follow=True)
    assert "not the 25.00 quoted" in response.content.decode()
    assert Order.objects.get(number="Q-1").total == Decimal("20.00")


def test_a_negative_line_price_is_refused_and_nothing_is_stored(admin_client):
    customer, product = CustomerFactory(), ProductFactory()
    data = {
        "number": "NEG-1",
        "customer": customer.pk,
        "channel": "web",
        "currency": "USD",
        "placed_at_0": timezone.localdate().isoformat(),
        "placed_at_1": "10:00:00",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": product.pk,
        "lines-0-quantity": "1",
        "lines-0-unit_price": "-5",
        "payments-TOTAL_FORMS": "0",
        "payments-INITIAL_FORMS": "0",
        "shipments-TOTAL_FORMS": "0",
        "shipments-INITIAL_FORMS": "0",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:orders_order_add"), data)
    assert response.status_code == 200
    assert "unit_price" in response.context["inline_admin_formsets"][0].formset.errors[0]
    assert not Order.objects.filter(number="NEG-1").exists()


def test_editing_a_line_in_its_own_admin_updates_the_order_total(admin_client):
    line = OrderLineFactory(quantity=1, unit_price=Decimal("5.00"))
    response = admin_client.post(
        reverse("admin:orders_orderline_change", args=[line.pk]),
        {"order": line.order.pk, "product": line.product.pk, "quantity": "4", "unit_price": "5.00"},
    )
    assert response.status_code == 302
    line.order.refresh_from_db()
    assert line.order.total == Decimal("20.00")


@pytest.mark.parametrize(
    "url, make",
    [
        ("admin:orders_order_changelist", lambda: PaymentFactory(order=OrderLineFactory().order)),
        ("admin:orders_payment_changelist", PaymentFactory),
        ("admin:orders_shipment_changelist", ShipmentFactory),
        ("admin:orders_orderline_changelist", OrderLineFactory),
    ],
)
def test_a_changelist_page_costs_the_same_queries_for_few_or_many_rows(admin_client, url, make):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make()
    admin_client.get(reverse(url))  # warm the session and content types
    with CaptureQueriesContext(connection) as few:
        admin_client.get(reverse(url))
    for _ in range(15):
        make()
    with CaptureQueriesContext(connection) as many:
        admin_client.get(reverse(url))
    assert len(many) == len(few)


def test_a_payment_added_under_its_order_goes_through_the_payment_service(admin_client):
    order = OrderLineFactory(order__total=Decimal("50.00")).order
    line = order.lines.get()
    data = {
        "number": order.number,
        "customer": order.customer.pk,
        "channel": "web",
        "currency": "USD",
        "placed_at_0": timezone.localdate().isoformat(),
        "placed_at_1": "10:00:00",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-0-id": line.pk,
        "lines-0-order": order.pk,
        "lines-0-product": line.product.pk,
        "lines-0-quantity": line.quantity,
        "lines-0-unit_price": line.unit_price,
        "payments-TOTAL_FORMS": "1",
        "payments-INITIAL_FORMS": "0",
        "payments-0-amount": "20.00",
        "payments-0-currency": "EUR",
        "payments-0-method": "card",
        "shipments-TOTAL_FORMS": "0",
        "shipments-INITIAL_FORMS": "0",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
    }
    url = reverse("admin:orders_order_change", args=[order.pk])
    assert admin_client.post(url, data).status_code == 200  # EUR on a USD order: refused on the form
    assert not order.payments.exists()
    data["payments-0-currency"] = "USD"
    assert admin_client.post(url, data).status_code == 302
    payment = order.payments.get()
    assert payment.amount == Decimal("20.00") and payment.status == PaymentStatus.PENDING
