"""The jobs page's words: what each scheduled job does, when it runs, and what a run changed, translated.

The descriptions are the comments above each job in ``emarketing/celery.py``, shortened; a job added to the beat
schedule without one here shows its name alone (and a test says so). Digits stay ASCII here: the page writes them in
the reader's digits (``local_digits``).
"""

import datetime as dt
from itertools import pairwise
from typing import Any

from celery.schedules import crontab, schedule
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

JOB_DESCRIPTIONS = {
    "cycle-feedback-loop": _(
        "The loop: after-sales feedback (surveys, tickets, reviews) becomes needs and scores in preparation. New "
        "feedback also starts it at once; this run catches anything a crash or a restart left behind."
    ),
    "aftersales-check-late-shipments": _(
        "Shipments past their promised date get one e-mail to the customer and a ticket opened for them, before the "
        "customer has to ask."
    ),
    "aftersales-hand-over-waiting-chats": _(
        "Live chat: conversations no one answered in time (and those still waiting when working hours end) become "
        "contact-line tickets, and their customers are told by e-mail."
    ),
    "aftersales-send-contact-line-mail": _(
        "The contact line's own mail (acknowledgements, late-delivery e-mails) whose retry is due or whose worker "
        "died before sending it."
    ),
    "campaigns-start-due": _(
        "Starts the scheduled campaigns whose time has come, and picks up sending campaigns with retries due or a "
        "worker that died."
    ),
    "campaigns-decide-experiments": _(
        "A/B tests: decides the tests whose time is up and sends the rest of their audience the winner, once."
    ),
    "campaigns-send-sms": _(
        "SMS: single messages and occasion offers whose time has come: retries, messages held back by the quiet "
        "hours, and what a dead worker left."
    ),
    "campaigns-journeys-tick": _(
        "Journeys: each live journey's triggers and goals, then every due customer moved on step by step, and the "
        "journey e-mails sent."
    ),
    "campaigns-occasion-offers": _(
        "Occasion offers: the birthday and anniversary offer of each customer whose local morning has come, once a "
        "year per occasion."
    ),
    "campaigns-send-erasure-confirmations": _(
        "Privacy: the e-mails asking customers to confirm the erasure of their data, whose retry is due or whose "
        "worker died before sending them."
    ),
    "campaigns-send-form-confirmations": _(
        "Capture forms: confirmation e-mails whose retry is due or whose worker died before sending them."
    ),
    "customers-delete-unconfirmed-leads": _(
        "Capture forms: leads nobody confirmed in time are deleted with what they sent."
    ),
    "campaigns-retire-dkim-keys": _(
        "Sending domains: DKIM keys replaced long enough ago are retired (no longer listed for DNS, private key wiped)."
    ),
    "campaigns-expire-personal-fields": _(
        "Retention: old touches, campaign messages and delivery reports lose their personal fields."
    ),
    "campaigns-maintain-partitions": _(
        "On PostgreSQL: the monthly partitions of touches and website events for the months ahead are made, and "
        "months past their retention dropped."
    ),
    "aftersales-send-survey-invitations": _(
        "After-sales: survey links for the orders delivered a few days ago, mid-morning, when customers read their "
        "mail."
    ),
    "aftersales-poll-contact-mailbox": _(
        "The 24-hour contact line: new mail in the contact mailbox becomes tickets and gets its acknowledgement."
    ),
    "cycle-open-due-plan-reviews": _(
        "The plan: opens the six-monthly review of each plan whose review date has come, puts the plan under review "
        "and tells its owner."
    ),
    "customers-refresh-profiles": _(
        "Preparation: value tiers and lifecycle stages from the day's orders and touches, then every rule-based "
        "segment."
    ),
    "customers-refresh-segments": _(
        "Segments: the customers who changed since the last refresh are examined again, so audiences follow new "
        "orders, touches and consent within minutes."
    ),
    "customers-resume-import-jobs": _(
        "Customer import: background imports whose worker died are queued again from the top."
    ),
    "customers-delete-old-import-files": _(
        "Customer import: uploaded files whose preview was never applied are deleted, so personal data does not "
        "stay in storage."
    ),
    "cycle-refresh-dashboard-rollups": _(
        "Dashboards: the daily figures read what is new or changed since the last run, so the managers' pages stay "
        "a few minutes behind the tables."
    ),
    "cycle-refresh-recommendations": _(
        "Extension stage: “customers who bought this also bought” for the customers in extension, ready "
        "for the morning's e-mails."
    ),
    "hooks-deliver-webhooks": _(
        "Outgoing webhooks: the deliveries whose time has come: retries after their backoff and what a dead worker "
        "held."
    ),
    "api-delete-old-idempotency-keys": _("Housekeeping: the API's old Idempotency-Keys are deleted."),
    "orders-delete-old-shop-webhook-receipts": _("Housekeeping: the shops' old webhook delivery ids are deleted."),
    "taskruns-delete-old-runs": _("The jobs page: recorded runs older than the days kept are deleted."),
}

