"""Thin Celery tasks of the API."""

import datetime as dt

from celery import shared_task
from django.conf import settings

from emarketing.api.services import idempotency_keys_delete_old


@shared_task(name="emarketing.api.tasks.delete_old_idempotency_keys")
def delete_old_idempotency_keys() -> int:
    """Nightly: the Idempotency-Keys of API writes older than API_IDEMPOTENCY_KEEP_HOURS."""
    return idempotency_keys_delete_old(older_than=dt.timedelta(hours=settings.API_IDEMPOTENCY_KEEP_HOURS))
