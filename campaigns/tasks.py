"""Thin Celery tasks of the communication stage: take ids, call one service, retry with backoff."""

from celery import shared_task
from django.conf import settings

from campaigns.models import Campaign, Channel
from campaigns.selectors import campaigns_needing_a_send, sms_campaigns_needing_a_send
from campaigns.services import campaigns_start_due
from campaigns.services.domains import dkim_keys_retire
from campaigns.services.retention import retention_apply
from campaigns.services.sending import SendingInterrupted, campaign_send_run
from campaigns.services.sms import sms_campaign_send_run, sms_send_due
from emarketing.partitions import partitions_maintain


def _cap(seconds):
    # Countdowns stay below the broker's visibility timeout, so a waiting task is never delivered twice.
    return int(min(seconds, settings.CAMPAIGNS_SEND_RETRY_MAX_DELAY))


@shared_task(bind=True, acks_late=True, max_retries=8, time_limit=900, soft_time_limit=840)
def send_campaign(self, campaign_id: int):
    """Send one campaign in batches for up to ``CAMPAIGNS_SEND_TASK_SECONDS``, then hand over to a fresh task."""
    if Campaign.objects.filter(pk=campaign_id, channel=Channel.SMS).exists():
        sms = sms_campaign_send_run(campaign_id=campaign_id, time_budget=settings.CAMPAIGNS_SEND_TASK_SECONDS)
        if sms.more and not self.request.is_eager:
            send_campaign.apply_async((campaign_id,))
        return {"sent": sms.sent, "failed": sms.failed, "retried": sms.retried, "deferred": sms.deferred}
    try:
        result = campaign_send_run(campaign_id=campaign_id, time_budget=settings.CAMPAIGNS_SEND_TASK_SECONDS)
    except SendingInterrupted as exc:
        raise self.retry(exc=exc, countdown=_cap(30 * 2**self.request.retries)) from exc
    if result.more and not self.request.is_eager:
        send_campaign.apply_async((campaign_id,))
    # Retries that are not due yet are picked up by the beat job (start_due_campaigns), so one campaign never
    # has a growing chain of waiting tasks.
    return {"sent": result.sent, "failed": result.failed, "retried": result.retried}


@shared_task(acks_late=True, time_limit=300, soft_time_limit=280)
def start_due_campaigns():
    """Start scheduled campaigns whose time has come, and nudge those still sending."""
    started = campaigns_start_due()
    # Retries that have come due, and campaigns whose task was lost (a worker killed, a broker restart), are
    # picked up again. Sending is idempotent, so even a nudge that meets a running task sends nothing twice.
    for campaign_id in campaigns_needing_a_send(exclude=started):
        send_campaign.delay(campaign_id)
    for campaign_id in sms_campaigns_needing_a_send(exclude=started):
        send_campaign.delay(campaign_id)
    return started


@shared_task(bind=True, acks_late=True, time_limit=900, soft_time_limit=840)
def send_sms(self):
    """Single SMS (journeys' steps, services) and occasion offers by SMS that are due: queued ones at once, retries
    and quiet-hour holds when their time comes, and what a dead worker left, for up to CAMPAIGNS_SEND_TASK_SECONDS."""
    result = sms_send_due(time_budget=settings.CAMPAIGNS_SEND_TASK_SECONDS)
    if result.more and not self.request.is_eager:
        send_sms.apply_async()
    return {"sent": result.sent, "failed": result.failed, "retried": result.retried, "deferred": result.deferred}


@shared_task(acks_late=True, time_limit=900, soft_time_limit=840)
def decide_experiments():
    """Decide the A/B tests whose time is up and list the rest of their audience with the winner."""
    from campaigns.services.experiments import experiments_decide_due

    return experiments_decide_due()


@shared_task(acks_late=True, time_limit=900, soft_time_limit=840)
def send_occasion_offers():
    """Birthday and anniversary offers due today in each customer's own time zone."""
    from campaigns.services.occasions import occasion_offers_send_due

    return occasion_offers_send_due()


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def retire_dkim_keys():
    """Retire the DKIM keys whose grace period after a rotation has ended (private key wiped)."""
    return dkim_keys_retire()


@shared_task(bind=True, acks_late=True, time_limit=900, soft_time_limit=840)
def expire_personal_fields(self, after: dict[str, int] | None = None):
    """Blank the personal fields of touches, messages and delivery reports older than PRIVACY_RETENTION_DAYS, for
    up to PRIVACY_RETENTION_TASK_SECONDS, then hand over to a fresh task where this one stopped."""
    run = retention_apply(after=after, time_budget=settings.PRIVACY_RETENTION_TASK_SECONDS)
    if run.resume is not None and not self.request.is_eager:
        expire_personal_fields.apply_async(kwargs={"after": run.resume})
    return run.summary()


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def send_erasure_confirmations():
    """The e-mails that ask customers to confirm the erasure of their data: sent as soon as one is asked for, and
    every five minutes those whose retry is due (sent once, however often this runs)."""
    from campaigns.services.erasure_requests import erasure_confirmations_send

    result = erasure_confirmations_send()
    return {"sent": result.sent, "failed": result.failed}


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def send_form_confirmations():
    """The e-mails that ask visitors to confirm what they sent through a capture form: sent as soon as one is
    queued, and every five minutes those whose retry is due (sent once, however often this runs)."""
    from campaigns.services.form_confirmations import form_confirmations_send

    result = form_confirmations_send()
    return {"sent": result.sent, "failed": result.failed}


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def maintain_partitions():
    """Create the months ahead of the partitioned tables, drop the months past their retention (PostgreSQL)."""
    return partitions_maintain()


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def journeys_tick():
    """Move every due customer of every live journey on (set-based), then send the journey e-mails listed."""
    from campaigns.journeys.engine import journeys_tick as tick

    result = tick()
    send_journey_messages.delay()
    return {"entered": result.entered, "moved": result.moved, "converted": result.converted, "e-mails": result.messages}


@shared_task(acks_late=True, time_limit=900, soft_time_limit=840)
def send_journey_messages():
    """Send the queued journey e-mails (and the retries due) for up to CAMPAIGNS_SEND_TASK_SECONDS."""
    from campaigns.journeys.sending import journey_messages_send

    result = journey_messages_send(time_budget=settings.CAMPAIGNS_SEND_TASK_SECONDS)
    return {"sent": result.sent, "failed": result.failed, "retried": result.retried}
