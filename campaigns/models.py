"""Communication: campaigns, their creatives, one message per recipient and the AIDA touches they cause."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from email_validator import EmailNotValidError, validate_email

from campaigns.agents import AgentKind
from campaigns.templating import check_template
from customers.models import Customer, Language, Occasion, OccasionKind, Segment
from emarketing.contacts import validate_email_address
from emarketing.workflow import StatusChangeBase


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
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
    slug = models.SlugField(_("slug"), unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CreativeKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    BANNER = "banner", _("Banner")
    INFO_PAGE = "info_page", _("Information page")


def _refuse_script_url(value):
    if value and value.strip().lower().startswith(("javascript:", "data:", "vbscript:")):
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
    image = models.ImageField(_("image"), upload_to="banners/", blank=True)
    alt_text = models.CharField(_("alt text"), max_length=255, blank=True)
    target_url = models.URLField(_("target link"), blank=True, validators=[_refuse_script_url])
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.SET_NULL, related_name="creatives"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("creative")
        verbose_name_plural = _("creatives")
        ordering = ["campaign", "kind", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "language"],
                condition=Q(kind="email"),
                name="creative_one_email_per_language",
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
        if self.kind == CreativeKind.BANNER and self.image and not self.alt_text:
            raise ValidationError({"alt_text": _("A banner image needs alt text.")})
        if self.kind == CreativeKind.INFO_PAGE and not self.topic_id:
            raise ValidationError({"topic": _("An information page belongs to a topic.")})


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Being sent")
    DELIVERING = "delivering", _("Being handed to the mail server")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class DeliveryState(models.Model):
    """Where one outgoing message to a customer stands: the columns the sending pipeline works over.

    ``queued`` → ``sending`` (claimed, with a token and time) → ``delivering`` (being handed to the mail server,
    marked before the server can accept it) → ``sent``, or back to ``queued`` with a later ``next_attempt_at``
    when refused, or ``failed`` with the reason in ``error``.
    """

    status = models.CharField(_("status"), max_length=16, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claim = models.CharField(_("claimed by"), max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        abstract = True


class Message(DeliveryState):
    """One message of a campaign to one recipient: the database allows no second one."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="messages"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="messages"
    )
    creative = models.ForeignKey(
        Creative, verbose_name=_("creative"), null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="message_once_per_recipient"),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"]),
            models.Index(fields=["campaign", "status", "id"], name="message_claim_order"),
        ]

    def __str__(self):
        return f"{self.campaign} → {self.customer}"


class AidaStep(models.TextChoices):
    ATTENTION = "attention", _("Attention")
    INFORMATION = "information", _("Information")
    DESIRE = "desire", _("Desire")
    ACTION = "action", _("Action")
    SATISFACTION = "satisfaction", _("Satisfaction and repeat purchase")


AIDA_ORDER = [AidaStep.ATTENTION, AidaStep.INFORMATION, AidaStep.DESIRE, AidaStep.ACTION, AidaStep.SATISFACTION]


class TouchKind(models.TextChoices):
    EMAIL_OPEN = "email_open", _("E-mail opened")
    BANNER_IMPRESSION = "banner_impression", _("Banner seen")
    CLICK = "click", _("Link clicked")
    PAGE_VIEW = "page_view", _("Information page viewed")
    COMMENT = "comment", _("Comment on a product")
    OFFER_CLAIM = "offer_claim", _("Offer claimed")
    NOTIFY_ME = "notify_me", _("Asked to be notified")
    INQUIRY = "inquiry", _("Inquiry sent")
    ORDER = "order", _("Order placed")
    SATISFIED = "satisfied", _("Satisfied feedback")
    REPEAT_PURCHASE = "repeat_purchase", _("Repeat purchase")
    OFFLINE = "offline", _("Offline contact")


TOUCH_KIND_STEP = {
    TouchKind.EMAIL_OPEN: AidaStep.ATTENTION,
    TouchKind.BANNER_IMPRESSION: AidaStep.ATTENTION,
    TouchKind.CLICK: AidaStep.INFORMATION,
    TouchKind.PAGE_VIEW: AidaStep.INFORMATION,
    TouchKind.COMMENT: AidaStep.INFORMATION,
    TouchKind.OFFER_CLAIM: AidaStep.DESIRE,
    TouchKind.NOTIFY_ME: AidaStep.DESIRE,
    TouchKind.INQUIRY: AidaStep.DESIRE,
    TouchKind.ORDER: AidaStep.ACTION,
    TouchKind.SATISFIED: AidaStep.SATISFACTION,
    TouchKind.REPEAT_PURCHASE: AidaStep.SATISFACTION,
    # A phone call, a letter or a visit opens the conversation, as a banner or an opened e-mail does online.
    TouchKind.OFFLINE: AidaStep.ATTENTION,
}


