"""Consent: what each customer agreed to be contacted by, per channel, and the history of every change."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models.customers import Customer


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone calls")
    POST = "post", _("Direct mail")
    PROFILING = "profiling", _("Use of data for personal offers")


class ConsentSource(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    # A capture form, given when the visitor followed the link of the confirmation e-mail (double opt-in).
    CAPTURE_FORM = "form", _("Capture form")
    PREFERENCE_CENTRE = "preference_centre", _("Preference centre")
    UNSUBSCRIBE_LINK = "unsubscribe", _("Unsubscribe link")
    CHECKOUT = "checkout", _("During purchase")
    AGENT = "agent", _("Agent")
    PHONE = "phone", _("Phone")
    IMPORT = "import", _("Import")
    ADMIN = "admin", _("Entered by staff")
    # The customer marked a message as spam in their mailbox; the provider told us (a feedback loop).
    COMPLAINT = "complaint", _("Spam complaint")
    # The customer answered an SMS with a stop word ("STOP", "لغو", "إلغاء").
    SMS_REPLY = "sms_reply", _("SMS reply")
    # The customer's data was erased (the right to be forgotten): every channel is withdrawn.
    ERASURE = "erasure", _("Erasure of the customer's data")


class Consent(models.Model):
    """The current consent of a customer for one channel; its history is in ConsentEvent."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="consents"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ConsentChannel.choices)
    granted = models.BooleanField(_("granted"), default=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [models.UniqueConstraint(fields=["customer", "channel"], name="consent_one_per_channel")]
        indexes = [models.Index(fields=["channel", "granted", "customer"]), models.Index(fields=["updated_at"])]

    def __str__(self):
        state = _("given") if self.granted else _("withdrawn")
        return f"{self.get_channel_display()}: {state}"


class ConsentEvent(models.Model):
    """Append-only history: every time consent was given or withdrawn, when and how."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="consent_events"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ConsentChannel.choices)
    granted = models.BooleanField(_("granted"))
    source = models.CharField(_("how"), max_length=24, choices=ConsentSource.choices)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent history")
        ordering = ["-occurred_at", "-id"]

    def __str__(self):
        action = _("given") if self.granted else _("withdrawn")
        return f"{self.get_channel_display()} {action}"
