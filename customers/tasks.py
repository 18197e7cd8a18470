"""Thin Celery tasks of preparation: take ids, call one service."""

from typing import TypedDict

from celery import shared_task

from customers.models import Segment
from customers.services import (
    customers_import_files_delete_old,
    customers_import_stored_file,
    customers_refresh_lifecycle,
    customers_refresh_value_tiers,
    segment_refresh,
    segments_refresh_all,
)
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
    """Value tiers, then lifecycle stages, then every rule-based segment rebuilt in full.

    The daytime refreshes are incremental and trust timestamps; once a night the full rebuild also catches rows
    that arrived with a time in the past (an imported order, feedback the loop read late).
    """
    tiers = customers_refresh_value_tiers(reason=reason)
    stages = customers_refresh_lifecycle(reason=reason)
    segments = segments_refresh_all(full=True)
    return {"tiers_changed": tiers.changed, "stages_changed": stages.changed, "segments": len(segments)}


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


@shared_task(
    name="customers.import_customers",
    acks_late=True,
    soft_time_limit=IMPORT_TASK_TIME_LIMIT - 300,
    time_limit=IMPORT_TASK_TIME_LIMIT,
)
def import_customers_task(
    *,
    path: str,
    name: str,
    on_duplicate: str,
    user_id: int | None = None,
    columns: list[str] | None = None,
    date_formats: dict[str, str] | None = None,
) -> dict[str, int | bool]:
    """Apply a stored customer file (all or nothing) with the mapping chosen in its preview, and tell the person
    who uploaded it.

    The task keeps its first name, ``customers.import_customers``, so messages queued before an upgrade still run.
    """
    return customers_import_stored_file(
        path=path,
        name=name,
        on_duplicate=on_duplicate,
        user_id=user_id,
        columns=columns,
        date_formats=date_formats,
    )
