"""The suppression list: addresses no message may go to, kept by the hash of their normalised form."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from emarketing.contacts import InvalidEmail, normalise_email


def suppression_form(address: str) -> str:
    """An address as the suppression list keeps it: normalised as every address is (``normalise_email``); one
    that cannot be read as an address (a bounce may name anything) is kept as written, trimmed."""
    try:
        return normalise_email(address)
    except InvalidEmail:
        return address.strip()


def address_hash(address: str) -> str:
    """The key of an address on the suppression list: SHA-256 (hex) of its normalised, lower-cased form.

    Lower-cased because mail servers and providers report addresses in any case; the hash stays when an erasure
    blanks the address, so a customer erased and imported again is still not written to.
    """
    return hashlib.sha256(suppression_form(address).lower().encode("utf-8")).hexdigest()


class SuppressionReason(models.TextChoices):
    HARD_BOUNCE = "hard_bounce", _("Hard bounce")
    COMPLAINT = "complaint", _("Spam complaint")
    SOFT_BOUNCES = "soft_bounces", _("Repeated soft bounces")
    MANUAL = "manual", _("Added by staff")
    IMPORT = "import", _("Imported list")
    ERASURE = "erasure", _("Erasure request")


class SuppressedAddress(models.Model):
    """An address no message may go to, whoever has it: every send checks the list by hash."""

    address = models.CharField(
        _("address"), max_length=254, blank=True, help_text=_("Blank after an erasure: the hash alone is kept.")
    )
    address_hash = models.CharField(_("address hash (SHA-256)"), max_length=64, unique=True, editable=False)
    reason = models.CharField(_("reason"), max_length=16, choices=SuppressionReason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # The list set the customer's flag (it was clear before): removing the address clears it again, while a flag
    # set for another reason (a legal request entered by hand) stays.
    flagged_customer = models.BooleanField(_("suppressed the customer"), default=False, editable=False)
    created_at = models.DateTimeField(_("added at"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppression list")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.address or _("(erased) %(hash)s…") % {"hash": self.address_hash[:12]}
