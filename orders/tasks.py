"""Thin Celery tasks of the transfer stage: take ids (or a stamp), call one service."""

import datetime as dt

from celery import shared_task

from orders.services.history import order_history_profiles_refresh


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
