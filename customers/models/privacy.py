"""The right to be forgotten: the record of each customer's erasure, without the data it removed."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models.customers import Customer


class ErasureSource(models.TextChoices):
    ADMIN = "admin", _("Staff, from the customer's page")
    ADMIN_BULK = "admin_bulk", _("Staff, several customers at once")
    PREFERENCE_CENTRE = "preference_centre", _("The customer, from the preference centre (confirmed by e-mail)")
    API = "api", _("API")


class Erasure(models.Model):
    """One customer's erasure: who asked, when, and how many rows of each kind were blanked or removed.

    The customer's row stays (orders and the dashboards count it) with nothing personal left on it, so the
    record can point at it; ``removed`` holds counts per kind of data, never the data itself. A customer is
    erased once: the database keeps one record per customer.
    """

    customer = models.OneToOneField(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="erasure"
    )
    source = models.CharField(_("asked through"), max_length=24, choices=ErasureSource.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The staff member who asked; empty when the customer asked themselves."),
    )
    requested_at = models.DateTimeField(_("asked at"), default=timezone.now)
    confirmed_at = models.DateTimeField(
        _("confirmed at"), null=True, blank=True, help_text=_("When the customer confirmed by the link in the e-mail.")
    )
    completed_at = models.DateTimeField(_("erased at"), default=timezone.now, db_index=True)
    removed = models.JSONField(_("what was removed (rows per kind)"), default=dict, blank=True)

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures (right to be forgotten)")
        ordering = ["-completed_at", "-id"]

    def __str__(self):
        return _("Erasure of customer #%(id)s") % {"id": self.customer_id}

    @property
    def rows_removed(self) -> int:
        return sum(int(n) for n in (self.removed or {}).values())
