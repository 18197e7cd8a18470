"""Journeys: the set-based tick vs a per-customer loop, with a million customers inside a five-step journey.

    .venv/bin/python bench/journeys.py                       # 1,000,000 customers (PostgreSQL, bench_journeys)
    .venv/bin/python bench/journeys.py --customers 100000    # smaller
    .venv/bin/python bench/journeys.py --sample 2000         # customers the per-customer loop moves (scaled)

Every customer is enrolled in a five-step journey (welcome e-mail → wait a day → "opened a journey e-mail?" →
reminder e-mail → mark "at risk"; those who opened finish after the condition), then waits at the second step. A
tenth of the customers (at most 100,000) is made due, a tenth of those having opened the welcome. Timed:

- the enrolment of everyone (one ``INSERT … SELECT`` and the first step reached);
- the per-customer loop a job would naively write over ``--sample`` due customers: for each, read its step,
  evaluate the condition with a query of its own, write the passage, the e-mail and the flag, save the enrolment,
  one transaction per customer; scaled to all the due customers (its cost per customer is constant);
- the tick (``journeys_tick``) over 10% of the due customers, then over all of them: each step moved in bulk SQL.

Peak memory (``ru_maxrss``) is read after each tick: flat means the tick of ten times the customers costs no more.
Both sides must leave the same result (passages, e-mails, flags) for the customers they moved.

Needs PostgreSQL: DATABASE_URL, or postgres://postgres@127.0.0.1:5432/bench_journeys (made if missing).
Last line: ``journeys: RATIO x (details)`` with RATIO the tick's speed-up over the loop.
"""

import argparse
import datetime as dt
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_journeys")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from campaigns.journeys.engine import journeys_tick  # noqa: E402
from campaigns.journeys.enrol import journey_enrol  # noqa: E402
from campaigns.journeys.versions import journey_set_status, journey_steps_save  # noqa: E402
from campaigns.models import (  # noqa: E402
    INSIDE,
    Campaign,
    Creative,
    Enrolment,
    EnrolmentState,
    Journey,
    JourneyMessage,
    JourneyPassage,
    JourneyStatus,
    MessageStatus,
    Touch,
    TouchKind,
)
from customers.models import Consent, ConsentChannel, Customer  # noqa: E402

ZONES = ["UTC", "Asia/Tehran", "Asia/Riyadh", "Europe/London", "America/New_York"]


def log(message):
    print(message, flush=True)


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ensure_database():
    from django.db.utils import OperationalError

    try:
        connection.ensure_connection()
    except OperationalError:
        import psycopg2

        db = connection.settings_dict
        pg = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres")
        pg.autocommit = True
        with pg.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
        pg.close()
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)


def make_customers(n):
    """``n`` customers and their e-mail consent, made by the database (generate_series): nothing in Python."""
    columns, values, params = [], [], []
    generated = {
        "first_name": "'C' || g",
        "email": "'c' || g || '@example.com'",
        "time_zone": f"(ARRAY[{', '.join(repr(z) for z in ZONES)}])[mod(g, {len(ZONES)}) + 1]",
    }
    now = timezone.now()
    for field in Customer._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in generated:
            values.append(generated[field.name])
            continue
        default = field.get_default()
        if field.name in ("created_at", "updated_at"):
            default = now
        values.append("%s")
        params.append(field.get_db_prep_save(default, connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Customer._meta.db_table} ({', '.join(columns)})"
            f" SELECT {', '.join(values)} FROM generate_series(1, %s) g",
            [*params, n],
        )
        cursor.execute(
            f"INSERT INTO {Consent._meta.db_table} (customer_id, channel, granted, updated_at)"
            " SELECT id, %s, true, %s FROM customers_customer",
            [ConsentChannel.EMAIL, now],
        )
        # The customers' tables only: an empty enrolment table analysed as empty would make PostgreSQL check the
        # foreign keys of the first million enrolments by scanning it (see docs/journeys.md).
        cursor.execute(f"ANALYZE {Customer._meta.db_table}, {Consent._meta.db_table}")


