"""The jobs page's writes: the owners' rows, "run now", and the e-mail to the owners when a run fails."""

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from cycle.models import ScheduledJob
from cycle.selectors.job_words import JOB_DESCRIPTIONS
from cycle.selectors.jobs import hand_run_waiting, schedule_entries
from emarketing.brand.selectors import sender_address
from emarketing.celery import app
from emarketing.taskruns.models import TaskRun
from emarketing.taskruns.recorder import time_limit
from emarketing.taskruns.services import task_run_queue

logger = logging.getLogger(__name__)


def _default_group() -> Group | None:
    return Group.objects.filter(name=settings.JOBS_DEFAULT_OWNER_GROUP).first()


def jobs_sync() -> int:
    """A row of owners for every job of the beat schedule that has none, owned by the default group; how many."""
    known = set(ScheduledJob.objects.values_list("name", flat=True))
    missing = [name for name in schedule_entries() if name not in known]
    if not missing:
        return 0
    ScheduledJob.objects.bulk_create([ScheduledJob(name=name) for name in missing], ignore_conflicts=True)
    group = _default_group()
    if group is not None:
        group.owned_jobs.add(*ScheduledJob.objects.filter(name__in=missing))
    return len(missing)


def _job(name: str) -> ScheduledJob:
    """The owners' row of ``name``, made on first use (with the default group) if ``migrate`` has not made it."""
    job = ScheduledJob.objects.select_for_update().filter(name=name).first()
    if job is None:
        jobs_sync()
        job = ScheduledJob.objects.select_for_update().get(name=name)
    return job


@transaction.atomic
def job_run_now(*, name: str, by: AbstractBaseUser) -> TaskRun:
    """Queue a run of the scheduled job ``name`` now, recorded as started by ``by``.

    Refused (ValidationError, nothing queued) for a job the schedule does not hold, and while a run of the same job
    started by hand is still queued or running: a second click waits for the first run.
    """
    entry = schedule_entries().get(name)
    if entry is None:
        raise ValidationError(gettext("There is no scheduled job called “%(name)s”.") % {"name": name})
    _job(name)  # the row lock: two clicks at once are taken one after the other
    if hand_run_waiting(entry["task"]) is not None:
        raise ValidationError(
            gettext("A run of this job started by hand is still queued or running; wait until it ends.")
        )
    app.loader.import_default_modules()
    task = app.tasks[entry["task"]]
    task_id = str(uuid.uuid4())
    run = task_run_queue(
        task_name=task.name,
        task_id=task_id,
        by=by,
        wait_seconds=settings.JOBS_RUN_NOW_QUEUE_SECONDS + time_limit(task),
    )
    options = dict(entry.get("options") or {})
    transaction.on_commit(
        lambda: task.apply_async(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}), task_id=task_id, **options)
    )
    return run


def _recipients(job: ScheduledJob) -> list[str]:
    users = get_user_model().objects.filter(
        Q(pk__in=job.owners.values("pk")) | Q(groups__in=job.owner_groups.values("pk")), is_active=True, is_staff=True
    )
    return sorted({email for email in users.values_list("email", flat=True) if email})


@transaction.atomic
def job_failure_notify(*, run: TaskRun, now: dt.datetime | None = None) -> int:
    """Tell the owners of the jobs that run ``run.task_name`` that it failed: one e-mail per job, and none when they
    were told of this job less than JOBS_FAILURE_MAIL_INTERVAL seconds ago. How many e-mails were sent."""
    now = now or timezone.now()
    interval = dt.timedelta(seconds=settings.JOBS_FAILURE_MAIL_INTERVAL)
    sent = 0
    for name, entry in schedule_entries().items():
        if entry["task"] != run.task_name:
            continue
        job = _job(name)
        if job.last_failure_mail_at is not None and now - job.last_failure_mail_at < interval:
            continue
        recipients = _recipients(job)
        if not recipients:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            _send_failure_mail(name=name, run=run, recipients=recipients)
        job.last_failure_mail_at = now
        job.save(update_fields=["last_failure_mail_at"])
        sent += 1
    return sent


def _send_failure_mail(*, name: str, run: TaskRun, recipients: list[str]) -> None:
    description = JOB_DESCRIPTIONS.get(name, "")
    url = settings.SITE_URL.rstrip("/") + reverse("dashboards:job", args=[name])
    subject = gettext("Scheduled job “%(job)s” failed") % {"job": name}
    body = gettext(
        "The scheduled job “%(job)s” failed.\n%(description)s\n\n"
        "Started: %(started)s\nWorker: %(worker)s\nError: %(error)s\n\n"
        "Its runs and the button to run it again: %(url)s\n\n"
        "You are told of this job at most once every %(minutes)d minutes, however often it fails; you receive "
        "this as one of its owners."
    ) % {
        "minutes": settings.JOBS_FAILURE_MAIL_INTERVAL // 60,
        "job": name,
        "description": description,
        "started": timezone.localtime(run.started_at).isoformat(timespec="seconds") if run.started_at else "—",
        "worker": run.worker or "—",
        "error": run.error or "—",
        "url": url,
    }
    EmailMessage(
        subject=subject,
        body=body,
        from_email=sender_address(settings.DEFAULT_FROM_EMAIL, settings.LANGUAGE_CODE),
        to=recipients,
    ).send()
