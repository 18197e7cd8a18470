"""FAQ and community: the team's answers by topic, visitors' questions (moderated before they show), answers by
staff and customers, "this helped" votes, and the search documents that one search box reads across FAQ,
questions and the information pages."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import Creative, Topic
from customers.models import Customer, Language
from emarketing.contacts import validate_email_address
from emarketing.localized import in_language


class FoldedSearchVectorField(SearchVectorField):
    """A ``tsvector`` on PostgreSQL (made from the folded text, GIN-indexed); elsewhere an unused text column, the
    search reading the folded text itself."""

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"


class FaqEntry(models.Model):
    """A question the team answers once for everyone, by topic, in up to three languages."""

    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.SET_NULL, related_name="faq_entries"
    )
    title = models.CharField(_("question"), max_length=300)
    title_fa = models.CharField(_("question (Persian)"), max_length=300, blank=True)
    title_ar = models.CharField(_("question (Arabic)"), max_length=300, blank=True)
    answer = models.TextField(_("answer"))
    answer_fa = models.TextField(_("answer (Persian)"), blank=True)
    answer_ar = models.TextField(_("answer (Arabic)"), blank=True)
    published = models.BooleanField(_("published"), default=False)
    position = models.PositiveIntegerField(_("order"), default=0, help_text=_("Smaller numbers come first."))
    helped_count = models.PositiveIntegerField(_("“this helped” votes"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["published", "position"], name="faq_published_order")]

    def __str__(self):
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("aftersales:help") + f"#faq-{self.pk}"

    @property
    def local_title(self) -> str:
        return in_language(self, "title")

    @property
    def local_answer(self) -> str:
        return in_language(self, "answer")


class ModerationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


# What readers see: approved questions and answers only (one owner for every public read).
PUBLIC_STATUS = ModerationStatus.APPROVED


class CommunityQuestion(models.Model):
    """A question a visitor or customer asked; shown once a moderator approved it."""

    topic = models.ForeignKey(
        Topic,
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_questions",
    )
    title = models.CharField(_("question"), max_length=200)
    body = models.TextField(_("details"), blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH)
    asker_name = models.CharField(_("asked by"), max_length=100)
    # The address as typed proves nothing: it is kept here, never attached to a customer's record.
    asker_email = models.CharField(_("asker's e-mail"), max_length=254, blank=True, validators=[validate_email_address])
    wants_news = models.BooleanField(_("agreed to receive news by e-mail"), default=False)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_questions",
        help_text=_("The customer who asked (known from their link), or the lead made with their consent."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ModerationStatus.choices, default=ModerationStatus.PENDING
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)

    class Meta:
        verbose_name = _("community question")
        verbose_name_plural = _("community questions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at", "-id"], name="question_status_recent")]

    def __str__(self):
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("aftersales:help_question", args=[self.pk])


class CommunityAnswer(models.Model):
    """An answer to a community question, by staff (shown at once) or by a visitor (moderated first)."""

    question = models.ForeignKey(
        CommunityQuestion, verbose_name=_("question"), on_delete=models.CASCADE, related_name="answers"
    )
    body = models.TextField(_("answer"))
    author_name = models.CharField(_("answered by"), max_length=100)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_answers",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ModerationStatus.choices, default=ModerationStatus.PENDING
    )
    is_best = models.BooleanField(_("best answer"), default=False)
    helped_count = models.PositiveIntegerField(_("“this helped” votes"), default=0, editable=False)
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("answered at"), default=timezone.now)

    class Meta:
        verbose_name = _("community answer")
        verbose_name_plural = _("community answers")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["question"], condition=Q(is_best=True), name="answer_one_best"),
            models.CheckConstraint(condition=Q(is_best=False) | Q(status="approved"), name="answer_best_is_approved"),
        ]
        indexes = [models.Index(fields=["question", "status"], name="answer_question_status")]

    def __str__(self):
        return f"{self.author_name}: {self.body[:60]}"

    def clean(self):
        if self.is_best and self.status != PUBLIC_STATUS:
            raise ValidationError({"is_best": _("Only an approved answer can be the best one.")})


class HelpfulVote(models.Model):
    """One reader's "this helped" on an FAQ entry or an answer: once per browser, or per customer."""

    faq = models.ForeignKey(
        FaqEntry, verbose_name=_("FAQ entry"), null=True, blank=True, on_delete=models.CASCADE, related_name="votes"
    )
    answer = models.ForeignKey(
        CommunityAnswer,
        verbose_name=_("answer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="votes",
    )
    voter = models.CharField(_("voter"), max_length=64)
    created_at = models.DateTimeField(_("voted at"), default=timezone.now)

    class Meta:
        verbose_name = _("“this helped” vote")
        verbose_name_plural = _("“this helped” votes")
        constraints = [
            models.CheckConstraint(
                condition=Q(faq__isnull=False, answer__isnull=True) | Q(faq__isnull=True, answer__isnull=False),
                name="vote_on_one_thing",
            ),
            models.UniqueConstraint(fields=["faq", "voter"], condition=Q(faq__isnull=False), name="vote_once_faq"),
            models.UniqueConstraint(
                fields=["answer", "voter"], condition=Q(answer__isnull=False), name="vote_once_answer"
            ),
        ]

    def __str__(self):
        return self.voter


class HelpDocumentKind(models.TextChoices):
    FAQ = "faq", _("FAQ entry")
    QUESTION = "question", _("Community question")
    PAGE = "page", _("Information page")


class HelpDocument(models.Model):
    """What the help search reads: one row per FAQ entry and language, per public question, per information page.

    ``folded`` is the title and text in one spelling (``customers.text_reading``); on PostgreSQL ``vector`` is its
    ``tsvector`` ('simple' configuration), GIN-indexed. Written by ``aftersales.services.help_search`` only."""

    kind = models.CharField(_("kind"), max_length=8, choices=HelpDocumentKind.choices)
    faq = models.ForeignKey(FaqEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(CommunityQuestion, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey(Creative, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=300)
    excerpt = models.CharField(_("excerpt"), max_length=300, blank=True)
    link = models.CharField(_("link"), max_length=300)
    folded = models.TextField(_("folded text"))
    vector = FoldedSearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("help search document")
        verbose_name_plural = _("help search documents")
        constraints = [
            models.UniqueConstraint(fields=["faq", "language"], name="help_document_faq_language"),
            models.UniqueConstraint(fields=["question"], name="help_document_question"),
            models.UniqueConstraint(fields=["page"], name="help_document_page"),
        ]

    def __str__(self):
        return self.title