# What a job's return value counts, when it returns a bare number.
COUNT_WORDS = {
    "aftersales.tasks.check_late_shipments": lambda n: ngettext("%(n)d late shipment", "%(n)d late shipments", n),
    "aftersales.tasks.poll_contact_mailbox": lambda n: ngettext("%(n)d e-mail read", "%(n)d e-mails read", n),
    "aftersales.tasks.hand_over_waiting_chats": lambda n: ngettext(
        "%(n)d chat handed over", "%(n)d chats handed over", n
    ),
    "campaigns.tasks.start_due_campaigns": lambda n: ngettext("%(n)d campaign started", "%(n)d campaigns started", n),
    "campaigns.tasks.decide_experiments": lambda n: ngettext("%(n)d test decided", "%(n)d tests decided", n),
    "campaigns.tasks.send_occasion_offers": lambda n: ngettext("%(n)d offer sent", "%(n)d offers sent", n),
    "campaigns.tasks.retire_dkim_keys": lambda n: ngettext("%(n)d key retired", "%(n)d keys retired", n),
    "customers.tasks.delete_unconfirmed_leads": lambda n: ngettext("%(n)d lead deleted", "%(n)d leads deleted", n),
    "customers.tasks.refresh_segments": lambda n: ngettext("%(n)d segment refreshed", "%(n)d segments refreshed", n),
    "customers.tasks.resume_import_jobs": lambda n: ngettext(
        "%(n)d import queued again", "%(n)d imports queued again", n
    ),
    "customers.tasks.delete_old_import_files": lambda n: ngettext("%(n)d file deleted", "%(n)d files deleted", n),
    "cycle.tasks.open_due_plan_reviews": lambda n: ngettext("%(n)d review opened", "%(n)d reviews opened", n),
    "cycle.tasks.refresh_recommendations": lambda n: ngettext("%(n)d row written", "%(n)d rows written", n),
    "emarketing.api.tasks.delete_old_idempotency_keys": lambda n: ngettext(
        "%(n)d key deleted", "%(n)d keys deleted", n
    ),
    "orders.tasks.delete_old_shop_webhook_receipts": lambda n: ngettext(
        "%(n)d receipt deleted", "%(n)d receipts deleted", n
    ),
    "emarketing.taskruns.tasks.delete_old_task_runs": lambda n: ngettext("%(n)d run deleted", "%(n)d runs deleted", n),
}

# The words of the keys that the jobs' dicts use most; any other key is shown as it is.
KEY_WORDS = {
    "sent": _("sent"),
    "failed": _("failed"),
    "retried": _("retried"),
    "deferred": _("held back"),
    "created": _("created"),
    "entered": _("entered"),
    "moved": _("moved on"),
    "converted": _("converted"),
    "e-mails": _("e-mails"),
    "acknowledgements": _("acknowledgements"),
    "apologies": _("late-delivery e-mails"),
    "deleted": _("deleted"),
    "updated": _("updated"),
}
SUMMARY_ITEMS = 8  # at most this many figures of a dict


