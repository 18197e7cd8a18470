import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaigns.models import Touch
from emarketing.workflow import InvalidTransition
from orders import services
from orders.models import OrderStatus, PaymentStatus, SalesChannel, ShipmentStatus
from orders.selectors import order_is_paid, orders_visible_to, shipments_on_time_rate
from tests.campaigns.factories import CampaignFactory, TouchFactory
from tests.customers.factories import CustomerFactory
from tests.factories import UserFactory
from tests.orders.factories import AgentFactory, OrderFactory, OrderLineFactory, ProductFactory, ShipmentFactory

pytestmark = pytest.mark.django_db


def _order(total="100.00", **kwargs):
    product = ProductFactory(price=Decimal(total))
    return services.order_create(
        customer=kwargs.pop("customer", None) or CustomerFactory(), lines=[{"product": product}], **kwargs
    )


def test_order_total_is_the_sum_of_its_lines():
    pen, book = ProductFactory(price=Decimal("2.50")), ProductFactory(price=Decimal("19.99"))
    order = services.order_create(
        customer=CustomerFactory(persian=True),
        lines=[{"product": pen, "quantity": 4}, {"product": book, "quantity": 1, "unit_price": Decimal("15.00")}],
    )
    order.refresh_from_db()
    assert order.total == Decimal("25.00")
    assert order.lines.count() == 2
    assert order.number.startswith("ORD-")


def test_a_bad_line_stores_no_order():
    customer = CustomerFactory()
    with pytest.raises(ValidationError):
        services.order_create(customer=customer, lines=[{"product": ProductFactory(), "quantity": 0}])
    assert not customer.orders.exists()


def test_order_is_attributed_to_the_campaign_that_brought_the_customer_and_logs_the_action_step():
    customer = CustomerFactory()
    campaign = CampaignFactory()
    TouchFactory(customer=customer, campaign=campaign, occurred_at=timezone.now() - dt.timedelta(days=2))
    order = _order(customer=customer)
    assert order.campaign == campaign
    action = Touch.objects.get(customer=customer, kind="order")
    assert action.step == "action"
    assert action.campaign == campaign
    assert action.source == "web"


def test_a_second_order_is_a_repeat_purchase():
    customer = CustomerFactory()
    _order(customer=customer, placed_at=timezone.now() - dt.timedelta(days=30))
    _order(customer=customer)
    assert Touch.objects.filter(customer=customer, kind="repeat_purchase").count() == 1


def test_an_agent_order_goes_through_the_agent_channel():
    agent = AgentFactory()
    order = _order(agent=agent)
    assert order.channel == SalesChannel.AGENT
    assert order.agent == agent


def test_agents_see_only_their_own_orders_marketers_see_all():
    mine, other = AgentFactory(user=UserFactory(is_staff=True)), AgentFactory()
    own = OrderFactory(agent=mine, channel="agent")
    OrderFactory(agent=other, channel="agent")
    OrderFactory()
    assert list(orders_visible_to(mine.user)) == [own]
    assert orders_visible_to(UserFactory(is_staff=True)).count() == 3


def test_order_moves_along_its_status_machine_with_an_audit_trail():
    user = UserFactory(is_staff=True)
    order = _order()
    services.order_confirm(order=order, by=user)
    assert services.order_confirm(order=order, by=user) is False  # the same status again is a no-op
    with pytest.raises(InvalidTransition):
        services.order_deliver(order=order)  # not shipped yet
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    change = order.status_changes.get()
    assert (change.from_status, change.to_status, change.changed_by) == ("new", "confirmed", user)


def test_an_order_without_lines_cannot_be_confirmed():
    order = OrderFactory()
    with pytest.raises(ValidationError):
        services.order_confirm(order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.NEW


def test_payment_moves_pending_authorized_captured_refunded():
    order = _order("80.00")
    payment = services.payment_create(order=order, amount=Decimal("80.00"))
    services.payment_authorize(payment=payment)
    services.payment_capture(payment=payment)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED and payment.captured_at
    assert order_is_paid(order=order)
    services.payment_refund(payment=payment)
    assert not order_is_paid(order=order)
    with pytest.raises(InvalidTransition):
        services.payment_capture(payment=payment)


def test_capture_beyond_the_order_total_is_refused_and_changes_nothing():
    order = _order("100.00")
    first = services.payment_create(order=order, amount=Decimal("60.00"))
    services.payment_capture(payment=first)
    second = services.payment_create(order=order, amount=Decimal("50.00"))
    with pytest.raises(ValidationError, match="more than the order"):
        services.payment_capture(payment=second)
    second.refresh_from_db()
    assert second.status == PaymentStatus.PENDING
    assert not order_is_paid(order=order)
    third = services.payment_create(order=order, amount=Decimal("40.00"))
    services.payment_capture(payment=third)
    assert order_is_paid(order=order)


def test_a_payment_in_another_currency_is_refused():
    order = _order()
    with pytest.raises(ValidationError):
        services.payment_create(order=order, amount=Decimal("10"), currency="EUR")
    assert not order.payments.exists()


def test_delivering_every_shipment_delivers_the_order():
    order = _order()
    services.order_confirm(order=order)
    first = services.shipment_create(order=order, promised_on=timezone.localdate() + dt.timedelta(days=2))
    second = services.shipment_create(order=order, promised_on=timezone.localdate() + dt.timedelta(days=3))
    services.shipment_ship(shipment=first)
    services.shipment_ship(shipment=second)
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    services.shipment_deliver(shipment=first)
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    services.shipment_deliver(shipment=second)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    second.refresh_from_db()
    assert second.status == ShipmentStatus.DELIVERED and second.delivered_at >= second.shipped_at


def test_on_time_rate_counts_deliveries_by_their_promised_date():
    today = timezone.localdate()
    now = timezone.now()
    ShipmentFactory(promised_on=today, shipped_at=now - dt.timedelta(days=1), delivered_at=now, status="delivered")
    ShipmentFactory(
        promised_on=today - dt.timedelta(days=3),
        shipped_at=now - dt.timedelta(days=5),
        delivered_at=now,
        status="delivered",
    )
    figures = shipments_on_time_rate()
    assert figures["delivered"] == 2 and figures["on_time"] == 1
    assert figures["rate"] == Decimal(50)


def test_late_notification_is_claimed_once():
    shipment = ShipmentFactory()
    assert services.shipment_mark_late_notified(shipment_id=shipment.pk) is True
    assert services.shipment_mark_late_notified(shipment_id=shipment.pk) is False


def test_the_total_is_refreshed_from_the_lines():
    line = OrderLineFactory(quantity=3, unit_price=Decimal("5.00"), order__total=Decimal("0"))
    OrderLineFactory(order=line.order, quantity=1, unit_price=Decimal("2.50"))
    assert services.order_total_refresh(order=line.order) == Decimal("17.50")
    line.order.refresh_from_db()
    assert line.order.total == Decimal("17.50")