def five_step_journey():
    welcome = Campaign.objects.create(name="Welcome")
    reminder = Campaign.objects.create(name="Reminder")
    for campaign in (welcome, reminder):
        Creative.objects.create(campaign=campaign, name=campaign.name, subject=campaign.name, html_body="<p>Hi</p>")
    journey = Journey.objects.create(name="Bench", trigger="manual")
    journey_steps_save(
        journey=journey,
        steps=[
            {"key": "hello", "kind": "email", "params": {"campaign": welcome.pk}, "next": ["pause"]},
            {"key": "pause", "kind": "wait", "params": {"days": 1}, "next": ["opened"]},
            {"key": "opened", "kind": "condition", "params": {"condition": "opened"}, "next": ["", "nudge"]},
            {"key": "nudge", "kind": "email", "params": {"campaign": reminder.pk}, "next": ["tag"]},
            {"key": "tag", "kind": "action", "params": {"action": "flag_set", "field": "at_risk"}, "next": []},
        ],
    )
    journey_set_status(journey=journey, status=JourneyStatus.LIVE)
    journey.refresh_from_db()
    return journey, welcome


def make_due(count, now, *, offset):
    """``count`` waiting enrolments (from id ``offset`` on, in id order) made due now; a tenth opened the welcome."""
    ids = Enrolment.objects.filter(state=EnrolmentState.WAITING).order_by("id").values_list("id", flat=True)
    low = ids[offset]
    high = ids[offset + count - 1]
    chosen = Enrolment.objects.filter(id__gte=low, id__lte=high, state=EnrolmentState.WAITING)
    chosen.update(due_at=now - dt.timedelta(minutes=1))
    return chosen, (low, high)


