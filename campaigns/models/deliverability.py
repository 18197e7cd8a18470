"""Deliverability: sending domains, DKIM keys and sender identities, and the delivery reports mail servers send."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from email_validator import EmailNotValidError, validate_email

from campaigns.models.campaigns import Campaign
from emarketing.contacts import validate_email_address
from emarketing.workflow import StatusChangeBase


def ascii_domain(text: str) -> str:
    """A domain name as DNS and the DKIM ``d=`` tag carry it: lower case, IDNA 2008 (``xn--…``) for a non-ASCII
    label, no trailing dot, checked as an address's domain is. Raises ``ValidationError`` otherwise."""
    name = text.strip().rstrip(".").lower()
    try:
        info = validate_email(f"postmaster@{name}", check_deliverability=False, globally_deliverable=True)
    except EmailNotValidError as error:
        raise ValidationError(_("“%(domain)s” is not a domain name."), params={"domain": text}) from error
    return str(info.ascii_domain).lower()


def validate_ascii_domain(value: str) -> None:
    if value != ascii_domain(value):
        raise ValidationError(_("Store the domain as %(domain)s."), params={"domain": ascii_domain(value)})


class SendingDomain(models.Model):
    """A domain the company sends from: its DKIM keys and the DNS records it must publish."""

    domain = models.CharField(_("domain"), max_length=253, unique=True, validators=[validate_ascii_domain])
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("sending domain")
        verbose_name_plural = _("sending domains")
        ordering = ["domain"]

    def __str__(self):
        return self.domain


class DkimKeyStatus(models.TextChoices):
    PENDING = "pending", _("Pending (publish its DNS record)")
    ACTIVE = "active", _("Active (signs mail)")
    RETIRING = "retiring", _("Retiring (still published)")
    RETIRED = "retired", _("Retired")


# Statuses whose public key is published in DNS: pending (before it signs), active, retiring (mail in flight).
DKIM_PUBLISHED_STATUSES = (DkimKeyStatus.PENDING, DkimKeyStatus.ACTIVE, DkimKeyStatus.RETIRING)


