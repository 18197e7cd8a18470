"""Writes of job runs other than the recorder's: a run queued by hand, and the nightly clean-up."""

import datetime as dt

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from emarketing.taskruns.models import RunOutcome, TaskRun

DELETE_BATCH = 5000


@transaction.atomic
def task_run_queue(*, task_name: str, task_id: str, by: AbstractBaseUser, wait_seconds: int) -> TaskRun:
    """The row of a run started by hand, before its task is sent: the recorder fills it in when a worker starts it.

    ``wait_seconds`` is how long it may wait in the queue and run before it reads as "did not finish".
    """
    now = timezone.now()
    run = TaskRun(
        task_name=task_name,
        task_id=task_id,
        recorded_at=now,
        outcome=RunOutcome.QUEUED,
        deadline=now + dt.timedelta(seconds=wait_seconds),
        started_by_id=by.pk,
    )
    run.full_clean()
    run.save()
    return run


def task_runs_delete_old(*, keep_days: int | None = None) -> int:
    """Delete the runs recorded more than ``keep_days`` (default TASK_RUNS_KEEP_DAYS) ago, in batches; how many."""
    days = settings.TASK_RUNS_KEEP_DAYS if keep_days is None else keep_days
    cutoff = timezone.now() - dt.timedelta(days=days)
    deleted = 0
    while True:
        ids = list(
            TaskRun.objects.filter(recorded_at__lt=cutoff).order_by("id").values_list("id", flat=True)[:DELETE_BATCH]
        )
        if not ids:
            return deleted
        deleted += TaskRun.objects.filter(id__in=ids).delete()[0]