def _flat(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        items: list[tuple[str, Any]] = []
        for key, inner in value.items():
            name = str(KEY_WORDS.get(str(key), str(key)))
            items += _flat(inner, f"{prefix}{name} › " if isinstance(inner, dict) else f"{prefix}{name}")
        return items
    return [(prefix, value)]


def result_in_words(task_name: str, value: Any) -> str:
    """A run's return value as a manager reads it: "3 reviews opened", "sent: 12, failed: 1", "nothing"."""
    if value is None or value == {} or value == []:
        return gettext("nothing to report")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, int):
        words = COUNT_WORDS.get(task_name)
        return words(value) % {"n": value} if words else str(value)
    if isinstance(value, dict):
        items = _flat(value)
        shown = ", ".join(f"{name}: {inner}" for name, inner in items[:SUMMARY_ITEMS])
        return shown + (" …" if len(items) > SUMMARY_ITEMS else "")
    return str(value)


def duration_in_words(duration: dt.timedelta | None) -> str:
    if duration is None:
        return ""
    seconds = duration.total_seconds()
    if seconds < 60:
        return gettext("%(seconds)s s") % {"seconds": f"{seconds:.1f}"}
    minutes, rest = divmod(round(seconds), 60)
    return gettext("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": rest}


def _is_every(values: set[int], full: int) -> bool:
    return len(values) == full


def _step(values: list[int], size: int) -> tuple[int, int] | None:
    """(first, step) when ``values`` are first, first+step, … to the end of a range of ``size``."""
    if len(values) < 2:
        return None
    step = values[1] - values[0]
    if any(b - a != step for a, b in pairwise(values)) or values[0] >= step:
        return None
    if values[-1] + step < size:
        return None
    return values[0], step


def _parsed(when: crontab, part: str) -> set[int]:
    """The values a crontab field stands for (``*/15`` → {0, 15, 30, 45})."""
    return set(getattr(when, part))


def schedule_in_words(when: Any) -> str:
    """A beat entry's schedule in words: "every minute", "every 5 minutes, from minute 1", "every day at 04:30"."""
    if isinstance(when, crontab):
        minutes, hours = sorted(_parsed(when, "minute")), sorted(_parsed(when, "hour"))
        every_day = (
            _is_every(_parsed(when, "day_of_week"), 7)
            and _is_every(_parsed(when, "day_of_month"), 31)
            and _is_every(_parsed(when, "month_of_year"), 12)
        )
        if every_day and len(hours) == 24:
            if len(minutes) == 60:
                return gettext("every minute")
            if len(minutes) == 1:
                return gettext("every hour at minute %(minute)02d") % {"minute": minutes[0]}
            stepped = _step(minutes, 60)
            if stepped and stepped[0] == 0:
                return gettext("every %(step)d minutes") % {"step": stepped[1]}
            if stepped:
                return gettext("every %(step)d minutes, from minute %(first)d") % {
                    "step": stepped[1],
                    "first": stepped[0],
                }
        if every_day and len(minutes) == 1 and len(hours) == 1:
            return gettext("every day at %(time)s") % {"time": f"{hours[0]:02d}:{minutes[0]:02d}"}
        return gettext("cron: %(expression)s") % {
            "expression": " ".join(
                str(getattr(when, f"_orig_{part}"))
                for part in ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
            )
        }
    if isinstance(when, schedule):
        every: dt.timedelta = when.run_every  # type: ignore[attr-defined]
        return gettext("every %(seconds)d seconds") % {"seconds": int(every.total_seconds())}
    if isinstance(when, int | float | dt.timedelta):
        seconds = when.total_seconds() if isinstance(when, dt.timedelta) else when
        return gettext("every %(seconds)d seconds") % {"seconds": int(seconds)}
    return str(when)