class DkimKey(models.Model):
    """One DKIM key pair of a sending domain; the private key is stored encrypted and wiped once retired."""

    TRANSITIONS = {
        DkimKeyStatus.PENDING: {DkimKeyStatus.ACTIVE, DkimKeyStatus.RETIRED},
        DkimKeyStatus.ACTIVE: {DkimKeyStatus.RETIRING},
        DkimKeyStatus.RETIRING: {DkimKeyStatus.RETIRED},
        DkimKeyStatus.RETIRED: set(),
    }

    domain = models.ForeignKey(
        SendingDomain, verbose_name=_("domain"), on_delete=models.CASCADE, related_name="dkim_keys"
    )
    selector = models.CharField(_("selector"), max_length=63)
    status = models.CharField(
        _("status"), max_length=16, choices=DkimKeyStatus.choices, default=DkimKeyStatus.PENDING, editable=False
    )
    public_key = models.TextField(_("public key"), help_text=_("Base64 DER, as published in the p= tag."))
    private_key_encrypted = models.TextField(_("private key (encrypted)"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    retire_after = models.DateTimeField(_("retire after"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("DKIM key")
        verbose_name_plural = _("DKIM keys")
        ordering = ["domain", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "selector"], name="dkim_key_selector_once_per_domain"),
            models.UniqueConstraint(
                fields=["domain"],
                condition=Q(status="active"),
                name="dkim_key_one_active_per_domain",
                violation_error_message=_("A domain signs with one active key at a time."),
            ),
        ]

    def __str__(self):
        return f"{self.selector}._domainkey.{self.domain}"


class DkimKeyStatusChange(StatusChangeBase):
    subject = models.ForeignKey(DkimKey, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(StatusChangeBase.Meta):
        verbose_name = _("DKIM key status change")
        verbose_name_plural = _("DKIM key status changes")


class Sender(models.Model):
    """A brand's sending identity: the From address and the name customers see, in each language."""

    name = models.CharField(_("name"), max_length=120, help_text=_("Internal; shown when no display name is set."))
    from_email = models.CharField(_("from address"), max_length=254, validators=[validate_email_address])
    display_name_en = models.CharField(_("display name (English)"), max_length=120, blank=True)
    display_name_fa = models.CharField(_("display name (Persian)"), max_length=120, blank=True)
    display_name_ar = models.CharField(_("display name (Arabic)"), max_length=120, blank=True)
    reply_to = models.CharField(_("reply-to"), max_length=254, blank=True, validators=[validate_email_address])
    is_default = models.BooleanField(
        _("default"), default=False, help_text=_("Used by campaigns and messages that name no sender.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("sender")
        verbose_name_plural = _("senders")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="sender_one_default",
                violation_error_message=_("Another sender is the default: untick it there first."),
            ),
        ]

    def __str__(self):
        return f"{self.name} <{self.from_email}>"

    def display_name(self, language: str) -> str:
        """The name shown in that language: else the English one, else the internal name."""
        return getattr(self, f"display_name_{language}", "") or self.display_name_en or self.name


class DeliveryEvent(models.TextChoices):
    HARD_BOUNCE = "hard_bounce", _("Hard bounce")
    SOFT_BOUNCE = "soft_bounce", _("Soft bounce")
    COMPLAINT = "complaint", _("Spam complaint")
    DELIVERED = "delivered", _("Delivered")


BOUNCE_EVENTS = (DeliveryEvent.HARD_BOUNCE, DeliveryEvent.SOFT_BOUNCE)


class ReportSource(models.TextChoices):
    SMTP = "smtp", _("Refused by the mail server while sending")
    DSN = "dsn", _("Delivery status notification (RFC 3464)")
    ARF = "arf", _("Complaint report (ARF, RFC 5965)")
    BOUNCE = "bounce", _("Bounce message (plain text)")
    AMAZON_SES = "amazon_ses", _("Amazon SES")
    MAILGUN = "mailgun", _("Mailgun")
    POSTMARK = "postmark", _("Postmark")
    SENDGRID = "sendgrid", _("SendGrid")
    # SMS delivery reports, by the provider that sent them (campaigns.services.sms).
    SMS_KAVENEGAR = "sms_kavenegar", _("SMS: Kavenegar")
    SMS_TWILIO = "sms_twilio", _("SMS: Twilio")
    SMS_HTTP = "sms_http", _("SMS: HTTP gateway")


class DeliveryReport(models.Model):
    """What a mail server or provider told us about one message to one address: a bounce, a complaint, a
    delivery. The same report told twice (a DSN posted again, a provider's retry) has the same ``reference`` and
    is kept once."""

    id = models.BigAutoField(primary_key=True)
    event = models.CharField(_("event"), max_length=16, choices=DeliveryEvent.choices)
    address = models.CharField(_("address"), max_length=254, blank=True)
    address_hash = models.CharField(_("address hash"), max_length=64, editable=False)
    kind_code = models.CharField(_("kind of message"), max_length=1, blank=True)
    row_id = models.BigIntegerField(_("message row"), null=True, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="delivery_reports",
    )
    source = models.CharField(_("reported by"), max_length=16, choices=ReportSource.choices)
    status = models.CharField(_("status code"), max_length=16, blank=True)
    detail = models.CharField(_("diagnostic"), max_length=500, blank=True)
    reference = models.CharField(_("reference"), max_length=255, blank=True)
    suppressed = models.BooleanField(_("put the address on the suppression list"), default=False)
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery report")
        verbose_name_plural = _("delivery reports")
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="delivery_report_once_per_reference"
            ),
        ]
        indexes = [
            # An address's run of soft bounces (read on every soft bounce and delivery).
            models.Index(fields=["address_hash", "id"], name="delivery_report_address"),
            # A campaign's rates and its bounce guard.
            models.Index(fields=["campaign", "event", "row_id"], name="delivery_report_campaign"),
            models.Index(fields=["reported_at"], name="delivery_report_reported_at"),
        ]

    def __str__(self):
        return f"{self.get_event_display()}: {self.address or self.address_hash[:12]}"
