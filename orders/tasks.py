"""Thin Celery tasks of the transfer stage: take ids (or a stamp), call one service."""

import datetime as dt

from celery import shared_task

from customers.services.imports.stored_files import IMPORT_TASK_TIME_LIMIT
from orders.services.history import order_history_profiles_refresh
from orders.services.history_files import order_history_import_stored_file


@shared_task(
    name="orders.import_order_history",
    acks_late=True,
    soft_time_limit=IMPORT_TASK_TIME_LIMIT - 300,
    time_limit=IMPORT_TASK_TIME_LIMIT,
)
def import_order_history_task(
    *,
    path: str,
    name: str,
    user_id: int | None = None,
    columns: list[str] | None = None,
    date_formats: dict[str, str] | None = None,
    create_products: bool = False,
) -> dict[str, int | bool]:
    """Apply a stored order history file (all or nothing) with its preview's mapping; tell the uploader."""
    return order_history_import_stored_file(
        path=path,
        name=name,
        user_id=user_id,
        columns=columns,
        date_formats=date_formats,
        create_products=create_products,
    )


@shared_task(
    name="orders.refresh_profiles_after_history_import",
    autoretry_for=(Exception,),
    retry_backoff=60,
    max_retries=3,
    soft_time_limit=3300,
    time_limit=3600,
)
def refresh_profiles_after_history_import(*, imported_at: str) -> dict[str, int]:
    """Value tiers and lifecycle stages of the customers one order history import touched (idempotent)."""
    return order_history_profiles_refresh(imported_at=dt.datetime.fromisoformat(imported_at))
