"""The Celery application and, in one place, every periodic job of the cycle."""

import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.local")

app = Celery("emarketing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _filesystem_broker_folders(sender: Celery, **kwargs: object) -> None:
    """The embedded broker keeps messages in folders: make them before the first message is sent."""
    options = sender.conf.broker_transport_options or {}
    if str(sender.conf.broker_url).startswith("filesystem://"):
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            if options.get(key):
                Path(options[key]).mkdir(parents=True, exist_ok=True)


app.conf.beat_schedule = {
    # The loop: after-sales feedback (surveys, tickets, reviews) becomes needs and scores in preparation.
    # New feedback also triggers it at once; this tick catches anything a crash or a restart left behind.
    "cycle-feedback-loop": {
        "task": "cycle.tasks.run_feedback_loop",
        "schedule": crontab(minute="*/15"),
    },
    # Transfer: every hour, shipments past their promised date get one e-mail to the customer and a ticket
    # opened for them, before the customer has to ask.
    "aftersales-check-late-shipments": {
        "task": "aftersales.tasks.check_late_shipments",
        "schedule": crontab(minute=5),
    },
    # The contact line's own mail (acknowledgements, late-delivery e-mails) is sent as soon as it is queued;
    # every five minutes this sends those whose retry is due or whose worker died before sending them.
    "aftersales-hand-over-waiting-chats": {
        # Live chat: every minute, conversations no one answered within CHAT_ANSWER_TIMEOUT_SECONDS (and those
        # still waiting when working hours end) become contact-line tickets, and their customers are told by e-mail.
        "task": "aftersales.tasks.hand_over_waiting_chats",
        "schedule": crontab(),
    },
    "aftersales-send-contact-line-mail": {
        "task": "aftersales.tasks.send_contact_line_mail",
        "schedule": crontab(minute="*/5"),
    },
    # Communication: every minute, start the scheduled campaigns whose time has come (a row lock makes two
    # ticks start a campaign once), and pick up sending campaigns with retries due or a worker that died.
    "campaigns-start-due": {
        "task": "campaigns.tasks.start_due_campaigns",
        "schedule": crontab(),
    },
    # A/B tests: every five minutes, decide the tests whose time is up and send the rest of their audience the
    # winner (once: a decided test is never decided again, and nobody can be listed twice in a campaign).
    "campaigns-decide-experiments": {
        "task": "campaigns.tasks.decide_experiments",
        "schedule": crontab(minute="1-59/5"),
    },
    # SMS: every minute, single messages (journeys' steps) and occasion offers by SMS whose time has come: retries,
    # messages held back by the quiet hours, and what a dead worker left (new ones are sent as soon as queued).
    "campaigns-send-sms": {
        "task": "campaigns.tasks.send_sms",
        "schedule": crontab(),
    },
    # Journeys: every minute, each live journey's scheduled triggers and goals, then every due customer moved on
    # step by step in bulk SQL (a row lock per step keeps two ticks from doing it twice), and the journey e-mails
    # listed sent. Every minute because "wait until 10:00" and the end of quiet hours are read to the minute.
    "campaigns-journeys-tick": {
        "task": "campaigns.tasks.journeys_tick",
        "schedule": crontab(),
    },
    # Occasion offers: the daily birthday/anniversary offer, checked every hour at :20 because each time zone
    # reaches its local morning (CAMPAIGNS_OCCASION_LOCAL_HOUR) at a different hour; one offer per occasion
    # and year is kept by the database, so the 24 checks of a day send each customer's offer once.
    "campaigns-occasion-offers": {
        "task": "campaigns.tasks.send_occasion_offers",
        "schedule": crontab(minute=20),
    },
    # Privacy: the e-mails that ask customers to confirm the erasure of their data go as soon as one is asked for;
    # every five minutes this sends those whose retry is due or whose worker died before sending them.
    "campaigns-send-erasure-confirmations": {
        "task": "campaigns.tasks.send_erasure_confirmations",
        "schedule": crontab(minute="2-59/5"),
    },
    # Capture forms: their confirmation e-mails go as soon as a form is sent; every five minutes this sends those
    # whose retry is due or whose worker died before sending them.
    "campaigns-send-form-confirmations": {
        "task": "campaigns.tasks.send_form_confirmations",
        "schedule": crontab(minute="3-59/5"),
    },
    # Capture forms: every night at 03:35, the leads nobody confirmed within FORMS_UNCONFIRMED_DAYS are deleted
    # with what they sent (a day late at most is fine: the link stops working on time by itself).
    "customers-delete-unconfirmed-leads": {
        "task": "customers.tasks.delete_unconfirmed_leads",
        "schedule": crontab(hour=3, minute=35),
    },
    # Sending domains: every day, DKIM keys replaced more than DKIM_KEY_RETIRE_DAYS ago are retired (no longer
    # listed for DNS, private key wiped); daily is enough for a grace period counted in days. At 04:40, away from
    # the night's profile and recommendation jobs; a second run finds nothing to do.
    "campaigns-retire-dkim-keys": {
        "task": "campaigns.tasks.retire_dkim_keys",
        "schedule": crontab(hour=4, minute=40),
    },
    # Retention: every night, touches, campaign messages and delivery reports older than PRIVACY_RETENTION_DAYS
    # lose their personal fields (user agent, referrer, what a visitor typed, error texts and addresses); daily
    # is enough for an age counted in days. At 04:10, after the night's profile and recommendation jobs and before
    # the DKIM retirement; a second run finds nothing left to blank.
    "campaigns-expire-personal-fields": {
        "task": "campaigns.tasks.expire_personal_fields",
        "schedule": crontab(hour=4, minute=10),
    },
    # On PostgreSQL: the monthly partitions of touches (and website events) for the months ahead, and whole months
    # past TOUCH_RETENTION_MONTHS dropped. Daily, so a month is made weeks before its first row; nothing on SQLite.
    "campaigns-maintain-partitions": {
        "task": "campaigns.tasks.maintain_partitions",
        "schedule": crontab(hour=3, minute=50),
    },
    # After-sales: every day, survey links for orders delivered SURVEY_DELAY_DAYS ago; mid-morning, when
    # customers read their mail.
    "aftersales-send-survey-invitations": {
        "task": "aftersales.tasks.send_survey_invitations",
        "schedule": crontab(hour=9, minute=30),
    },
    # The 24-hour contact line: every minute, new mail in the contact mailbox (IMAP_URL) becomes tickets and
    # gets its acknowledgement; it does nothing while IMAP_URL is unset.
    "aftersales-poll-contact-mailbox": {
        "task": "aftersales.tasks.poll_contact_mailbox",
        "schedule": crontab(),
    },
    # The plan: every morning, open the six-monthly review of each plan whose review date has come, put the
    # plan under review and tell its owner; early, so the owner finds the notice at the start of the day.
    "cycle-open-due-plan-reviews": {
        "task": "cycle.tasks.open_due_plan_reviews",
        "schedule": crontab(hour=6, minute=10),
    },
    # Preparation: every night, value tiers and lifecycle stages from the day's orders and touches, then every
    # rule-based segment; at night because it walks every customer once, before the morning's campaigns.
    "customers-refresh-profiles": {
        "task": "customers.tasks.refresh_customer_profiles",
        "schedule": crontab(hour=2, minute=15),
    },
    # Segments: every ten minutes, only the customers who changed since the last refresh are re-examined, so
    # audiences follow new orders, touches and consent within minutes at the cost of a few small queries.
    "customers-refresh-segments": {
        "task": "customers.tasks.refresh_segments",
        "schedule": crontab(minute="*/10"),
    },
    # Customer import: every hour, uploaded files whose preview was never applied are deleted once older than
    # CUSTOMER_IMPORT_KEEP_HOURS, so customers' personal data does not stay in storage; applied files are
    # deleted by the import itself. At :45, away from the other hourly jobs.
    # Background imports whose worker died are queued again once their progress is IMPORT_JOB_STALE_SECONDS old
    # (a run is all or nothing, so the new run starts from the top).
    "customers-resume-import-jobs": {
        "task": "customers.tasks.resume_import_jobs",
        "schedule": crontab(minute="*/5"),
    },
    "customers-delete-old-import-files": {
        "task": "customers.tasks.delete_old_import_files",
        "schedule": crontab(minute=45),
    },
    # Dashboards: every ten minutes, the daily rollups (touches, orders, payments, deliveries, tickets, surveys,
    # tier and stage changes) read only what is new or changed since the last run, so the managers' pages stay
    # a few minutes behind the tables without ever scanning them; `rebuild_dashboard_rollups` recomputes all.
    "cycle-refresh-dashboard-rollups": {
        "task": "cycle.tasks.refresh_dashboard_rollups",
        "schedule": crontab(minute="3-59/10"),
    },
    # Extension stage: every night after the tiers and stages (02:15), "customers who bought this also bought"
    # for the customers in extension, ready for the morning's e-mails.
    "cycle-refresh-recommendations": {
        "task": "cycle.tasks.refresh_recommendations",
        "schedule": crontab(hour=3, minute=0),
    },
    # Outgoing webhooks: every minute, post the deliveries whose time has come: retries after their backoff, those
    # a dead worker held once its claim ran out, and any whose nudge after commit was lost. Events are otherwise
    # posted as soon as they are committed.
    "hooks-deliver-webhooks": {
        "task": "emarketing.hooks.tasks.deliver_webhooks",
        "schedule": crontab(),
    },
    # Housekeeping every night: the API's Idempotency-Keys past API_IDEMPOTENCY_KEEP_HOURS and the shops' webhook
    # delivery ids past SHOP_WEBHOOK_RECEIPTS_KEEP_DAYS (both only answer repeats, which stop long before).
    "api-delete-old-idempotency-keys": {
        "task": "emarketing.api.tasks.delete_old_idempotency_keys",
        "schedule": crontab(hour=4, minute=20),
    },
    "orders-delete-old-shop-webhook-receipts": {
        "task": "orders.tasks.delete_old_shop_webhook_receipts",
        "schedule": crontab(hour=4, minute=25),
    },
    # The jobs page: every night at 04:30, the recorded runs of these jobs older than TASK_RUNS_KEEP_DAYS are deleted,
    # so the record stays the size of a few weeks of runs.
    "taskruns-delete-old-runs": {
        "task": "emarketing.taskruns.tasks.delete_old_task_runs",
        "schedule": crontab(hour=4, minute=30),
    },
}
