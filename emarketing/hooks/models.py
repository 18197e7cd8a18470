"""Outgoing webhooks: who is told what (subscriptions), and every event owed to each of them (the outbox)."""

import secrets

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Response bodies are kept this long (characters) in the delivery log: enough to read an error, never a page.
RESPONSE_BODY_CHARS = 2000


def new_secret() -> str:
    """The key both sides sign with: 32 random bytes, URL-safe."""
    return "whsec_" + secrets.token_urlsafe(32)


class Subscription(models.Model):
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500, help_text=_("Where each event is posted, as JSON."))
    events = models.JSONField(_("events"), default=list, help_text=_("The events this address is told of."))
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        default=new_secret,
        help_text=_("Signs every delivery (HMAC-SHA256); give it to the receiver so it can check the signature."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
        help_text=_("Told by e-mail when the subscription is turned off after repeated failures."),
    )
    active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("turned off at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why it was turned off"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    FAILED = "failed", _("Failed, will retry")
    DELIVERED = "delivered", _("Delivered")
    DEAD = "dead", _("Given up")


# A delivery still owed to its receiver: the next one of the same object waits until it is delivered or given up.
OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


class Delivery(models.Model):
    """One event owed to one subscription; ``sequence`` orders the events of one object (``key``) for it."""

    subscription = models.ForeignKey(
        Subscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=64)
    key = models.CharField(_("object"), max_length=100)
    sequence = models.PositiveBigIntegerField(_("sequence"))
    payload = models.JSONField(_("payload"), default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True, editable=False)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    response_ms = models.PositiveIntegerField(_("response time (ms)"), null=True, blank=True)
    response_body = models.TextField(_("response body"), blank=True)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    replay_of = models.ForeignKey(
        "self", verbose_name=_("replay of"), on_delete=models.SET_NULL, null=True, blank=True, related_name="replays"
    )
    created_at = models.DateTimeField(_("occurred at"), default=timezone.now, editable=False)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-pk"]
        permissions = [("replay_delivery", _("Can send a webhook delivery again"))]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "key", "sequence"], name="hooks_delivery_one_per_place"),
        ]
        indexes = [
            # The sender's look-up: open deliveries whose time has come (a small part of a growing table).
            models.Index(
                fields=["next_attempt_at"],
                name="hooks_delivery_due",
                condition=Q(status__in=["pending", "failed"]),
            ),
            models.Index(fields=["status", "-created_at"], name="hooks_delivery_status"),
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk}"
