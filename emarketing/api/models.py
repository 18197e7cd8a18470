"""API keys (one per integration, stored hashed) and the idempotency keys of the writes made with them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """A key an integration calls the API with. Only its prefix and the SHA-256 of the whole token are stored: the
    token itself is shown once, when the key is created."""

    name = models.CharField(_("name"), max_length=100, help_text=_("The integration that uses it, e.g. “Shop”."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who answers for this integration; writes made with the key are recorded in their name."),
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    hashed = models.CharField(_("hash"), max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    # An agent's key sees only the agent's own orders, as the agent does in the admin (a string reference: this
    # app imports no stage).
    agent = models.ForeignKey(
        "orders.Agent",
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_keys",
        help_text=_("For an agent's own integration: the key then sees only that agent's orders."),
    )
    rate_limit = models.PositiveIntegerField(
        _("requests a minute"), default=600, help_text=_("Shared by every process serving the API; 0: no limit.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return self.revoked_at is None and scope in (self.scopes or [])


class IdempotencyKey(models.Model):
    """A write made with an ``Idempotency-Key`` header: the same key with the same body is answered with the stored
    response, without doing the write again; the same key with another body is refused."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="idempotency_keys")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["api_key", "key"], name="idempotency_key_once_per_api_key")]

    def __str__(self) -> str:
        return self.key