class TouchSource(models.TextChoices):
    EMAIL = "email", _("E-mail")
    BANNER = "banner", _("Banner")
    WEBSITE = "web", _("Website")
    PHONE = "phone", _("Phone")
    DIRECT_MAIL = "direct_mail", _("Direct mail")
    FACE_TO_FACE = "face_to_face", _("Face to face")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("Recorded by the product")


class Touch(models.Model):
    """An AIDA event: who, which campaign and creative, at which step, when and from what source.

    ``agent`` says who made it (``campaigns.agents``): a person, a mail proxy or a bot; ``is_automated`` is true
    for every agent but a person, and only a person's touches are counted (see :func:`proxy_open`).
    """

    id = models.BigAutoField(primary_key=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="touches"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), null=True, blank=True, on_delete=models.SET_NULL, related_name="touches"
    )
    creative = models.ForeignKey(
        Creative, verbose_name=_("creative"), null=True, blank=True, on_delete=models.SET_NULL, related_name="touches"
    )
    step = models.CharField(_("AIDA step"), max_length=16, choices=AidaStep.choices)
    kind = models.CharField(_("event"), max_length=24, choices=TouchKind.choices)
    source = models.CharField(_("source"), max_length=16, choices=TouchSource.choices)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    is_automated = models.BooleanField(
        _("automated"), default=False, help_text=_("From a mail-privacy proxy or a security scanner: not counted.")
    )
    agent = models.CharField(
        _("agent"),
        max_length=8,
        choices=AgentKind.choices,
        default=AgentKind.PERSON,
        db_default=AgentKind.PERSON,
        help_text=_(
            "Who opened or clicked: a person, a mail proxy (shown apart, not counted) or a bot (never counted)."
        ),
    )
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    referrer = models.CharField(_("referrer"), max_length=500, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("touch")
        verbose_name_plural = _("touches (AIDA events)")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["campaign", "step", "occurred_at"]),
            models.Index(fields=["customer", "occurred_at"]),
            models.Index(fields=["occurred_at"]),
        ]

    def __str__(self):
        return f"{self.get_step_display()}: {self.get_kind_display()}"


def person_looked(*, after_id: int | None = None, up_to_id: int | None = None) -> Exists:
    """A person's attention touch (an open, a banner seen) of the outer touch's customer and campaign; among the
    touches past ``after_id`` and up to ``up_to_id`` when given (the dashboards' rollups read touches by id)."""
    looked = Touch.objects.filter(
        customer_id=OuterRef("customer_id"),
        campaign_id=OuterRef("campaign_id"),
        step=AidaStep.ATTENTION,
        is_automated=False,
    )
    if after_id is not None:
        looked = looked.filter(id__gt=after_id)
    if up_to_id is not None:
        looked = looked.filter(id__lte=up_to_id)
    return Exists(looked.order_by())


# An e-mail a mail proxy fetched (Apple's Mail Privacy Protection, Gmail's image proxy): delivered and fetched.
PROXY_FETCH = Q(agent=AgentKind.PROXY, step=AidaStep.ATTENTION, customer__isnull=False, campaign__isnull=False)


def proxy_open() -> Q:
    """Opened by a mail proxy: the provider fetched the message, and no person is known to have looked (no
    person's attention touch of that campaign). Shown beside attention, never counted in it."""
    return PROXY_FETCH & Q(~person_looked())


class Link(models.Model):
    """A link a campaign sends: clicks redirect only to these, never to an address the request names."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="links")
    url = models.URLField(_("address"), max_length=2000, validators=[_refuse_script_url])
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("tracked link")
        verbose_name_plural = _("tracked links")
        ordering = ["campaign", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "url"], name="link_once_per_campaign")]

    def __str__(self):
        return self.url


class TopicInterest(models.Model):
    """A topic a customer chose in the preference centre: the information they want to receive."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="topic_interests"
    )
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="interests")
    created_at = models.DateTimeField(_("chosen at"), default=timezone.now)

    class Meta:
        verbose_name = _("topic interest")
        verbose_name_plural = _("topic interests")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["customer", "topic"], name="topic_interest_once")]

    def __str__(self):
        return f"{self.customer} → {self.topic}"


class OccasionOffer(DeliveryState):
    """The offer of one occasion in one year: the database allows no second one."""

    occasion = models.ForeignKey(Occasion, verbose_name=_("occasion"), on_delete=models.CASCADE, related_name="offers")
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="occasion_offers"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="occasion_offers"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("occasion offer")
        verbose_name_plural = _("occasion offers")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["occasion", "year"], name="occasion_offer_once_a_year")]
        indexes = [models.Index(fields=["status", "id"])]

    def __str__(self):
        return f"{self.occasion} {self.year} → {self.customer}"


# --- Sending domains, DKIM keys and sender identities -------------------------------------------------------------


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
