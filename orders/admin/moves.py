"""The buttons on an order's, a payment's and a shipment's page: the same services as the list actions."""

from django.utils.translation import gettext_lazy as _

from emarketing.admin_moves import StatusMove
from orders import services
from orders.models import OrderStatus, PaymentStatus, ShipmentStatus

ORDER_MOVES = (
    StatusMove(
        OrderStatus.CONFIRMED,
        _("Confirm"),
        lambda order, user: services.order_confirm(order=order, by=user),
        _("order confirmed."),
    ),
    StatusMove(
        OrderStatus.SHIPPED,
        _("Ship"),
        lambda order, user: services.order_ship(order=order, by=user),
        _("order shipped."),
    ),
    StatusMove(
        OrderStatus.DELIVERED,
        _("Mark delivered"),
        lambda order, user: services.order_deliver(order=order, by=user),
        _("order delivered."),
    ),
    StatusMove(
        OrderStatus.CANCELLED,
        _("Cancel the order"),
        lambda order, user: services.order_cancel(order=order, by=user),
        _("order cancelled."),
        danger=True,
    ),
)

PAYMENT_MOVES = (
    StatusMove(
        PaymentStatus.AUTHORIZED,
        _("Authorize"),
        lambda payment, user: services.payment_authorize(payment=payment, by=user),
        _("payment authorized."),
    ),
    StatusMove(
        PaymentStatus.CAPTURED,
        _("Capture"),
        lambda payment, user: services.payment_capture(payment=payment, by=user),
        _("payment captured."),
    ),
    StatusMove(
        PaymentStatus.REFUNDED,
        _("Refund"),
        lambda payment, user: services.payment_refund(payment=payment, by=user),
        _("payment refunded."),
        danger=True,
    ),
    StatusMove(
        PaymentStatus.FAILED,
        _("Mark failed"),
        lambda payment, user: services.payment_fail(payment=payment, by=user),
        _("payment marked failed."),
        danger=True,
    ),
)

SHIPMENT_MOVES = (
    StatusMove(
        ShipmentStatus.SHIPPED,
        _("Mark shipped"),
        lambda shipment, user: services.shipment_ship(shipment=shipment, by=user),
        _("shipment shipped."),
    ),
    StatusMove(
        ShipmentStatus.DELIVERED,
        _("Mark delivered"),
        lambda shipment, user: services.shipment_deliver(shipment=shipment, by=user),
        _("shipment delivered."),
    ),
)
