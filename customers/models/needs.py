"""Needs and wants customers express, and each time one was heard again."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models.customers import Customer
from customers.models.segments import Segment


class NeedKind(models.TextChoices):
    NEED = "need", _("Need")
    WANT = "want", _("Want")
    COMPLAINT = "complaint", _("Complaint")


class NeedCategory(models.TextChoices):
    DELIVERY = "delivery", _("Delivery")
    PRICE = "price", _("Price")
    QUALITY = "quality", _("Product quality")
    PRODUCT_REQUEST = "product_request", _("New product or feature")
    SUPPORT = "support", _("Service and support")
    PAYMENT = "payment", _("Payment")
    WEBSITE = "website", _("Website and navigation")
    INFORMATION = "information", _("Information and content")
    OTHER = "other", _("Other")


class NeedSource(models.TextChoices):
    SURVEY = "survey", _("Satisfaction survey")
    TICKET = "ticket", _("Contact line ticket")
    REVIEW = "review", _("Review")
    CAMPAIGN = "campaign", _("Campaign inquiry")
    MARKETER = "marketer", _("Entered by a marketer")
    IMPORT = "import", _("Import")
    SEARCH = "search", _("Website search that found nothing")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    PLANNED = "planned", _("Turned into an objective")
    CLOSED = "closed", _("Closed")


class Need(models.Model):
    """A need or want that customers express, counted each time it is heard again."""

    kind = models.CharField(_("kind"), max_length=16, choices=NeedKind.choices, default=NeedKind.NEED)
    category = models.CharField(_("category"), max_length=24, choices=NeedCategory.choices, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    product = models.ForeignKey(
        "orders.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs",
    )
    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), null=True, blank=True, on_delete=models.SET_NULL, related_name="needs"
    )
    source = models.CharField(_("first heard from"), max_length=16, choices=NeedSource.choices)
    status = models.CharField(_("status"), max_length=16, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    mention_count = models.PositiveIntegerField(_("times heard"), default=0)
    # A search on the shop's website that found nothing, normalised (``customers.services.needs_searched``): one
    # want per query, counted each time it is searched again. Empty for needs heard in feedback.
    query = models.CharField(_("searched for"), max_length=200, blank=True, default="")
    first_heard_at = models.DateTimeField(_("first heard"), default=timezone.now)
    last_heard_at = models.DateTimeField(_("last heard"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    objective = models.ForeignKey(
        "cycle.Objective",
        verbose_name=_("objective"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs",
    )

    class Meta:
        verbose_name = _("need or want")
        verbose_name_plural = _("needs and wants")
        ordering = ["-last_heard_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "category", "product"],
                condition=Q(product__isnull=False),
                name="need_unique_with_product",
            ),
            models.UniqueConstraint(
                fields=["kind", "category", "query"],
                condition=Q(product__isnull=True),
                name="need_unique_without_product",
            ),
        ]

    def __str__(self):
        return self.title


class NeedMention(models.Model):
    """One time a need was heard: which customer, from which feedback item. A feedback item that names two
    needs ("late and expensive") is a mention of each, never twice of the same one."""

    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="mentions")
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="need_mentions",
    )
    source = models.CharField(_("source"), max_length=16, choices=NeedSource.choices)
    source_id = models.PositiveBigIntegerField(_("source id"))
    excerpt = models.CharField(_("what they said"), max_length=500, blank=True)
    heard_at = models.DateTimeField(_("heard at"), default=timezone.now)

    class Meta:
        verbose_name = _("need mention")
        verbose_name_plural = _("need mentions")
        ordering = ["-heard_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id", "need"], name="need_mention_once_per_feedback_and_need"
            ),
        ]
        indexes = [models.Index(fields=["need", "heard_at"]), models.Index(fields=["heard_at"])]

    def __str__(self):
        return f"{self.need} ({self.get_source_display()} #{self.source_id})"
