"""The e-mail that confirms a capture form's submission (double opt-in): queued by preparation through its
registry (``customers.registry.capture_form_hooks``), sent through the sending pipeline, in the language the form
was filled in.

It goes to the address the visitor typed, which is also the customer's (a submission is filed under the customer
who has that address, or a lead made for it). The link opens a page with a button; only the button (a POST, never a
GET: mail scanners follow links) confirms. Nothing else is sent to an unconfirmed lead: it has no consent.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from campaigns.models import FormConfirmationMail, MessageStatus
from customers.capture import Page, confirmation_token
from customers.models import CaptureForm
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


@dataclass(frozen=True)
class ConfirmationRow:
    pk: int
    attempts: int
    mail: FormConfirmationMail


class FormConfirmations(MessageKind[ConfirmationRow]):
    """The confirmation e-mails of capture forms."""

    model = FormConfirmationMail
    code = "f"

    def from_email(self) -> str:
        return str(settings.DEFAULT_FROM_EMAIL)

    def load(self, claim: Claim) -> Loaded[ConfirmationRow]:
        mails = (
            FormConfirmationMail.objects.filter(pk__in=claim.ids, claim=claim.token, status=MessageStatus.SENDING)
            .select_related("submission__customer", "submission__form")
            .order_by("pk")
        )
        rows, refused = [], {}
        for confirmation in mails:
            submission = confirmation.submission
            customer = submission.customer
            if submission.confirmed_at is not None:
                refused[confirmation.pk] = _("The submission was confirmed already.")
            elif customer.erased_at is not None or customer.email.lower() != submission.email.lower():
                refused[confirmation.pk] = _("The customer's address changed, or the customer was erased.")
            else:
                rows.append(ConfirmationRow(confirmation.pk, confirmation.attempts, confirmation))
        return Loaded(pending=rows, refused=refused)

    def render(self, row: ConfirmationRow) -> tuple[str, Rendered]:
        submission = row.mail.submission
        language = submission.language
        form = CaptureForm.objects.prefetch_related("texts", "wordings").get(pk=submission.form_id)
        link = public_url(
            "customers:form_confirm", confirmation_token(submission_id=submission.pk, nonce=submission.nonce)
        )
        with translation.override(language):
            subject = _("Please confirm your address")
            message = _(
                "Hello %(name)s,\n\n"
                "Thank you for filling in “%(form)s”. To confirm that this address is yours and that you want to "
                "hear from us, open this link within %(days)d days and press the button on the page:\n\n%(link)s\n\n"
                "If it was not you, ignore this e-mail: we will not write to you again, and what was sent is "
                "deleted."
            )
            html, text = mail.transactional_mail(
                language=language,
                subject=subject,
                message=message,
                values={
                    "name": submission.data.get("first_name", ""),
                    "form": Page.of(form, language).title,
                    "days": mail.number(settings.FORMS_UNCONFIRMED_DAYS, language),
                    "link": mail.link(link, language),
                },
            )
        headers = {
            "Auto-Submitted": "auto-generated",
            "Reply-To": str(settings.SUPPORT_EMAIL),
            "Content-Language": language,
        }
        return submission.email, Rendered(
            subject=subject,
            html=html,
            text=text,
            headers=headers,
            from_email=sender_address(self.from_email(), language),
        )


def form_confirmations_send() -> SendResult:
    """Send every confirmation e-mail due (new ones, and refused ones whose retry time has come)."""
    result = SendResult()
    try:
        Pipeline(FormConfirmations(), mail_connection()).run(result=result)
    except SendingInterrupted as error:  # the unsent ones are back in the queue for the next run
        logger.warning("Form confirmations interrupted: %s", error)
    return result


def form_confirmation_queue(submission_id: int) -> None:
    """Queue the confirmation e-mail of a submission (once: one row per submission) and send it after commit."""
    _mail, created = FormConfirmationMail.objects.get_or_create(submission_id=submission_id)
    if created:
        from campaigns.tasks import send_form_confirmations

        transaction.on_commit(send_form_confirmations.delay)
