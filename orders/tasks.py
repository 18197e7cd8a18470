"""Thin Celery tasks of the transfer stage: take ids (or a stamp), call one service."""

import datetime as dt

from celery import shared_task
from django.conf import settings

from orders.services.history import order_history_profiles_refresh
from orders.services.shop_webhooks import shop_webhook_receipts_delete_old


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


@shared_task(name="orders.tasks.delete_old_shop_webhook_receipts")
def delete_old_shop_webhook_receipts() -> int:
    """Nightly: the shops' webhook delivery ids older than SHOP_WEBHOOK_RECEIPTS_KEEP_DAYS."""
    return shop_webhook_receipts_delete_old(older_than=dt.timedelta(days=settings.SHOP_WEBHOOK_RECEIPTS_KEEP_DAYS))
