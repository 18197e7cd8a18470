"""The sender: woken after each commit that published events, by beat every minute, and by itself for retries."""

from typing import Any

from celery import shared_task
from django.core.cache import cache

from emarketing.hooks.services.outbox import KICK_KEY
from emarketing.hooks.services.sending import next_attempt_in, webhooks_send_due

RETRY_KEY = "hooks:retry-scheduled"
# Retries due later than this are left to beat's minute tick.
SELF_SCHEDULE_SECONDS = 60


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def deliver_webhooks() -> dict[str, Any]:
    """Post what is due for up to WEBHOOK_TASK_SECONDS (keep it under the soft limit), then hand over."""
    cache.delete(KICK_KEY)
    result = webhooks_send_due()
    from celery import current_app

    if not current_app.conf.task_always_eager:
        if result.more:
            deliver_webhooks.delay()  # a fresh task for the rest, so one long run never holds a worker
        else:
            wait = next_attempt_in()
            if wait is not None and wait < SELF_SCHEDULE_SECONDS and cache.add(RETRY_KEY, 1, timeout=max(1, int(wait))):
                deliver_webhooks.apply_async(countdown=wait)
    return {
        "delivered": result.delivered,
        "failed": result.failed,
        "given_up": result.given_up,
        "disabled": result.disabled,
    }
