"""Every write of the transfer stage: orders, payments, shipments, and what the website and providers send."""

from .history import HistoryResult, order_history_import, order_history_profiles_refresh
from .orders import (
    order_cancel,
    order_confirm,
    order_create,
    order_deliver,
    order_set_status,
    order_ship,
    order_total_refresh,
)
from .payments import (
    payment_authorize,
    payment_capture,
    payment_create,
    payment_fail,
    payment_notification_apply,
    payment_refund,
)
from .shipments import (
    shipment_create,
    shipment_deliver,
    shipment_mark_late_notified,
    shipment_ship,
)
from .webhook import WebhookOutcome, order_from_webhook

__all__ = [
    "HistoryResult",
    "WebhookOutcome",
    "order_cancel",
    "order_confirm",
    "order_create",
    "order_deliver",
    "order_from_webhook",
    "order_history_import",
    "order_history_profiles_refresh",
    "order_set_status",
    "order_ship",
    "order_total_refresh",
    "payment_authorize",
    "payment_capture",
    "payment_create",
    "payment_fail",
    "payment_notification_apply",
    "payment_refund",
    "shipment_create",
    "shipment_deliver",
    "shipment_mark_late_notified",
    "shipment_ship",
]
