"""Late deliveries: tell the customer once, and open a ticket before they have to."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.models import MessageAuthor, TicketChannel, TicketPriority
from orders.selectors import shipments_overdue
from orders.services import shipment_mark_late_notified

from .feedback import ticket_create

logger = logging.getLogger(__name__)


def _late_shipment_handle(shipment, today):
    order, customer = shipment.order, shipment.order.customer
    promised = shipment.promised_on.isoformat()
    with transaction.atomic():
        if not shipment_mark_late_notified(shipment_id=shipment.pk):
            return False
        # The ticket is for staff, in the product's language; the e-mail in the customer's.
        with translation.override(settings.LANGUAGE_CODE):
            ticket = ticket_create(
                subject=_("Order %(number)s is late") % {"number": order.number},
                body=_("Delivery promised for %(promised)s has not arrived; the customer has been told by e-mail.")
                % {"promised": promised},
                channel=TicketChannel.EMAIL,
                customer=customer,
                order=order,
                priority=TicketPriority.HIGH,
                author_kind=MessageAuthor.SYSTEM,
                acknowledge=False,
            )
        if customer.email and not customer.suppressed:
            with translation.override(customer.preferred_language):
                subject = _("Your order %(number)s is late") % {"number": order.number}
                body = _(
                    "Dear %(name)s,\n\nWe promised your order %(number)s for %(promised)s and it has not reached you "
                    "yet. We are sorry. We have opened request %(ticket)s to follow it up, and we will write to you "
                    "as soon as we know more; you do not need to contact us."
                ) % {
                    "name": customer.first_name,
                    "number": order.number,
                    "promised": promised,
                    "ticket": f"#{ticket.pk}",
                }
            EmailMessage(
                subject=f"[#{ticket.pk}] {subject}",
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[customer.email],
                reply_to=[settings.SUPPORT_EMAIL],
            ).send()
    return True


def late_shipments_handle(*, today=None, batch_size: int = 500) -> int:
    """Every shipment past its promised date and not delivered: one e-mail, one ticket; return how many.

    Each shipment is claimed before anything is sent (a stamp set only if still empty), so a job run twice,
    or two workers at once, notify a customer once. A failure to send rolls that shipment back for next time.
    """
    today = today or timezone.localdate()
    handled, last_id = 0, 0
    while True:
        page = list(shipments_overdue(today=today, after_id=last_id, limit=batch_size))
        if not page:
            return handled
        last_id = page[-1].pk
        for shipment in page:
            try:
                handled += _late_shipment_handle(shipment, today)
            except Exception:
                logger.exception("Late shipment %s could not be handled; it will be tried again", shipment.pk)
