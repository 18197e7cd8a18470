"""One row per run (per attempt) of a scheduled job: started, finished, outcome, what it changed, the error."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RunOutcome(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    RETRIED = "retried", _("Failed, tried again")


UNFINISHED = (RunOutcome.QUEUED, RunOutcome.RUNNING)
ERROR_LENGTH = 1000  # characters of "ExceptionType: message" kept
RESULT_LENGTH = 2000  # characters of the task's return value (as JSON) kept


class TaskRun(models.Model):
    """A run of a scheduled task. Written by the recorder: one insert when it starts, one update when it ends.

    A run that never ends (its worker was killed) keeps ``finished_at`` empty; past its ``deadline`` (start plus
    the task's hard time limit) it reads as "did not finish" rather than "running".
    """

    task_name = models.CharField(_("task"), max_length=200)
    task_id = models.CharField(_("task id"), max_length=64, db_index=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=0)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration = models.DurationField(_("duration"), null=True, blank=True)
    deadline = models.DateTimeField(_("must have finished by"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=RunOutcome.choices, default=RunOutcome.RUNNING)
    result = models.JSONField(_("what it returned"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by hand by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-id"]
        indexes = [models.Index(fields=["task_name", "-id"], name="taskrun_task_latest")]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"

    def did_not_finish(self, now: dt.datetime | None = None) -> bool:
        """Started (or queued) and never ended, and past the time it had to end by: its worker died."""
        if self.outcome not in UNFINISHED or self.deadline is None:
            return False
        return (now or timezone.now()) > self.deadline
