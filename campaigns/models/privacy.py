"""The preference centre's "delete my data": the e-mail that asks the customer to confirm by a signed link."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models.delivery import DeliveryState
from customers.models import Customer, FormSubmission


class ErasureConfirmation(DeliveryState):
    """The e-mail with the link that confirms a customer's request to have their data erased.

    Sent through the sending pipeline like every message to a customer (signed, its bounces traced); nothing is
    erased until the customer follows the link and confirms. The address is the customer's own, read when the
    e-mail is sent; the row keeps no copy of it.
    """

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="erasure_confirmations"
    )
    language = models.CharField(_("language"), max_length=8)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("erasure confirmation e-mail")
        verbose_name_plural = _("erasure confirmation e-mails")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "id"], name="erasure_confirmation_status"),
            models.Index(fields=["customer", "created_at"], name="erasure_confirmation_customer"),
        ]

    def __str__(self):
        return _("Erasure confirmation for customer #%(id)s") % {"id": self.customer_id}


class FormConfirmationMail(DeliveryState):
    """The e-mail with the link that confirms a capture form's submission (double opt-in), to the address given.

    Sent through the sending pipeline like every message to a customer; nothing of the submission is applied, and
    no consent given, until the link is followed. One per submission, kept by the database.
    """

    submission = models.OneToOneField(
        FormSubmission, verbose_name=_("form submission"), on_delete=models.CASCADE, related_name="confirmation_mail"
    )
    created_at = models.DateTimeField(_("queued at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("form confirmation e-mail")
        verbose_name_plural = _("form confirmation e-mails")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"], name="form_confirmation_status")]

    def __str__(self):
        return _("Confirmation of form submission #%(id)s") % {"id": self.submission_id}
