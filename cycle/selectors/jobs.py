"""The jobs page: every job of the beat schedule with its last run, and a job's last runs.

Two queries for the whole list, whatever the number of runs kept: the latest run id per task (an index on task
and id answers it), then those runs.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cycle.selectors.job_words import JOB_DESCRIPTIONS, duration_in_words, result_in_words, schedule_in_words
from emarketing.celery import app
from emarketing.taskruns.models import UNFINISHED, RunOutcome, TaskRun

STATE_LABELS = {
    RunOutcome.QUEUED: _("Queued"),
    RunOutcome.RUNNING: _("Running"),
    RunOutcome.SUCCEEDED: _("Succeeded"),
    RunOutcome.FAILED: _("Failed"),
    RunOutcome.RETRIED: _("Failed, tried again"),
    "did_not_finish": _("Did not finish"),
    "never": _("Not run yet"),
}


def _now() -> dt.datetime:
    return timezone.now()


def schedule_entries() -> dict[str, dict[str, Any]]:
    """The beat schedule of ``emarketing/celery.py``: job name → entry."""
    return dict(app.conf.beat_schedule or {})


@dataclass
class RunRow:
    run: TaskRun
    state: str
    state_label: str
    changed: str
    duration: str

    @property
    def failed(self) -> bool:
        return self.state in (RunOutcome.FAILED, "did_not_finish")


@dataclass
class JobRow:
    name: str
    task: str
    description: str
    when: str
    last: RunRow | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def state_label(self) -> str:
        return self.last.state_label if self.last else str(STATE_LABELS["never"])


def run_state(run: TaskRun, now: dt.datetime) -> str:
    if run.outcome in UNFINISHED and run.did_not_finish(now):
        return "did_not_finish"
    return run.outcome


def run_row(run: TaskRun, now: dt.datetime) -> RunRow:
    state = run_state(run, now)
    changed = result_in_words(run.task_name, run.result) if run.outcome == RunOutcome.SUCCEEDED else ""
    return RunRow(
        run=run,
        state=state,
        state_label=str(STATE_LABELS[state]),
        changed=changed,
        duration=duration_in_words(run.duration),
    )


def _job_row(name: str, entry: dict[str, Any]) -> JobRow:
    description = JOB_DESCRIPTIONS.get(name)
    return JobRow(
        name=name,
        task=entry["task"],
        description=str(description) if description else "",
        when=schedule_in_words(entry["schedule"]),
    )


def job_list() -> list[JobRow]:
    """Every scheduled job, in the schedule's order, with its last run (or none)."""
    now = _now()
    rows = [_job_row(name, entry) for name, entry in schedule_entries().items()]
    latest = (
        TaskRun.objects.filter(task_name__in={row.task for row in rows})
        .values("task_name")
        .annotate(last_id=Max("id"))
        .values_list("last_id", flat=True)
    )
    runs = {run.task_name: run for run in TaskRun.objects.filter(id__in=list(latest)).select_related("started_by")}
    for row in rows:
        if row.task in runs:
            row.last = run_row(runs[row.task], now)
    return rows


def job_detail(name: str) -> tuple[JobRow, list[RunRow]] | None:
    """A job and its last JOBS_PAGE_RUNS runs, newest first; None for a name the schedule does not hold."""
    entry = schedule_entries().get(name)
    if entry is None:
        return None
    now = _now()
    row = _job_row(name, entry)
    runs = [
        run_row(run, now)
        for run in TaskRun.objects.filter(task_name=row.task).select_related("started_by")[: settings.JOBS_PAGE_RUNS]
    ]
    row.last = runs[0] if runs else None
    return row, runs


def hand_run_waiting(task_name: str) -> TaskRun | None:
    """A run of ``task_name`` started by hand that is still queued or running (and not past its deadline)."""
    return (
        TaskRun.objects.filter(
            task_name=task_name, started_by__isnull=False, outcome__in=UNFINISHED, deadline__gt=_now()
        )
        .order_by("-id")
        .first()
    )


def failure_mail_note() -> str:
    minutes = settings.JOBS_FAILURE_MAIL_INTERVAL // 60
    return gettext(
        "When a run fails for good (not when it is tried again), the job's owners get an e-mail: at most one per "
        "job every %(minutes)d minutes, however often it fails."
    ) % {"minutes": minutes}
