"""What the jobs compute about customers: tier and lifecycle history, value scores, the tier rules, recommendations."""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

from customers.models.customers import Customer, LifecycleStage, ValueTier


class ProfileAttribute(models.TextChoices):
    VALUE_TIER = "value_tier", _("Value tier")
    LIFECYCLE_STAGE = "lifecycle_stage", _("Lifecycle stage")


class CustomerHistory(models.Model):
    """Append-only: every change of a customer's value tier or lifecycle stage, when and why."""

    id = models.BigAutoField(primary_key=True)
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="history")
    attribute = models.CharField(_("what changed"), max_length=16, choices=ProfileAttribute.choices)
    old_value = models.CharField(_("from"), max_length=16)
    new_value = models.CharField(_("to"), max_length=16)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    reason = models.CharField(_("why"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("tier or lifecycle change")
        verbose_name_plural = _("tier and lifecycle history")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["changed_at"])]

    def __str__(self):
        return f"{self.get_attribute_display()}: {self.old_value} → {self.new_value}"

    def _label(self, value):
        choices = ValueTier if self.attribute == ProfileAttribute.VALUE_TIER else LifecycleStage
        try:
            return choices(value).label
        except ValueError:
            return value

    @property
    def old_label(self):
        return self._label(self.old_value)

    @property
    def new_label(self):
        return self._label(self.new_value)


class RatedBy(models.TextChoices):
    MODEL = "model", _("Buy-till-you-die model (BG/NBD and Gamma-Gamma)")
    RFM = "rfm", _("RFM scores only (too little history for the model)")


