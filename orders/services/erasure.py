"""Transfer's part of a customer's erasure (registered in ``customers.erasure.erasers``).

Blanked: the shipments' tracking numbers (with the carrier's site they lead to the delivery address) and the
notes written on the status changes of the customer's orders, payments and shipments (free text staff type,
which can quote the customer). Payment notifications' outcomes are blanked where they quote the customer.

Kept, and why: everything the books and the dashboards read — each order's number, channel, agent, campaign,
total, currency, status and dates; its product lines; each payment's amount, currency, method, status, dates
and the provider's reference (what the provider's statements are reconciled by, and nothing of the person);
each shipment's carrier, status and dates (on-time delivery is counted from them).
"""

from django.utils.translation import gettext_lazy as _

from customers.erasure import Counts, ErasureSubject
from orders.models import (
    OrderStatusChange,
    PaymentNotification,
    PaymentStatusChange,
    Shipment,
    ShipmentStatusChange,
)

LABELS = {
    "orders.tracking_numbers": _("shipment tracking numbers"),
    "orders.status_notes": _("notes on the status changes of their orders, payments and shipments"),
    "orders.payment_notifications": _("payment notifications quoting them"),
}


def erase_transfer(subject: ErasureSubject) -> Counts:
    cid = subject.customer_id
    notes = OrderStatusChange.objects.filter(subject__customer_id=cid).exclude(note="").update(note="")
    notes += PaymentStatusChange.objects.filter(subject__order__customer_id=cid).exclude(note="").update(note="")
    notes += ShipmentStatusChange.objects.filter(subject__order__customer_id=cid).exclude(note="").update(note="")
    tracking = Shipment.objects.filter(order__customer_id=cid).exclude(tracking_number="").update(tracking_number="")
    quoting = [
        pk
        for pk, outcome in PaymentNotification.objects.filter(payment__order__customer_id=cid)
        .exclude(outcome="")
        .values_list("pk", "outcome")
        if subject.mentions(outcome)
    ]
    notifications = PaymentNotification.objects.filter(pk__in=quoting).update(outcome="")
    return {
        "orders.tracking_numbers": tracking,
        "orders.status_notes": notes,
        "orders.payment_notifications": notifications,
    }
