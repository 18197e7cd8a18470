"""Big files applied in the background: a job row, a Celery task, progress and cancellation through the cache.

:func:`import_job_create` records the job and queues :func:`import_job_run` once the request commits. The run
claims the job with a token, applies the file through the import registered for its kind
(``customers.registry.import_runners``) inside one transaction, and marks the job applied *in that same
transaction*: a worker killed at any moment leaves either everything (and the job applied, so a second run does
nothing) or nothing (and the job still running, taken up again by :func:`import_jobs_resume_stalled` once its
heartbeat is older than ``IMPORT_JOB_STALE_SECONDS``). Progress (rows done, errors so far) and the cancel
switch go through the cache (``emarketing.jobs``), since nothing the run writes to the database is visible
before it ends.
"""

import datetime as dt
import logging
import time
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers.models import ImportJob, ImportJobStatus
from customers.registry import ImportOutcome, import_runners
from emarketing.jobs import cancel_request, cancel_requested, progress_read, progress_report

logger = logging.getLogger(__name__)

ERRORS_KEPT = 200


class _Superseded(Exception):
    """Another run of the same job finished first: this one's work is rolled back."""


def import_job_create(
    *,
    kind: str,
    path: str,
    file_name: str,
    options: dict[str, Any],
    rows_total: int,
    by: User | AnonymousUser | None = None,
) -> ImportJob:
    """Record a background import of a stored file and queue it once the current transaction commits."""
    job = ImportJob.objects.create(
        kind=kind,
        path=path,
        file_name=file_name[:255],
        options=options,
        rows_total=rows_total,
        created_by=by if isinstance(by, User) else None,
    )
    from customers.tasks import run_import_job

    transaction.on_commit(lambda: run_import_job.delay(job.pk))
    return job


def _claim(job_id: int, token: str, now: dt.datetime) -> ImportJob | None:
    """Take the job for this run: a queued one, or a running one whose run has gone quiet (a dead worker)."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.finished:
        return None
    if job.status == ImportJobStatus.RUNNING and not _stalled(job, now):
        return None
    claimed = ImportJob.objects.filter(pk=job_id, status=job.status, run=job.run).update(
        status=ImportJobStatus.RUNNING, run=token, started_at=job.started_at or now
    )
    return ImportJob.objects.get(pk=job_id) if claimed else None


def _stalled(job: ImportJob, now: dt.datetime) -> bool:
    progress = progress_read(job.progress_key)
    last = progress.updated if progress else (job.started_at or job.created_at).timestamp()
    return bool(now.timestamp() - last > settings.IMPORT_JOB_STALE_SECONDS)


def _finish(job: ImportJob, token: str, outcome: ImportOutcome | None, status: str, summary: str) -> bool:
    fields: dict[str, Any] = {"status": status, "summary": summary[:500], "finished_at": timezone.now()}
    if outcome is not None:
        fields.update(
            rows_read=outcome.rows_read,
            created_count=outcome.created,
            updated_count=outcome.updated,
            error_count=outcome.error_count,
            errors=[str(e) for e in list(outcome.errors)[:ERRORS_KEPT]],
        )
    return bool(ImportJob.objects.filter(pk=job.pk, run=token, status=ImportJobStatus.RUNNING).update(**fields))


def import_job_run(*, job_id: int) -> str:
    """Run one background import; return the job's status. Running it again after it finished does nothing."""
    token = uuid.uuid4().hex
    job = _claim(job_id, token, timezone.now())
    if job is None:
        return ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or "missing"
    user = get_user_model().objects.filter(pk=job.created_by_id).first() if job.created_by_id else None
    key, started = job.progress_key, time.time()
    total = job.rows_total

    def progress(done: int, errors: int) -> bool:
        progress_report(key, done=done, total=total, errors=errors, started=started)
        return not cancel_requested(key)

    progress(0, 0)
    if cancel_requested(key):
        _finish(job, token, None, ImportJobStatus.CANCELLED, _("Cancelled before it started; nothing was changed."))
        _done(job)
        return ImportJobStatus.CANCELLED
    if not default_storage.exists(job.path):
        _finish(job, token, None, ImportJobStatus.FAILED, _("The stored file is gone; nothing was changed."))
        return ImportJobStatus.FAILED
    runner = import_runners[job.kind]
    try:
        with transaction.atomic(), default_storage.open(job.path, "rb") as stream:
            outcome = runner(stream, job.file_name, job.options, user, progress)
            if outcome.applied and not _finish(job, token, outcome, ImportJobStatus.APPLIED, outcome.summary()):
                raise _Superseded
    except _Superseded:
        logger.warning("import job %s was finished by another run; this run's work is rolled back", job.pk)
        return ImportJob.objects.get(pk=job.pk).status
    if not outcome.applied:
        # A file that cannot be read, or is over a limit, fails the job; errors in its rows refuse it.
        status = (
            ImportJobStatus.CANCELLED
            if outcome.cancelled
            else ImportJobStatus.FAILED
            if outcome.file_problem
            else ImportJobStatus.REFUSED
        )
        _finish(job, token, outcome, status, outcome.summary())
    _done(job)
    return ImportJob.objects.get(pk=job.pk).status


def _done(job: ImportJob) -> None:
    """After a job has finished: its file deleted, and the person who started it told by e-mail."""
    job.refresh_from_db()
    if default_storage.exists(job.path):
        default_storage.delete(job.path)
    user = get_user_model().objects.filter(pk=job.created_by_id).first() if job.created_by_id else None
    if user is None or not user.email:
        return
    with translation.override(getattr(user, "language", None) or settings.LANGUAGE_CODE):
        subject = _("Import of “%(name)s”: %(status)s") % {"name": job.file_name, "status": job.get_status_display()}
        lines = [job.summary, "", *job.errors]
        if job.error_count > len(job.errors):
            lines.append(_("… and %(n)d more errors.") % {"n": job.error_count - len(job.errors)})
    send_mail(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=True)


def import_job_cancel(*, job: ImportJob) -> bool:
    """Ask a job to stop; False when it has already finished. A running job rolls back at its next batch."""
    if job.finished:
        return False
    cancel_request(job.progress_key)
    return True


def import_jobs_resume_stalled(*, now: dt.datetime | None = None) -> int:
    """Queue again the jobs whose run went quiet (a worker killed, a message lost); return how many."""
    now = now or timezone.now()
    waiting = ImportJob.objects.filter(Q(status=ImportJobStatus.QUEUED) | Q(status=ImportJobStatus.RUNNING))
    from customers.tasks import run_import_job

    resumed = 0
    for job in waiting.order_by("pk")[:100]:
        if _stalled(job, now):
            run_import_job.delay(job.pk)
            resumed += 1
    return resumed


def customers_import_runner(stream: Any, name: str, options: dict[str, Any], user: Any, progress: Any) -> ImportOutcome:
    """The customer import as a background job's runner (registered for ``ImportKind.CUSTOMERS``)."""
    from .apply import customers_import

    return customers_import(
        stream=stream,
        name=name,
        columns=options.get("columns"),
        date_formats=options.get("formats"),
        on_duplicate=options.get("mode", "update"),
        by=user,
        progress=progress,
    )