def open_some(bounds, campaign, now):
    """One in ten of the enrolments between ``bounds`` opened the welcome (a person's open touch)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Touch._meta.db_table} (customer_id, campaign_id, step, kind, source, occurred_at,"
            " is_automated, agent, user_agent, referrer, detail)"
            " SELECT customer_id, %s, 'attention', %s, 'email', %s, false, 'person', '', '', ''"
            f" FROM {Enrolment._meta.db_table} WHERE id BETWEEN %s AND %s AND mod(id, 10) = 0",
            [campaign.pk, TouchKind.EMAIL_OPEN, now, *bounds],
        )


def per_customer_loop(ids, now):
    """The naive job: one customer at a time, one transaction each, a query per question."""
    from campaigns.models import JourneyStep

    steps = {s.key: s for s in JourneyStep.objects.filter(version__journey__name="Bench")}
    for enrolment_id in ids:
        with transaction.atomic():
            e = Enrolment.objects.select_related("step").get(pk=enrolment_id)
            while e.state in INSIDE and e.due_at <= now:
                key = e.step.key
                if key == "pause":
                    nxt = steps["opened"]
                elif key == "opened":
                    sent = JourneyMessage.objects.filter(enrolment=e).values("campaign_id")
                    opened = Touch.objects.filter(
                        customer_id=e.customer_id,
                        kind=TouchKind.EMAIL_OPEN,
                        is_automated=False,
                        occurred_at__gte=e.entered_at,
                        campaign_id__in=sent,
                    ).exists()
                    nxt = None if opened else steps["nudge"]
                elif key == "nudge":
                    customer = Customer.objects.get(pk=e.customer_id)
                    consent = Consent.objects.filter(customer=customer, channel="email", granted=True).exists()
                    if consent and not customer.suppressed and customer.email:
                        JourneyMessage.objects.get_or_create(
                            enrolment=e,
                            step=e.step,
                            defaults={"customer": customer, "campaign_id": e.step.params["campaign"]},
                        )
                    nxt = steps["tag"]
                else:  # tag
                    Customer.objects.filter(pk=e.customer_id).update(at_risk=True)
                    nxt = None
                if nxt is None:
                    e.step, e.state, e.ended_at = None, EnrolmentState.DONE, now
                else:
                    JourneyPassage.objects.get_or_create(enrolment=e, step=nxt, defaults={"at": now})
                    e.step, e.step_at, e.due_at, e.state = nxt, now, now, EnrolmentState.ACTIVE
                e.save()


def outcome(low, high):
    """What a range of enrolments ended with: passages per enrolment, e-mails of the reminder, flags."""
    rows = Enrolment.objects.filter(id__gte=low, id__lte=high)
    return {
        "done": rows.filter(state=EnrolmentState.DONE).count(),
        "passages": JourneyPassage.objects.filter(enrolment_id__gte=low, enrolment_id__lte=high).count(),
        "reminders": JourneyMessage.objects.filter(
            enrolment_id__gte=low, enrolment_id__lte=high, step__key="nudge"
        ).count(),
        "flagged": Customer.objects.filter(
            at_risk=True, journey_enrolments__id__gte=low, journey_enrolments__id__lte=high
        )
        .distinct()
        .count(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/journeys.py needs PostgreSQL (DATABASE_URL).")
    settings.CAMPAIGNS_QUIET_HOURS_START = settings.CAMPAIGNS_QUIET_HOURS_END = "00:00"  # measured apart
    ensure_database()
    n = args.customers
    due = min(100_000, n // 10)
    small = due // 10
    log(f"journeys: {n:,} customers, {due:,} due, per-customer loop on {args.sample:,}")

    rss_start = rss_mb()
    started = time.perf_counter()
    make_customers(n)
    log(f"  customers made in {time.perf_counter() - started:.1f} s")
    journey, welcome = five_step_journey()
    now = timezone.now()
    started = time.perf_counter()
    entered = journey_enrol(journey=journey, customers=Customer.objects.values("pk"), now=now)
    enrol_s = time.perf_counter() - started
    log(f"  enrolment of {entered:,} customers: {enrol_s:.1f} s")
    # Everyone receives the welcome and waits a day (the first tick, timed too: a million through one step).
    started = time.perf_counter()
    first = journeys_tick(now=now)
    first_s = time.perf_counter() - started
    rss_first = rss_mb()
    log(
        f"  first tick: {first.moved:,} moved, {first.messages:,} e-mails listed in {first_s:.1f} s;"
        f" peak RSS {rss_start:.0f} → {rss_first:.0f} MB"
    )
    JourneyMessage.objects.update(status=MessageStatus.SENT, sent_at=now)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum would have done by the next day
    later = now + dt.timedelta(hours=1)

    # The loop's customers, then the tick's: same state, same journey, same step.
    loop_rows, (loop_low, loop_high) = make_due(args.sample, later, offset=0)
    open_some((loop_low, loop_high), welcome, now)
    loop_ids = list(loop_rows.order_by("id").values_list("id", flat=True))
    started = time.perf_counter()
    per_customer_loop(loop_ids, later)
    loop_s = time.perf_counter() - started
    per_customer = loop_s / len(loop_ids)
    log(f"  per-customer loop: {len(loop_ids):,} in {loop_s:.1f} s ({per_customer * 1000:.2f} ms each)")

    _rows, (small_low, small_high) = make_due(small, later, offset=0)
    open_some((small_low, small_high), welcome, now)
    rss_before = rss_mb()
    started = time.perf_counter()
    tick_small = journeys_tick(now=later)
    small_s = time.perf_counter() - started
    rss_small = rss_mb()
    log(f"  tick over {small:,} due: {small_s:.2f} s, {tick_small.moved:,} moves; peak RSS {rss_small:.0f} MB")

    _rows, (big_low, big_high) = make_due(due, later, offset=0)
    open_some((big_low, big_high), welcome, now)
    started = time.perf_counter()
    tick_big = journeys_tick(now=later)
    big_s = time.perf_counter() - started
    rss_big = rss_mb()
    log(f"  tick over {due:,} due: {big_s:.2f} s, {tick_big.moved:,} moves; peak RSS {rss_big:.0f} MB")

    loop_result = outcome(loop_low, loop_high)
    tick_result = outcome(big_low, big_high)
    per_enrolment = {k: round(v / len(loop_ids), 3) for k, v in loop_result.items()}
    per_enrolment_tick = {k: round(v / due, 3) for k, v in tick_result.items()}
    log(f"  loop left per customer {per_enrolment}; the tick {per_enrolment_tick}")
    if loop_result["done"] != len(loop_ids) or tick_result["done"] != due:
        sys.exit("not everyone due finished")
    if abs(per_enrolment["passages"] - per_enrolment_tick["passages"]) > 0.01:
        sys.exit("the loop and the tick did not walk the same steps")
    loop_scaled = per_customer * due
    ratio = loop_scaled / big_s
    log(
        f"  per-customer loop scaled to {due:,}: {loop_scaled:.0f} s; tick {big_s:.1f} s; "
        f"memory {rss_before:.0f} → {rss_small:.0f} → {rss_big:.0f} MB"
    )
    print(
        f"journeys: {ratio:.1f}x (tick over {due:,} due of {n:,}: {big_s:.1f} s vs loop {loop_scaled:.0f} s scaled; "
        f"10x fewer: {small_s:.1f} s; enrolment {enrol_s:.1f} s, first tick {first_s:.1f} s; "
        f"peak RSS {rss_small:.0f} → {rss_big:.0f} MB)"
    )


if __name__ == "__main__":
    main()
