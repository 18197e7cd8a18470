"""Campaigns and what they send: the channel and status machine of a campaign, topics and creatives."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.templating import check_template, is_http_address
from customers.models import Language, OccasionKind, Segment
from emarketing.localized import in_language
from emarketing.media import public_media_storage
from emarketing.workflow import StatusChangeBase


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    BANNER = "banner", _("Banner")
    INFO_PAGE = "info_page", _("Information pages")
    PHONE = "phone", _("Phone calls (offline)")
    DIRECT_MAIL = "direct_mail", _("Direct mail (offline)")
    FACE_TO_FACE = "face_to_face", _("Face-to-face visits (offline)")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    PAUSED = "paused", _("Paused")
    CANCELLED = "cancelled", _("Cancelled")


class Campaign(models.Model):
    TRANSITIONS = {
        CampaignStatus.DRAFT: {CampaignStatus.SCHEDULED, CampaignStatus.SENDING, CampaignStatus.CANCELLED},
        CampaignStatus.SCHEDULED: {
            CampaignStatus.DRAFT,
            CampaignStatus.SENDING,
            CampaignStatus.PAUSED,
            CampaignStatus.CANCELLED,
        },
        CampaignStatus.SENDING: {CampaignStatus.SENT, CampaignStatus.PAUSED, CampaignStatus.CANCELLED},
        CampaignStatus.PAUSED: {CampaignStatus.SCHEDULED, CampaignStatus.SENDING, CampaignStatus.CANCELLED},
        CampaignStatus.SENT: set(),
        CampaignStatus.CANCELLED: set(),
    }

    name = models.CharField(_("name"), max_length=200)
    objective = models.ForeignKey(
        "cycle.Objective",
        verbose_name=_("plan objective"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
    )
    segments = models.ManyToManyField(Segment, verbose_name=_("target segments"), related_name="campaigns", blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(
        _("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT, editable=False
    )
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    local_send_time = models.TimeField(
        _("send at (local time)"),
        null=True,
        blank=True,
        help_text=_("Each customer receives it at this time in their own time zone; empty: as soon as it starts."),
    )
    send_time_per_customer = models.BooleanField(
        _("send when each customer usually reads"),
        default=False,
        help_text=_(
            "At the local hour each customer most often opened or clicked before; customers with too few opens "
            "and clicks get the time above."
        ),
    )
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    started_at = models.DateTimeField(_("started sending"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished sending"), null=True, blank=True, editable=False)
    audience_built_at = models.DateTimeField(_("recipients listed at"), null=True, blank=True, editable=False)
    budget = models.DecimalField(
        _("budget"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    cost = models.DecimalField(
        _("cost so far"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    products = models.ManyToManyField(
        "orders.Product",
        verbose_name=_("recommended products"),
        blank=True,
        related_name="featured_in_campaigns",
        help_text=_("Offered in the e-mails as the customer's recommended products."),
    )
    occasion_kind = models.CharField(
        _("occasion offer for"),
        max_length=24,
        choices=OccasionKind.choices,
        blank=True,
        help_text=_("Sent every year to each consenting customer on this occasion, on their local day."),
    )
    # PROTECT: who a campaign comes from is part of what it promises; deleting an identity in use must not
    # silently switch a scheduled or sending campaign to another brand (move the campaigns first).
    sender = models.ForeignKey(
        "Sender",
        verbose_name=_("sender"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text=_("Who the e-mails come from; empty: the default sender."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0), name="campaign_budget_not_negative"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="campaign_cost_not_negative"),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(scheduled_at__isnull=True) | Q(ends_at__gte=F("scheduled_at")),
                name="campaign_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("admin:campaigns_campaign_change", args=[self.pk])

    def clean(self):
        if self.ends_at and self.scheduled_at and self.ends_at < self.scheduled_at:
            raise ValidationError({"ends_at": _("A campaign cannot end before it starts.")})

    @property
    def is_offline(self):
        return self.channel in {Channel.PHONE, Channel.DIRECT_MAIL, Channel.FACE_TO_FACE}


class CampaignStatusChange(StatusChangeBase):
    subject = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(StatusChangeBase.Meta):
        verbose_name = _("campaign status change")
        verbose_name_plural = _("campaign status changes")


class Topic(models.Model):
    """A subject customers can choose information about (the 'information' step of AIDA)."""

    name = models.CharField(_("name"), max_length=120)
    name_fa = models.CharField(_("name (Persian)"), max_length=120, blank=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=120, blank=True)
    slug = models.SlugField(_("slug"), unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    description_fa = models.TextField(_("description (Persian)"), blank=True)
    description_ar = models.TextField(_("description (Arabic)"), blank=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def name_in(self, language: str) -> str:
        """The name customers read in ``language``: its own when written, else the default ``name``."""
        return in_language(self, "name", language)

    def description_in(self, language: str) -> str:
        return in_language(self, "description", language)

    @property
    def local_name(self) -> str:
        """The name in the active language (the page's, or the customer's under ``translation.override``)."""
        return in_language(self, "name")

    @property
    def local_description(self) -> str:
        return in_language(self, "description")


class CreativeKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS text")
    BANNER = "banner", _("Banner")
    INFO_PAGE = "info_page", _("Information page")


def _refuse_script_url(value):
    if value and not is_http_address(value):
        raise ValidationError(_("Links must be http or https."))


class Creative(models.Model):
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="creatives"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CreativeKind.choices, default=CreativeKind.EMAIL)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH)
    name = models.CharField(_("name"), max_length=200)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    preheader = models.CharField(
        _("preheader"),
        max_length=255,
        blank=True,
        help_text=_("The line a mailbox shows after the subject in its list of messages; hidden in the message."),
    )
    html_body = models.TextField(_("HTML body"), blank=True)
    text_body = models.TextField(_("plain-text body"), blank=True)
    # In the public storage: e-mails and other sites show it (emarketing/media.py).
    image = models.ImageField(_("image"), upload_to="banners/", blank=True, storage=public_media_storage)
    alt_text = models.CharField(_("alt text"), max_length=255, blank=True)
    target_url = models.URLField(_("target link"), blank=True, validators=[_refuse_script_url])
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.SET_NULL, related_name="creatives"
    )
    for_variant = models.BooleanField(
        _("only for a test variant"),
        default=False,
        help_text=_(
            "Sent only to the customers of the A/B test variant that names it, not to the campaign's audience."
        ),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("creative")
        verbose_name_plural = _("creatives")
        ordering = ["campaign", "kind", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "language"],
                condition=Q(kind="email", for_variant=False),
                name="creative_one_email_per_language",
            ),
            models.UniqueConstraint(
                fields=["campaign", "language"], condition=Q(kind="sms"), name="creative_one_sms_per_language"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_language_display()})"

    def clean(self):
        errors = {}
        for field, html in (("subject", False), ("preheader", False), ("html_body", True), ("text_body", False)):
            problems = check_template(getattr(self, field), html=html)
            if problems:
                errors[field] = problems
        if errors:
            raise ValidationError(errors)
        if self.kind == CreativeKind.EMAIL and not self.subject:
            raise ValidationError({"subject": _("An e-mail needs a subject.")})
        if self.kind == CreativeKind.SMS and not self.text_body.strip():
            raise ValidationError({"text_body": _("An SMS needs its text (in the plain-text body).")})
        if self.kind == CreativeKind.BANNER and self.image and not self.alt_text:
            raise ValidationError({"alt_text": _("A banner image needs alt text.")})
        if self.kind == CreativeKind.INFO_PAGE and not self.topic_id:
            raise ValidationError({"topic": _("An information page belongs to a topic.")})
