"""The SMS channel's tables: the sender numbers per country, and one row per SMS sent to a customer."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models.campaigns import Campaign, Creative
from campaigns.models.delivery import DeliveryState, OccasionOffer
from customers.models import Customer


class SmsProviderName(models.TextChoices):
    CONSOLE = "console", _("Console (development: recorded, never sent)")
    KAVENEGAR = "kavenegar", _("Kavenegar")
    TWILIO = "twilio", _("Twilio")
    HTTP = "http", _("Generic HTTP gateway")


class SmsSender(models.Model):
    """The number (or alphanumeric ID) SMS to one country come from through one provider, and its price."""

    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        help_text=_("ISO 3166 code of the recipients' phone numbers, e.g. IR; empty: every other country."),
    )
    provider = models.CharField(_("provider"), max_length=16, choices=SmsProviderName.choices)
    sender = models.CharField(
        _("sender number or ID"),
        max_length=20,
        help_text=_("As the provider expects it, e.g. 10004346 or +15005550006."),
    )
    price_per_part = models.DecimalField(
        _("price per part"),
        max_digits=10,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text=_("What the provider charges for one part of a message to this country."),
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("SMS sender")
        verbose_name_plural = _("SMS senders")
        ordering = ["provider", "country"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "country"],
                name="sms_sender_once_per_country",
                violation_error_message=_("This provider already has a sender for this country."),
            ),
            models.CheckConstraint(condition=Q(price_per_part__gte=0), name="sms_sender_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.sender} ({self.country or '*'}, {self.get_provider_display()})"


class SmsOrigin(models.TextChoices):
    CAMPAIGN = "campaign", _("Campaign")
    OCCASION = "occasion", _("Occasion offer")
    SINGLE = "single", _("Single message (journey, service)")
    # Asked for by the customer a moment ago (a sign-in code): not marketing, so neither SMS consent nor the quiet
    # hours hold it back; the suppression list and a valid number still do.
    REQUESTED = "requested", _("Asked for by the customer (sign-in code)")


class SmsReport(models.TextChoices):
    NONE = "", _("No report yet")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed at the carrier")
    UNDELIVERABLE = "undeliverable", _("Undeliverable (number unknown or blocked)")


class SmsMessage(DeliveryState):
    """One SMS to one customer, kept once by its ``key``: ``campaign:<campaign>:<customer>`` for a campaign,
    ``offer:<occasion offer>`` for an occasion offer, the caller's own for a single message (a journey's step).

    Sent through the same claim → delivering → record discipline as e-mail (``campaigns.services.sms``); the
    provider's id is kept so that its delivery report finds the row (``report``).
    """

    id = models.BigAutoField(primary_key=True)
    key = models.CharField(_("key"), max_length=200, unique=True, editable=False)
    origin = models.CharField(_("origin"), max_length=16, choices=SmsOrigin.choices, default=SmsOrigin.SINGLE)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="sms_messages"
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sms_messages",
    )
    creative = models.ForeignKey(
        Creative, verbose_name=_("creative"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occasion_offer = models.OneToOneField(
        OccasionOffer,
        verbose_name=_("occasion offer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sms",
    )
    language = models.CharField(_("language"), max_length=2, blank=True)
    text = models.TextField(
        _("text"), blank=True, help_text=_("For a campaign, written when the message is sent (the creative rendered).")
    )
    to = models.CharField(_("to"), max_length=32, blank=True)
    sender = models.CharField(_("from"), max_length=20, blank=True)
    provider = models.CharField(_("provider"), max_length=16, choices=SmsProviderName.choices, blank=True)
    provider_id = models.CharField(_("provider's id"), max_length=64, blank=True)
    encoding = models.CharField(_("encoding"), max_length=8, blank=True)
    parts = models.PositiveSmallIntegerField(_("parts"), default=0)
    report = models.CharField(_("delivery report"), max_length=16, choices=SmsReport.choices, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "customer"],
                condition=Q(origin="campaign"),
                name="sms_message_once_per_recipient",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "id"], name="sms_message_claim_order"),
            models.Index(fields=["origin", "status", "id"], name="sms_message_origin_claim"),
            models.Index(fields=["provider", "provider_id"], name="sms_message_provider_id"),
            models.Index(fields=["customer", "created_at"], name="sms_message_customer_time"),
        ]

    def __str__(self):
        return f"{self.key} → {self.customer}"
