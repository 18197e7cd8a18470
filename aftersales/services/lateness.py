"""Late deliveries: tell the customer once, and open a ticket before they have to."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.models import LateDeliveryApology, MessageAuthor, TicketChannel, TicketPriority
from campaigns.models import MessageStatus
from campaigns.services.sending import (
    Claim,
    Loaded,
    MessageKind,
    Pipeline,
    Rendered,
    SendingInterrupted,
    SendResult,
    mail_connection,
)
from emarketing import mail
from emarketing.brand.selectors import sender_address
from orders.models import Shipment
from orders.selectors import shipments_overdue
from orders.services import shipment_mark_late_notified

from .feedback import ticket_create

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApologyRow:
    pk: int
    attempts: int
    apology: LateDeliveryApology


class LateDeliveryApologies(MessageKind[ApologyRow]):
    """The late-delivery e-mails, in each customer's language, replies going to the contact line."""

    model = LateDeliveryApology
    code = "l"

    def from_email(self) -> str:
        return str(settings.DEFAULT_FROM_EMAIL)

    def load(self, claim: Claim) -> Loaded[ApologyRow]:
        apologies = (
            LateDeliveryApology.objects.filter(pk__in=claim.ids, claim=claim.token, status=MessageStatus.SENDING)
            .select_related("customer", "shipment__order")
            .order_by("pk")
        )
        rows, refused = [], {}
        for apology in apologies:
            if apology.customer.email and not apology.customer.suppressed:
                rows.append(ApologyRow(apology.pk, apology.attempts, apology))
            else:
                refused[apology.pk] = _("The customer has no e-mail address or is suppressed.")
        return Loaded(pending=rows, refused=refused)

    def render(self, row: ApologyRow) -> tuple[str, Rendered]:
        apology = row.apology
        customer, order = apology.customer, apology.shipment.order
        language = customer.preferred_language
        with translation.override(language):
            subject = f"[#{apology.ticket_id}] " + _("Your order %(number)s is late") % {"number": order.number}
            message = _(
                "Dear %(name)s,\n\nWe promised your order %(number)s for %(promised)s and it has not reached you "
                "yet. We are sorry. We have opened request %(ticket)s to follow it up, and we will write to you "
                "as soon as we know more; you do not need to contact us."
            )
            html, text = mail.transactional_mail(
                language=language,
                subject=subject,
                message=message,
                values={
                    "name": customer.first_name,
                    "number": mail.identifier(order.number, language),
                    # The promised day in the customer's calendar and digits (Solar Hijri in Persian).
                    "promised": mail.day(apology.shipment.promised_on, language),
                    "ticket": mail.identifier(f"#{apology.ticket_id}", language),
                },
            )
        headers = {
            "Reply-To": str(settings.SUPPORT_EMAIL),
            "Auto-Submitted": "auto-generated",
            "Content-Language": language,
        }
        return customer.email, Rendered(
            subject=subject,
            html=html,
            text=text,
            headers=headers,
            from_email=sender_address(self.from_email(), language),
        )


def late_apologies_send() -> SendResult:
    """Send every late-delivery e-mail due (new ones, and refused ones whose retry time has come)."""
    result = SendResult()
    try:
        Pipeline(LateDeliveryApologies(), mail_connection()).run(result=result)
    except SendingInterrupted as error:  # the unsent ones are back in the queue for the next run
        logger.warning("Late-delivery e-mails interrupted: %s", error)
    return result


@transaction.atomic
def _late_shipment_handle(shipment: Shipment) -> bool:
    """Claim one late shipment, open its ticket and queue the customer's e-mail, in one commit."""
    if not shipment_mark_late_notified(shipment_id=shipment.pk):
        return False
    order, customer = shipment.order, shipment.order.customer
    reachable = bool(customer.email) and not customer.suppressed
    # The ticket is for staff, in the product's language; the e-mail is in the customer's.
    with translation.override(settings.LANGUAGE_CODE):
        promised = {"promised": shipment.promised_on.isoformat()}
        body = (
            _("Delivery promised for %(promised)s has not arrived; the customer is told by e-mail.")
            if reachable
            else _("Delivery promised for %(promised)s has not arrived; the customer has no e-mail address to tell.")
        ) % promised
        ticket = ticket_create(
            subject=_("Order %(number)s is late") % {"number": order.number},
            body=body,
            channel=TicketChannel.EMAIL,
            customer=customer,
            order=order,
            priority=TicketPriority.HIGH,
            author_kind=MessageAuthor.SYSTEM,
            acknowledge=False,
        )
    if reachable:
        LateDeliveryApology.objects.create(shipment=shipment, ticket=ticket, customer=customer)
    return True


def late_shipments_handle(*, today: dt.date | None = None, batch_size: int = 500) -> int:
    """Every shipment past its promised date and not delivered: one ticket and one e-mail; return how many.

    Each shipment is claimed (a stamp set only if still empty) in the same commit as its ticket and the row of
    its e-mail, so a job run twice, or two workers at once, open one ticket. The e-mails then go through the
    sending pipeline: a worker killed while handing one over never sends it twice, a refused one is retried.
    """
    today = today or timezone.localdate()
    handled, last_id = 0, 0
    while True:
        page = list(shipments_overdue(today=today, after_id=last_id, limit=batch_size))
        if not page:
            break
        last_id = page[-1].pk
        for shipment in page:
            try:
                handled += _late_shipment_handle(shipment)
            except Exception:
                logger.exception("Late shipment %s could not be handled; it will be tried again", shipment.pk)
    late_apologies_send()
    return handled