class CustomerValue(models.Model):
    """What the company's own purchase history says of one customer: RFM scores against the other customers and,
    where the history suffices, the model's probability that they are still a customer and their predicted value.

    Written by the value refresh (``customers.services.valuation``) for every customer with a sale; the value
    tier and lifecycle stage follow from it by the rules of :class:`TierPolicy`.
    """

    customer = models.OneToOneField(
        Customer, verbose_name=_("customer"), primary_key=True, on_delete=models.CASCADE, related_name="value"
    )
    computed_at = models.DateTimeField(_("computed at"))
    rated_by = models.CharField(_("rated by"), max_length=8, choices=RatedBy.choices)
    first_order_at = models.DateTimeField(_("first purchase"))
    last_order_at = models.DateTimeField(_("last purchase"))
    purchases = models.PositiveIntegerField(
        _("purchases"), help_text=_("Sales: orders neither cancelled nor returned.")
    )
    spend = models.DecimalField(_("spend"), max_digits=14, decimal_places=2)
    recency_score = models.PositiveSmallIntegerField(
        _("R score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    frequency_score = models.PositiveSmallIntegerField(
        _("F score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    monetary_score = models.PositiveSmallIntegerField(
        _("M score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    probability_alive = models.FloatField(_("probability still a customer"), null=True, blank=True)
    expected_purchases = models.FloatField(_("expected purchases"), null=True, blank=True)
    predicted_value = models.DecimalField(
        _("predicted value"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Expected spend over the policy's horizon; without the model, the spend so far."),
    )

    class Meta:
        verbose_name = _("customer value")
        verbose_name_plural = _("customer values")
        constraints = [
            models.CheckConstraint(
                condition=Q(probability_alive__isnull=True) | Q(probability_alive__gte=0, probability_alive__lte=1),
                name="customer_value_probability_0_1",
            ),
        ]
        indexes = [models.Index(fields=["predicted_value"]), models.Index(fields=["probability_alive"])]

    def __str__(self):
        return str(self.customer_id)


class ValueModelFit(models.Model):
    """One fit of the buy-till-you-die models to the company's history (weekly, and after an order history
    import); the latest successful one scores the customers."""

    fitted_at = models.DateTimeField(_("fitted at"), default=timezone.now, db_index=True)
    customers = models.PositiveIntegerField(_("customers fitted on"))
    repeat_customers = models.PositiveIntegerField(_("of them with repeat purchases"))
    succeeded = models.BooleanField(_("fitted"), default=False)
    message = models.CharField(_("why not"), max_length=200, blank=True)
    r = models.FloatField(null=True, blank=True)
    alpha = models.FloatField(null=True, blank=True)
    a = models.FloatField(null=True, blank=True)
    b = models.FloatField(null=True, blank=True)
    p = models.FloatField(null=True, blank=True)
    q = models.FloatField(null=True, blank=True)
    gamma = models.FloatField(null=True, blank=True)
    log_likelihood = models.FloatField(_("log-likelihood (BG/NBD)"), null=True, blank=True)

    class Meta:
        verbose_name = _("value model fit")
        verbose_name_plural = _("value model fits")
        ordering = ["-fitted_at", "-id"]

    def __str__(self):
        return f"{self.fitted_at:%Y-%m-%d %H:%M}"


def _probability(label: "str | _StrPromise", default: str) -> models.DecimalField:
    """A probability threshold of the tier rules: 0.00 to 1.00."""
    return models.DecimalField(
        label,
        max_digits=3,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )


class TierPolicy(models.Model):
    """The rules that turn scores into value tiers and lifecycle stages; one row, edited in the admin.

    Read in order: most valuable, then potential; any other buyer is low value. A buyer whose probability of
    still being a customer falls below the churn line is a win-back target, and never potential or better.
    """

    most_valuable_top_percent = models.DecimalField(
        _("most valuable: predicted value in the top (%)"),
        max_digits=5,
        decimal_places=2,
        default=20,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    most_valuable_min_alive = _probability(_("most valuable: probability still a customer at least"), "0.60")
    potential_min_alive = _probability(_("potential: probability still a customer at least"), "0.50")
    potential_min_score = models.PositiveSmallIntegerField(
        _("potential: F or M score at least"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    churn_below_alive = _probability(_("win-back: probability still a customer below"), "0.30")
    rfm_min_recency_score = models.PositiveSmallIntegerField(
        _("without the model: R score at least (else win-back)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Used while the history is too short for the model; R 1 is the fifth who bought longest ago."),
    )
    horizon_days = models.PositiveIntegerField(
        _("predicted value over (days)"), default=365, validators=[MinValueValidator(7), MaxValueValidator(3650)]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("tier rules")
        verbose_name_plural = _("tier rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(potential_min_alive__gte=models.F("churn_below_alive")),
                name="tier_policy_potential_not_below_churn",
            )
        ]

    def __str__(self):
        return str(_("Tier rules"))

    def clean(self):
        if (
            self.potential_min_alive is not None
            and self.churn_below_alive is not None
            and self.potential_min_alive < self.churn_below_alive
        ):
            raise ValidationError(
                {"potential_min_alive": _("A potential customer cannot be less likely to stay than a win-back one.")}
            )

    @classmethod
    def current(cls) -> "TierPolicy":
        """The rules in force (the defaults until someone edits them)."""
        return cls.objects.order_by("pk").first() or cls()


class RecommendationKind(models.TextChoices):
    CROSS_SELL = "cross_sell", _("Cross-sell: a complementary product")
    UP_SELL = "up_sell", _("Up-sell: a better, dearer product")


class ProductRecommendation(models.Model):
    """A product to propose to a customer, from what customers who bought the same things also bought."""

    id = models.BigAutoField(primary_key=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="recommendations"
    )
    product = models.ForeignKey(
        "orders.Product", verbose_name=_("product"), on_delete=models.CASCADE, related_name="recommendations"
    )
    because_of = models.ForeignKey(
        "orders.Product",
        verbose_name=_("because they bought"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RecommendationKind.choices)
    score = models.FloatField(_("score"))
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("product recommendation")
        verbose_name_plural = _("product recommendations")
        ordering = ["customer", "-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "product"], name="recommendation_once_per_product"),
        ]
        indexes = [models.Index(fields=["customer", "score"])]

    def __str__(self):
        return f"{self.product} → {self.customer}"
