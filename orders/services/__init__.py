"""Every write of the transfer stage: orders, payments, shipments, and what the website and providers send."""

from .orders import (  # noqa: F401
    order_cancel,
    order_confirm,
    order_create,
    order_deliver,
    order_set_status,
    order_ship,
    order_total_refresh,
)
from .payments import (  # noqa: F401
    payment_authorize,
    payment_capture,
    payment_create,
    payment_fail,
    payment_notification_apply,
    payment_refund,
)
from .shipments import (  # noqa: F401
    shipment_create,
    shipment_deliver,
    shipment_mark_late_notified,
    shipment_ship,
)
from .webhook import WebhookOutcome, order_from_webhook  # noqa: F401
