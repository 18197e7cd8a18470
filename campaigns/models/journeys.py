"""Journeys: a graph of steps a customer walks after a trigger, one version at a time, each step at most once.

A journey's steps live in a :class:`JourneyVersion`; editing a live journey makes a new version and the customers
already inside stay on theirs. An :class:`Enrolment` is one customer's walk through one version: the step they are
at, its state and when it is next looked at (``due_at``). Every step reached writes a :class:`JourneyPassage`,
unique per (enrolment, step), and every e-mail a :class:`JourneyMessage`, unique per (enrolment, step): the
database allows no customer two messages of the same step. The engine is ``campaigns.journeys``.
"""

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models.campaigns import Campaign
from campaigns.models.delivery import DeliveryState
from customers.models import Customer
from emarketing.workflow import StatusChangeBase


class JourneyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LIVE = "live", _("Live")
    PAUSED = "paused", _("Paused")
    ARCHIVED = "archived", _("Archived")


class Reentry(models.TextChoices):
    ONCE = "once", _("Once ever")
    PER_DAYS = "per_days", _("Once per N days")
    ALWAYS = "always", _("Every time")


class Journey(models.Model):
    TRANSITIONS = {
        JourneyStatus.DRAFT: {JourneyStatus.LIVE, JourneyStatus.ARCHIVED},
        JourneyStatus.LIVE: {JourneyStatus.PAUSED, JourneyStatus.ARCHIVED},
        JourneyStatus.PAUSED: {JourneyStatus.LIVE, JourneyStatus.ARCHIVED},
        JourneyStatus.ARCHIVED: set(),
    }

    name = models.CharField(_("name"), max_length=200, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=JourneyStatus.choices, default=JourneyStatus.DRAFT)
    trigger = models.CharField(_("entry trigger"), max_length=40, help_text=_("What makes a customer enter."))
    trigger_params = models.JSONField(_("trigger parameters"), default=dict, blank=True)
    reentry = models.CharField(_("re-entry"), max_length=16, choices=Reentry.choices, default=Reentry.ONCE)
    reentry_days = models.PositiveIntegerField(_("re-entry after (days)"), default=30)
    goal = models.CharField(
        _("exit goal"),
        max_length=40,
        blank=True,
        help_text=_("A customer who reaches the goal leaves the journey and counts as converted."),
    )
    goal_params = models.JSONField(_("goal parameters"), default=dict, blank=True)
    # Scheduled triggers look at what happened since this moment (set by each evaluation).
    trigger_checked_at = models.DateTimeField(_("trigger checked at"), null=True, blank=True, editable=False)
    template = models.CharField(_("installed from"), max_length=40, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")
        ordering = ["name"]
        indexes = [models.Index(fields=["trigger", "status"])]

    def __str__(self):
        return self.name

    def current_version(self) -> "JourneyVersion | None":
        return self.versions.order_by("-number").first()


class JourneyStatusChange(StatusChangeBase):
    subject = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(StatusChangeBase.Meta):
        verbose_name = _("journey status change")
        verbose_name_plural = _("journey status changes")


class JourneyVersion(models.Model):
    journey = models.ForeignKey(Journey, verbose_name=_("journey"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    first_step = models.CharField(_("first step"), max_length=40)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("journey version")
        verbose_name_plural = _("journey versions")
        ordering = ["journey", "-number"]
        constraints = [models.UniqueConstraint(fields=["journey", "number"], name="journey_version_once")]

    def __str__(self):
        return f"{self.journey} v{self.number}"


class StepKind(models.TextChoices):
    WAIT = "wait", _("Wait a while")
    WAIT_UNTIL = "wait_until", _("Wait until a time of day")
    WAIT_EVENT = "wait_event", _("Wait for an event")
    CONDITION = "condition", _("Condition")
    SPLIT = "split", _("Random split")
    EMAIL = "email", _("Send an e-mail")
    ACTION = "action", _("Action")
    EXIT = "exit", _("Exit")


class JourneyStep(models.Model):
    """One step of a version: what it does (``kind`` and ``params``) and where customers go next (``next``: one key,
    or one per branch: [yes, no] for a condition or an awaited event, one per share for a split)."""

    version = models.ForeignKey(
        JourneyVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="steps"
    )
    key = models.CharField(_("key"), max_length=40)
    kind = models.CharField(_("kind"), max_length=16, choices=StepKind.choices)
    label = models.CharField(_("label"), max_length=120, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    next = models.JSONField(_("next steps"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("journey step")
        verbose_name_plural = _("journey steps")
        ordering = ["version", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="journey_step_key_once")]

    def __str__(self):
        return self.label or self.key


class EnrolmentState(models.TextChoices):
    ACTIVE = "active", _("Active")  # due now: the next tick moves them on
    WAITING = "waiting", _("Waiting")
    DONE = "done", _("Finished")
    EXITED = "exited", _("Exited")
    CONVERTED = "converted", _("Converted")


# The links the tick writes hundreds of thousands of times a minute (a passage and an enrolment's step per move, a
# message per e-mail) have no foreign key in the database: PostgreSQL would check each row at commit with a
# ``SELECT … FOR KEY SHARE`` of the row it points to (measured: 0.8 s per 50,000 moves, a quarter of the tick).
# Django still deletes them with what they point to (``on_delete`` is the ORM's), and nothing deletes an
# enrolment or a step by raw SQL; every row is written by the tick from rows it has just read.
HOT_PATH: dict[str, Any] = {"on_delete": models.CASCADE, "db_constraint": False}

# The states of a customer still inside a journey; the others are final.
INSIDE = (EnrolmentState.ACTIVE, EnrolmentState.WAITING)


class Enrolment(models.Model):
    id = models.BigAutoField(primary_key=True)
    # Few indexes, because every move rewrites the row and each of them: the foreign keys are found through the
    # composite indexes below (the partial unique index serves "the customers inside a journey").
    journey = models.ForeignKey(
        Journey, verbose_name=_("journey"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    version = models.ForeignKey(
        JourneyVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="enrolments", db_index=False
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="journey_enrolments",
        db_index=False,
    )
    step = models.ForeignKey(
        JourneyStep,
        verbose_name=_("step"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,  # see HOT_PATH
    )
    state = models.CharField(_("state"), max_length=16, choices=EnrolmentState.choices, default=EnrolmentState.ACTIVE)
    due_at = models.DateTimeField(_("due"), default=timezone.now)
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)
    step_at = models.DateTimeField(_("at this step since"), default=timezone.now)
    # When an awaited event happened (``wait_event`` steps): set by the event's listener.
    event_at = models.DateTimeField(_("event seen"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-id"]
        indexes = [
            # The tick: the due enrolments of one step, in id order (step empty: those who have just entered).
            models.Index(fields=["step", "state", "due_at", "id"], name="enrolment_due"),
            models.Index(fields=["customer", "journey", "entered_at"], name="enrolment_customer"),
        ]
        constraints = [
            # Never inside the same journey twice at once, whatever the re-entry rule.
            models.UniqueConstraint(
                fields=["journey", "customer"],
                condition=models.Q(state__in=["active", "waiting"]),
                name="enrolment_inside_once",
            ),
        ]

    def __str__(self):
        return f"{self.customer_id} @ {self.version}"


class JourneyPassage(models.Model):
    """A step an enrolment reached: once, the database says."""

    id = models.BigAutoField(primary_key=True)
    enrolment = models.ForeignKey(Enrolment, verbose_name=_("enrolment"), related_name="+", db_index=False, **HOT_PATH)
    step = models.ForeignKey(JourneyStep, verbose_name=_("step"), related_name="+", **HOT_PATH)
    at = models.DateTimeField(_("reached at"), default=timezone.now)

    class Meta:
        verbose_name = _("journey step reached")
        verbose_name_plural = _("journey steps reached")
        constraints = [models.UniqueConstraint(fields=["enrolment", "step"], name="journey_passage_once")]

    def __str__(self):
        return f"{self.enrolment_id} → {self.step_id}"


class JourneyMessage(DeliveryState):
    """The e-mail of one e-mail step to one enrolment: the database allows no second one."""

    id = models.BigAutoField(primary_key=True)
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), related_name="messages", db_index=False, **HOT_PATH
    )
    step = models.ForeignKey(JourneyStep, verbose_name=_("step"), related_name="+", db_index=False, **HOT_PATH)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="journey_messages"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="journey_messages"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("journey message")
        verbose_name_plural = _("journey messages")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "step"], name="journey_message_once")]
        indexes = [models.Index(fields=["status", "id"], name="journey_message_claim")]

    def __str__(self):
        return f"{self.step_id} → {self.customer_id}"


class JourneyInbox(models.Model):
    """An event of the bus that journeys have still to hear. Written inside the transaction that published it, so
    an event whose process dies between the commit and its listeners is still heard: by the next tick."""

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(_("event"), max_length=100)
    key = models.CharField(_("about"), max_length=200)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("happened at"), default=timezone.now)

    class Meta:
        verbose_name = _("event for journeys")
        verbose_name_plural = _("events for journeys")
        ordering = ["id"]

    def __str__(self):
        return f"{self.name} {self.key}"
