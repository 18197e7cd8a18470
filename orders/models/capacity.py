"""What the company can make and deliver: stock and production per product, shipments per day per delivery region.

Mediation (seeds 000, 002) weighs customers' demand against these figures (``cycle.selectors.mediation``).
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

NOT_NEGATIVE = _("Enter zero or more.")


def _at_least_zero() -> list[MinValueValidator]:
    return [MinValueValidator(0, message=NOT_NEGATIVE)]


class ProductCapacity(models.Model):
    """How much of a product the company can sell: what is in stock now, and what it makes each week."""

    product = models.OneToOneField(
        "orders.Product", verbose_name=_("product"), on_delete=models.CASCADE, related_name="capacity"
    )
    stock_on_hand = models.IntegerField(_("stock on hand"), default=0, validators=_at_least_zero())
    production_per_week = models.IntegerField(
        _("production per week"),
        default=0,
        validators=_at_least_zero(),
        help_text=_("Units made (or bought in) each week."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("product capacity")
        verbose_name_plural = _("product capacities")
        ordering = ["product__name"]
        constraints = [
            models.CheckConstraint(condition=Q(stock_on_hand__gte=0), name="capacity_stock_not_negative"),
            models.CheckConstraint(condition=Q(production_per_week__gte=0), name="capacity_production_not_negative"),
        ]

    def __str__(self):
        return str(self.product)


class DeliveryRegion(models.Model):
    """A region the company delivers to, with how many shipments a day it can send there.

    An order belongs to the region of its customer's address: the customer's country (when the region names one)
    and region / province, compared without regard to case. The shop already asks every buyer for that address.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    country = models.CharField(
        _("country"), max_length=2, blank=True, help_text=_("ISO 3166 code, e.g. IR; empty: any country.")
    )
    province = models.CharField(
        _("region / province"),
        max_length=100,
        help_text=_("As customers' addresses name it, e.g. Tehran: orders of customers there count here."),
    )
    shipments_per_day = models.IntegerField(_("shipments per day"), default=0, validators=_at_least_zero())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("delivery region")
        verbose_name_plural = _("delivery regions")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(shipments_per_day__gte=0), name="region_shipments_not_negative"),
            models.UniqueConstraint(fields=["country", "province"], name="region_once_per_province"),
        ]

    def __str__(self):
        return self.name
