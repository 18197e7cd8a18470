"""The preference centre's "Delete my data": the request, the e-mail that confirms it, and the confirmation.

Anyone holding a customer's preference link can ask, so nothing is erased on asking: an e-mail goes to the
customer's own address, in their language, with a link that works for ``PRIVACY_ERASURE_LINK_DAYS`` days and
only while the customer still has that address (``campaigns.tokens.erasure_token``). The link opens a page
that asks once more; only its form (a POST, never a GET: mail scanners follow links) erases. At most one such
e-mail goes to a customer per :data:`REQUEST_INTERVAL`, so a link passed around cannot flood their mailbox.

The e-mail is a row of its own sent through the sending pipeline, as every message to a customer is: signed,
its bounces traced, never sent twice, and never to an address on the suppression list.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigns import tokens
from campaigns.models import ErasureConfirmation, MessageStatus
from customers.models import Customer, Erasure, ErasureSource
from customers.services.erasure import customer_erase
from emarketing import mail
from emarketing.brand.selectors import sender_address

from .sending import (
    Claim,
    Loaded,
    MessageKind,
    Pipeline,
    Rendered,
    SendingInterrupted,
    SendResult,
    mail_connection,
    public_url,
)

logger = logging.getLogger(__name__)

REQUEST_INTERVAL = dt.timedelta(hours=1)


@dataclass(frozen=True)
class ConfirmationRow:
    pk: int
    attempts: int
    confirmation: ErasureConfirmation


class ErasureConfirmations(MessageKind[ConfirmationRow]):
    """The e-mails that ask customers to confirm the erasure of their data, in their language."""

    model = ErasureConfirmation
    code = "e"

    def from_email(self) -> str:
        return str(settings.DEFAULT_FROM_EMAIL)

    def load(self, claim: Claim) -> Loaded[ConfirmationRow]:
        confirmations = (
            ErasureConfirmation.objects.filter(pk__in=claim.ids, claim=claim.token, status=MessageStatus.SENDING)
            .select_related("customer")
            .order_by("pk")
        )
        rows, refused = [], {}
        for confirmation in confirmations:
            customer = confirmation.customer
            if customer.email and customer.erased_at is None:
                rows.append(ConfirmationRow(confirmation.pk, confirmation.attempts, confirmation))
            else:
                refused[confirmation.pk] = _("The customer has no e-mail address any more, or was erased.")
        return Loaded(pending=rows, refused=refused)

    def render(self, row: ConfirmationRow) -> tuple[str, Rendered]:
        customer = row.confirmation.customer
        token = tokens.erasure_token(customer_id=customer.pk, email=customer.email)
        link = public_url("campaigns:erasure_confirm", token)
        language = row.confirmation.language
        with translation.override(language):
            subject = _("Confirm that we should delete your data")
            message = _(
                "Hello %(name)s,\n\n"
                "We were asked to delete the personal data we hold about you. If you asked for this, confirm it "
                "by opening this link within %(days)d days and pressing the button on the page:\n\n%(link)s\n\n"
                "Once confirmed, it cannot be undone: we will not write to you again, and your orders are kept "
                "only as amounts for our accounts. If you did not ask for this, ignore this e-mail and nothing "
                "will change."
            )
            # The number of days in the customer's digits; the link, an identifier, as it is.
            html, text = mail.transactional_mail(
                language=language,
                subject=subject,
                message=message,
                values={
                    "name": customer.first_name,
                    "days": mail.number(settings.PRIVACY_ERASURE_LINK_DAYS, language),
                    "link": mail.link(link, language),
                },
            )
        headers = {
            "Auto-Submitted": "auto-generated",
            "Reply-To": str(settings.SUPPORT_EMAIL),
            "Content-Language": language,
        }
        return customer.email, Rendered(
            subject=subject,
            html=html,
            text=text,
            headers=headers,
            from_email=sender_address(self.from_email(), language),
        )


def erasure_confirmations_send() -> SendResult:
    """Send every confirmation e-mail due (new ones, and refused ones whose retry time has come)."""
    result = SendResult()
    try:
        Pipeline(ErasureConfirmations(), mail_connection()).run(result=result)
    except SendingInterrupted as error:  # the unsent ones are back in the queue for the next run
        logger.warning("Erasure confirmations interrupted: %s", error)
    return result


@transaction.atomic
def erasure_request(*, customer: Customer, now: dt.datetime | None = None) -> bool:
    """Queue the e-mail that asks the customer to confirm the erasure of their data; sent once the request
    commits. False (and nothing queued) for a customer without an address, already erased, or who was sent one
    less than :data:`REQUEST_INTERVAL` ago."""
    now = now or timezone.now()
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if not locked.email or locked.erased_at is not None:
        return False
    if ErasureConfirmation.objects.filter(customer=locked, created_at__gt=now - REQUEST_INTERVAL).exists():
        return False
    ErasureConfirmation.objects.create(customer=locked, language=locked.preferred_language, created_at=now)
    from campaigns.tasks import send_erasure_confirmations

    transaction.on_commit(send_erasure_confirmations.delay)
    return True


def erasure_link_customer(*, token: str) -> Customer:
    """The customer a confirmation link is for; ``tokens.BadToken`` (or ``tokens.ExpiredToken``) when the link
    was altered, made up, is past its time, or their address has changed or been erased since it was sent."""
    customer = Customer.objects.filter(pk=tokens.erasure_token_customer_id(token)).first()
    if customer is None or customer.erased_at is not None:
        raise tokens.BadToken
    tokens.read_erasure_token(token, email=customer.email, max_age_days=settings.PRIVACY_ERASURE_LINK_DAYS)
    return customer


@transaction.atomic
def erasure_confirm(*, token: str) -> Erasure:
    """Erase the customer a genuine confirmation link names (raises like :func:`erasure_link_customer`)."""
    customer = erasure_link_customer(token=token)
    asked = (
        ErasureConfirmation.objects.filter(customer=customer)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
    ).first()
    return customer_erase(
        customer=customer,
        source=ErasureSource.PREFERENCE_CENTRE,
        requested_by=None,
        requested_at=asked,
        confirmed_at=timezone.now(),
    )
