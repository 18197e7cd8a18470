"""A/B/n tests and holdout groups of a campaign: the experiment, its variants and the customers held out.

A campaign has at most one experiment. Its audience is split at random but repeatably (``campaigns.experiments
.buckets``, by the customer's id and the experiment's seed): a holdout share is listed and sent nothing, a test
share is divided evenly among the variants, and the rest waits until the test is decided, then receives the
winner (or, with no significant winner, the marketer's fallback, else the control). Each message records its
variant; the database allows a customer one message per campaign, so nobody can receive two variants.
"""

import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models.campaigns import Campaign, Creative
from campaigns.templating import check_template
from customers.models import Customer


def new_seed() -> int:
    return secrets.randbelow(2**31 - 1) + 1


class ExperimentMetric(models.TextChoices):
    OPENS = "opens", _("Opened by a person")
    CLICKS = "clicks", _("Clicked")
    ORDERS = "orders", _("Ordered (attributed)")
    REVENUE = "revenue", _("Revenue per recipient (attributed)")


# The metrics judged as a share of recipients (a two-proportion z-test); revenue is judged on its mean (Welch).
RATE_METRICS = frozenset({ExperimentMetric.OPENS, ExperimentMetric.CLICKS, ExperimentMetric.ORDERS})


class ExperimentStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for the campaign to start")
    TESTING = "testing", _("Testing")
    DECIDED = "decided", _("Decided")


class Experiment(models.Model):
    campaign = models.OneToOneField(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="experiment"
    )
    test_percent = models.DecimalField(
        _("test share (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("20"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("The share of the audience that receives the variants, split evenly; 0 for a holdout alone."),
    )
    holdout_percent = models.DecimalField(
        _("holdout share (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(50)],
        help_text=_("Listed but sent nothing, to measure the campaign's real lift on orders and revenue."),
    )
    metric = models.CharField(
        _("winning metric"), max_length=8, choices=ExperimentMetric.choices, default=ExperimentMetric.CLICKS
    )
    decide_after_hours = models.PositiveIntegerField(
        _("decide after (hours)"), default=4, validators=[MinValueValidator(1), MaxValueValidator(24 * 30)]
    )
    confidence = models.DecimalField(
        _("confidence (%)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("95"),
        validators=[MinValueValidator(50), MaxValueValidator(Decimal("99.9"))],
    )
    fallback = models.ForeignKey(
        "Variant",
        verbose_name=_("send when there is no winner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: the control."),
    )
    seed = models.PositiveBigIntegerField(_("random seed"), default=new_seed, editable=False)
    status = models.CharField(
        _("status"), max_length=8, choices=ExperimentStatus.choices, default=ExperimentStatus.WAITING, editable=False
    )
    decide_at = models.DateTimeField(_("decided at the latest"), null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    winner = models.ForeignKey(
        "Variant",
        verbose_name=_("winner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    chosen = models.ForeignKey(
        "Variant",
        verbose_name=_("sent to the rest"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # Set once every customer of the campaign is listed (the test, the holdout and the rest): until then the
    # campaign is not finished, whatever has been sent.
    all_listed_at = models.DateTimeField(_("everyone listed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("experiment")
        verbose_name_plural = _("experiments")
        constraints = [
            models.CheckConstraint(
                condition=Q(test_percent__gte=0) & Q(holdout_percent__gte=0),
                name="experiment_shares_not_negative",
            ),
        ]

    def __str__(self):
        return str(_("Experiment of %(campaign)s") % {"campaign": self.campaign})

    def clean(self):
        if (self.test_percent or 0) + (self.holdout_percent or 0) > 100:
            raise ValidationError(_("The test and holdout shares add up to more than 100%."))


class Variant(models.Model):
    """One version of the campaign's e-mail: empty fields keep the campaign's own."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="variants"
    )
    name = models.CharField(_("name"), max_length=80)
    is_control = models.BooleanField(_("control"), default=False)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    from_name = models.CharField(_("sender name"), max_length=120, blank=True)
    creative = models.ForeignKey(
        Creative,
        verbose_name=_("creative"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="variants",
        help_text=_("Replaces the campaign's e-mail for customers who read the creative's language."),
    )
    local_send_time = models.TimeField(
        _("send at (local time)"), null=True, blank=True, help_text=_("In each customer's own time zone.")
    )

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["campaign", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign"], condition=Q(is_control=True), name="variant_one_control"),
            models.UniqueConstraint(fields=["campaign", "name"], name="variant_name_once"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        problems = check_template(self.subject, html=False)
        if problems:
            raise ValidationError({"subject": problems})
        if self.creative is not None and self.campaign_id and self.creative.campaign_id != self.campaign_id:
            raise ValidationError({"creative": _("Choose a creative of this campaign.")})


class HoldoutMember(models.Model):
    """A customer of the campaign's audience held out: listed, sent nothing, compared with those who were sent it."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="holdout_members"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="holdouts"
    )
    created_at = models.DateTimeField(_("listed at"), default=timezone.now)

    class Meta:
        verbose_name = _("held-out customer")
        verbose_name_plural = _("held-out customers")
        constraints = [models.UniqueConstraint(fields=["campaign", "customer"], name="holdout_once_per_campaign")]

    def __str__(self):
        return f"{self.campaign} ⊘ {self.customer}"
