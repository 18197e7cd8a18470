"""Thin Celery tasks of preparation: take ids, call one service."""

import datetime as dt
from typing import TypedDict

from celery import shared_task
from django.db import OperationalError

from customers.models import Segment
from customers.services import (
    customers_import_files_delete_old,
    customers_refresh_profiles,
    forms_delete_unconfirmed,
    segment_refresh,
    segments_refresh_all,
)
from customers.services.imports.jobs import import_job_run, import_jobs_resume_stalled
from customers.services.imports.stored_files import IMPORT_TASK_TIME_LIMIT


class _JobOptions(TypedDict):
    autoretry_for: tuple[type[Exception], ...]
    retry_backoff: int
    retry_backoff_max: int
    max_retries: int
    soft_time_limit: int
    time_limit: int


_JOB: _JobOptions = {
    "autoretry_for": (Exception,),
    "retry_backoff": 60,
    "retry_backoff_max": 900,
    "max_retries": 3,
    "soft_time_limit": 3300,
    "time_limit": 3600,
}


@shared_task(name="customers.tasks.refresh_customer_profiles", **_JOB)
def refresh_customer_profiles(reason: str = "nightly") -> dict[str, int]:
    """Scores (the value model refitted weekly), value tiers, lifecycle stages, then every rule-based segment
    rebuilt in full.

    The daytime refreshes are incremental and trust timestamps; once a night the full rebuild also catches rows
    that arrived with a time in the past (an imported order, feedback the loop read late).
    """
    done = customers_refresh_profiles(reason=reason)
    segments = segments_refresh_all(full=True)
    return {
        "scored": done.values.scored,
        "tiers_changed": done.tiers.changed,
        "stages_changed": done.stages.changed,
        "segments": len(segments),
    }


@shared_task(name="customers.tasks.refresh_segments", **_JOB)
def refresh_segments(full: bool = False) -> int:
    """Bring every rule-based segment up to date; incremental unless many customers changed."""
    return len(segments_refresh_all(full=full))


@shared_task(name="customers.tasks.refresh_segment", **_JOB)
def refresh_segment(segment_id: int, full: bool = False) -> str:
    segment = Segment.objects.filter(pk=segment_id).first()
    if segment is None:
        return "gone"
    return segment_refresh(segment=segment, full=full).mode


@shared_task(name="customers.tasks.delete_old_import_files", soft_time_limit=240, time_limit=300)
def delete_old_import_files() -> int:
    """Hourly: uploaded customer files never applied are deleted after CUSTOMER_IMPORT_KEEP_HOURS.

    No retries: the next hourly run tries again.
    """
    return customers_import_files_delete_old()


@shared_task(name="customers.tasks.delete_unconfirmed_leads", soft_time_limit=540, time_limit=600)
def delete_unconfirmed_leads() -> int:
    """Nightly: the capture forms' leads nobody confirmed within FORMS_UNCONFIRMED_DAYS are deleted (batches of ids;
    a run cut short leaves the rest for the next night). No retries."""
    return forms_delete_unconfirmed()


@shared_task(name="customers.import_customers", acks_late=True, soft_time_limit=50, time_limit=60)
def import_customers_task(
    *,
    path: str,
    name: str,
    on_duplicate: str,
    user_id: int | None = None,
    columns: list[str] | None = None,
    date_formats: dict[str, str] | None = None,
) -> int:
    """A background customer import queued before background imports became jobs: it becomes one, queued.

    The task keeps its first name, ``customers.import_customers``, so messages queued before an upgrade still run.
    """
    from django.contrib.auth import get_user_model

    from customers.models import ImportJob, ImportKind
    from customers.services.imports import import_job_create

    existing = ImportJob.objects.filter(path=path).first()
    if existing is not None:
        return existing.pk
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    options = {"mode": on_duplicate, "columns": columns, "formats": date_formats}
    return import_job_create(
        kind=ImportKind.CUSTOMERS, path=path, file_name=name, options=options, rows_total=0, by=user
    ).pk


@shared_task(
    name="customers.tasks.run_import_job",
    acks_late=True,
    soft_time_limit=IMPORT_TASK_TIME_LIMIT - 300,
    time_limit=IMPORT_TASK_TIME_LIMIT,
)
def run_import_job(job_id: int) -> str:
    """Apply one background import (customers or order history), all or nothing; nothing twice."""
    return import_job_run(job_id=job_id)


@shared_task(name="customers.tasks.resume_import_jobs", soft_time_limit=50, time_limit=60)
def resume_import_jobs() -> int:
    """Every five minutes: background imports whose worker died (or whose message was lost) are queued again."""
    return import_jobs_resume_stalled()


@shared_task(
    name="customers.tasks.erase_customers",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=60,
    retry_backoff_max=900,
    max_retries=5,
    soft_time_limit=540,
    time_limit=600,
)
def erase_customers(
    customer_ids: list[int], requested_by_id: int | None = None, requested_at: str | None = None
) -> dict[str, int]:
    """Erase a batch of customers chosen in the admin, each in its own transaction. Delivered twice, or re-run
    after a worker died, it erases nobody twice: an erased customer is skipped."""
    from django.contrib.auth import get_user_model

    from customers.services.erasure import customers_erase_many

    user = get_user_model().objects.filter(pk=requested_by_id).first() if requested_by_id else None
    asked = dt.datetime.fromisoformat(requested_at) if requested_at else None
    done = customers_erase_many(customer_ids=customer_ids, requested_by=user, requested_at=asked)
    return {"erased": done.erased, "already": done.already, "missing": done.missing}
