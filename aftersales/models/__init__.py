"""After-sales: the contact line, satisfaction surveys and reviews — what customers tell us."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import DeliveryState
from customers.models import Customer
from emarketing.contacts import validate_email_address
from emarketing.workflow import StatusChangeBase
from orders.models import Order, Product, Shipment


class TicketChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEB = "web", _("Web form")
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Chat")


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting for the customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# A ticket still waiting on someone (the team or the customer): not yet resolved or closed.
OPEN_TICKET_STATUSES = frozenset({TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING})


class TicketPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Ticket(models.Model):
    TRANSITIONS = {
        TicketStatus.NEW: {TicketStatus.OPEN, TicketStatus.WAITING, TicketStatus.RESOLVED, TicketStatus.CLOSED},
        TicketStatus.OPEN: {TicketStatus.WAITING, TicketStatus.RESOLVED, TicketStatus.CLOSED},
        TicketStatus.WAITING: {TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED},
        TicketStatus.RESOLVED: {TicketStatus.OPEN, TicketStatus.CLOSED},
        TicketStatus.CLOSED: {TicketStatus.OPEN},
    }

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    contact_email = models.CharField(
        _("contact e-mail"), max_length=254, blank=True, validators=[validate_email_address]
    )
    channel = models.CharField(_("channel"), max_length=8, choices=TicketChannel.choices, default=TicketChannel.WEB)
    subject = models.CharField(_("subject"), max_length=255)
    # The language the writer wrote in (the contact form's page): their acknowledgement goes out in it when they
    # are not a known customer yet. Empty: the customer's own language, else the site's.
    language = models.CharField(_("language"), max_length=8, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=TicketStatus.choices, default=TicketStatus.NEW, editable=False
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=TicketPriority.choices, default=TicketPriority.NORMAL
    )
    order = models.ForeignKey(
        Order, verbose_name=_("order"), null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    created_at = models.DateTimeField(_("opened at"), default=timezone.now, db_index=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledgement sent at"), null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    looped_at = models.DateTimeField(_("fed back into preparation at"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at"]
        constraints = [
            # A chat is answered in the chat itself: an anonymous visitor's needs neither (docs/chat.md).
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | ~Q(contact_email="") | Q(channel=TicketChannel.CHAT),
                name="ticket_has_someone_to_answer",
            ),
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True) | Q(first_response_at__gte=models.F("created_at")),
                name="ticket_response_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=models.F("created_at")),
                name="ticket_resolution_after_opening",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "priority"]),
            models.Index(fields=["looped_at"], name="ticket_to_loop", condition=Q(looped_at__isnull=True)),
        ]

    def __str__(self):
        return f"#{self.pk} {self.subject}"

    def get_absolute_url(self):
        return reverse("admin:aftersales_ticket_change", args=[self.pk])

    def clean(self):
        if not self.customer_id and not self.contact_email and self.channel != TicketChannel.CHAT:
            raise ValidationError(_("A ticket needs a customer or an e-mail address to answer."))
        if self.first_response_at and self.created_at and self.first_response_at < self.created_at:
            raise ValidationError({"first_response_at": _("A response cannot come before the ticket was opened.")})
        if self.resolved_at and self.created_at and self.resolved_at < self.created_at:
            raise ValidationError({"resolved_at": _("A ticket cannot be resolved before it was opened.")})


class TicketStatusChange(StatusChangeBase):
    subject = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(StatusChangeBase.Meta):
        verbose_name = _("ticket status change")
        verbose_name_plural = _("ticket status changes")


class MessageAuthor(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    STAFF = "staff", _("Staff")
    SYSTEM = "system", _("Automatic")


class TicketMessage(models.Model):
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(
        _("from"), max_length=16, choices=MessageAuthor.choices, default=MessageAuthor.CUSTOMER
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff member"), null=True, blank=True, on_delete=models.SET_NULL
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_author_kind_display()}: {self.body[:60]}"


# The bands of the two survey scores, judged here and nowhere else.
# Net promoter score (0–10): detractors answer 0–6, passives 7–8, promoters 9–10.
NPS_DETRACTOR_MAX = 6
NPS_PROMOTER_MIN = 9
# Satisfaction (1–5): 2 or less is an unhappy customer (at risk); 4 or more a happy one (may refer others).
CSAT_UNHAPPY_MAX = 2
CSAT_HAPPY_MIN = 4


class NpsGroup(models.TextChoices):
    PROMOTER = "promoter", _("Promoter")
    PASSIVE = "passive", _("Passive")
    DETRACTOR = "detractor", _("Detractor")


def nps_group_of(score: int | None) -> str:
    """The band of one NPS answer; an empty string when the question was not answered."""
    if score is None:
        return ""
    if score >= NPS_PROMOTER_MIN:
        return NpsGroup.PROMOTER
    if score <= NPS_DETRACTOR_MAX:
        return NpsGroup.DETRACTOR
    return NpsGroup.PASSIVE


def promoter_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}nps__gte": NPS_PROMOTER_MIN})


def detractor_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}nps__lte": NPS_DETRACTOR_MAX})


def unhappy_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}csat__lte": CSAT_UNHAPPY_MAX})


class SurveyResponse(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="survey_responses"
    )
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
    )
    csat = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    nps = models.PositiveSmallIntegerField(
        _("likelihood to recommend (0–10)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    comment = models.TextField(_("comment"), blank=True)
    product_opinion = models.TextField(_("opinion of the product"), blank=True)
    created_at = models.DateTimeField(_("answered at"), default=timezone.now, db_index=True)
    looped_at = models.DateTimeField(_("fed back into preparation at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(csat__gte=1, csat__lte=5), name="survey_csat_1_5"),
            models.CheckConstraint(condition=Q(nps__isnull=True) | Q(nps__gte=0, nps__lte=10), name="survey_nps_0_10"),
            models.UniqueConstraint(fields=["order"], condition=Q(order__isnull=False), name="survey_once_per_order"),
        ]
        indexes = [
            models.Index(fields=["customer", "created_at"]),
            models.Index(fields=["looped_at"], name="survey_to_loop", condition=Q(looped_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.customer} — CSAT {self.csat}"

    @property
    def nps_group(self):
        return nps_group_of(self.nps)


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")


class Review(models.Model):
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="reviews")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="reviews")
    # The delivered order the review was written from (its signed review link); empty for one entered by staff.
    order = models.ForeignKey(
        Order, verbose_name=_("order"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField(
        _("rating (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("review"), blank=True)
    consent_to_publish = models.BooleanField(_("customer agrees to publication"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    created_at = models.DateTimeField(_("written at"), default=timezone.now, db_index=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    looped_at = models.DateTimeField(_("fed back into preparation at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_5"),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(consent_to_publish=True), name="review_published_with_consent"
            ),
            models.UniqueConstraint(
                fields=["order", "product"], condition=Q(order__isnull=False), name="review_once_per_order_product"
            ),
        ]
        indexes = [models.Index(fields=["looped_at"], name="review_to_loop", condition=Q(looped_at__isnull=True))]

    def __str__(self):
        return self.title or f"{self.product} — {self.rating}/5"

    def clean(self):
        if self.status == ReviewStatus.PUBLISHED and not self.consent_to_publish:
            raise ValidationError({"status": _("A review is published only with the customer's consent.")})


class SurveyInvitation(DeliveryState):
    """The survey link sent after a delivery: one per order, answered once."""

    order = models.OneToOneField(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="survey_invitation"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="survey_invitations"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)
    response = models.OneToOneField(
        SurveyResponse,
        verbose_name=_("answer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitation",
        editable=False,
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["sent_at"], name="survey_invitation_unsent", condition=Q(sent_at__isnull=True))]

    def __str__(self):
        return str(self.order)


# The survey's questions as the product words them (translated): what a customer reads where marketers wrote none.
SURVEY_QUESTIONS = {
    "csat_question": _("How satisfied are you with your order?"),
    "nps_question": _("How likely are you to recommend us to a friend?"),
    "comment_prompt": _("What should we keep or change?"),
}


class SurveyWording(models.Model):
    """The satisfaction survey's questions as marketers word them, in English, Persian and Arabic: one row.

    A blank wording is the product's own question in the reader's language, never another language's wording."""

    single = models.BooleanField(default=True, unique=True, editable=False)
    csat_question = models.CharField(_("satisfaction question (English)"), max_length=200, blank=True)
    csat_question_fa = models.CharField(_("satisfaction question (Persian)"), max_length=200, blank=True)
    csat_question_ar = models.CharField(_("satisfaction question (Arabic)"), max_length=200, blank=True)
    nps_question = models.CharField(_("recommendation question (English)"), max_length=200, blank=True)
    nps_question_fa = models.CharField(_("recommendation question (Persian)"), max_length=200, blank=True)
    nps_question_ar = models.CharField(_("recommendation question (Arabic)"), max_length=200, blank=True)
    comment_prompt = models.CharField(_("comment prompt (English)"), max_length=200, blank=True)
    comment_prompt_fa = models.CharField(_("comment prompt (Persian)"), max_length=200, blank=True)
    comment_prompt_ar = models.CharField(_("comment prompt (Arabic)"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("survey wording")
        verbose_name_plural = _("survey wording")
        constraints = [models.CheckConstraint(condition=Q(single=True), name="survey_wording_one_row")]

    def __str__(self):
        return str(_("Survey wording"))


class TicketAcknowledgement(DeliveryState):
    """The automatic acknowledgement of a new ticket: one per ticket, sent through the sending pipeline."""

    ticket = models.OneToOneField(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="acknowledgement"
    )
    to = models.CharField(_("to"), max_length=254, validators=[validate_email_address])
    language = models.CharField(_("language"), max_length=8)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket acknowledgement")
        verbose_name_plural = _("ticket acknowledgements")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"], name="ticket_ack_status")]

    def __str__(self):
        return f"#{self.ticket_id} → {self.to}"


class LateDeliveryApology(DeliveryState):
    """The e-mail that tells a customer their delivery is late: one per shipment, with the ticket opened for it."""

    shipment = models.OneToOneField(
        Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="late_apology"
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="late_apologies"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="late_apologies"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("late-delivery apology")
        verbose_name_plural = _("late-delivery apologies")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"], name="late_apology_status")]

    def __str__(self):
        return f"#{self.ticket_id} → {self.customer}"


class InboundMailSource(models.TextChoices):
    WEBHOOK = "webhook", _("Inbound-mail webhook")
    IMAP = "imap", _("Mailbox (IMAP)")


class InboundMail(models.Model):
    """Every e-mail the contact line received, raw: one that could not be read waits here for a human."""

    source = models.CharField(_("received through"), max_length=8, choices=InboundMailSource.choices)
    message_id = models.CharField(_("message id"), max_length=255, blank=True)
    sender = models.CharField(_("from"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    raw = models.TextField(_("raw message"))
    error = models.TextField(_("why it could not be read"), blank=True)
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_mails"
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    handled_at = models.DateTimeField(_("handled by staff at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"], condition=~Q(message_id=""), name="inbound_mail_once_per_message_id"
            )
        ]

    def __str__(self):
        return self.subject or self.sender or str(self.received_at)

    @property
    def needs_a_human(self):
        return bool(self.error) and self.handled_at is None


# FAQ, community questions and answers, and the help search (a module of its own beside the contact line's).
from aftersales.models.community import (  # noqa: E402, F401
    PUBLIC_STATUS,
    CommunityAnswer,
    CommunityQuestion,
    FaqEntry,
    HelpDocument,
    HelpDocumentKind,
    HelpfulVote,
    ModerationStatus,
)

# Service capacity: what each team can handle (mediation).
from .capacity import ServiceTeam as ServiceTeam  # noqa: E402

# The live chat: conversations (tickets of channel chat) and canned replies.
from .chat import LIVE_CONVERSATION_STATES as LIVE_CONVERSATION_STATES  # noqa: E402
from .chat import CannedReply as CannedReply  # noqa: E402
from .chat import Conversation as Conversation  # noqa: E402
from .chat import ConversationState as ConversationState  # noqa: E402

# Tickets handed to a department with a due date (a module of its own).
from .handovers import TicketHandover as TicketHandover  # noqa: E402
