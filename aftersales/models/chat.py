"""The live chat: a conversation is a ticket of channel "chat" (its transcript the ticket's messages) with the
state of the live exchange beside it, and the canned replies staff pick from, per language."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Language


class ConversationState(models.TextChoices):
    WAITING = "waiting", _("Waiting for staff")
    ACTIVE = "active", _("Taken by staff")
    ENDED = "ended", _("Ended")
    TICKET = "ticket", _("Handed to the contact line")


# Conversations still live on the console: the queue shows them, and the no-answer timeout watches them.
LIVE_CONVERSATION_STATES = frozenset({ConversationState.WAITING, ConversationState.ACTIVE})


class Conversation(models.Model):
    ticket = models.OneToOneField(
        "aftersales.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="chat"
    )
    # The anonymous visitor's id, made by the chat and carried in the widget's signed token.
    visitor_id = models.CharField(_("visitor id"), max_length=64, db_index=True, editable=False)
    state = models.CharField(
        _("state"),
        max_length=8,
        choices=ConversationState.choices,
        default=ConversationState.WAITING,
        editable=False,
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_conversations",
    )
    # When the oldest message of the customer that nobody has answered yet arrived; empty once staff answered.
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True, editable=False)
    started_at = models.DateTimeField(_("started at"), default=timezone.now, editable=False)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True, editable=False)
    handed_over_at = models.DateTimeField(_("handed to the contact line at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("chat conversation")
        verbose_name_plural = _("chat conversations")
        ordering = ["-started_at"]
        indexes = [
            models.Index(
                fields=["waiting_since"],
                name="chat_live_waiting",
                condition=Q(state__in=["waiting", "active"]),
            ),
        ]

    def __str__(self):
        return _("Chat %(ticket)s") % {"ticket": self.ticket}

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_CONVERSATION_STATES


class CannedReply(models.Model):
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("reply"), max_length=2000)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["language", "position", "title"]
        constraints = [models.UniqueConstraint(fields=["language", "title"], name="canned_reply_title_per_language")]

    def __str__(self):
        return f"{self.title} ({self.language})"
