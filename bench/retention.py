"""Retention over N touches against one plain UPDATE per table, and the right-of-access export of one customer
with many touches.

    .venv/bin/python bench/retention.py                    # 1,000,000 touches, one customer with 100,000
    .venv/bin/python bench/retention.py --touches 200000 --mine 20000

Half the touches are older than PRIVACY_RETENTION_DAYS (spread over the two years before the cut-off), half
younger; every one carries a user agent, a referrer and a detail. Right after they are built, the touch table is
copied aside. Timed, in this order:

1. the job (``retention_apply``), which blanks the old half in batches of PRIVACY_RETENTION_BATCH_SIZE ids, one
   short transaction each; then a second run of it, which finds nothing to blank and only walks the ids;
2. the touch table put back as it was built (emptied and filled from the copy, untimed), then the **baseline**:
   one plain ``UPDATE`` per table of ``campaigns.services.retention.EXPIRIES`` over the whole old range at once
   (``Touch.objects.filter(occurred_at__lt=cutoff).update(user_agent="", referrer="", detail="")``, and the same
   for messages, occasion offers and delivery reports), the naive way, which holds one long transaction (on
   SQLite the database's only write lock) for the whole table.

Both sides meet the same rows in the same state: freshly written and never updated, as rows are when they age out
(on PostgreSQL a row updated once before has left room on its page, where its next version can be written without
new index entries: refilling the fields between the sides instead made the second one's rows much faster to blank).
On PostgreSQL the table is vacuumed and analysed before each side, as autovacuum would after a bulk load. Both must
blank the same rows. The ratio is the job's first run over the baseline: what the short transactions cost in time.
The job's longest transaction (one batch) is timed too; the baseline's is its whole run. Then the JSON and CSV
exports of the customer who owns ``--mine`` of the touches, and their peak Python memory (tracemalloc, in a second
run). Uses a throwaway SQLite database under var/bench unless DATABASE_URL is set. Last line:
``RETENTION: <ratio> x the time of one UPDATE per table (details)``.
"""

import argparse
import datetime as dt
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench' / 'retention.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from campaigns.models import Campaign, Touch  # noqa: E402
from campaigns.services import retention  # noqa: E402
from campaigns.services.retention import EXPIRIES, retention_apply, retention_cutoff  # noqa: E402
from customers.access import CSV, JSON, personal_data_file  # noqa: E402
from customers.models import Customer  # noqa: E402

AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"


def build(total, mine, batch=20_000):
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    now = timezone.now()
    cutoff = now - dt.timedelta(days=settings.PRIVACY_RETENTION_DAYS)
    owner = Customer.objects.create(first_name="زهرا", last_name="محمدی", email="zahra@bench.example")
    others = Customer.objects.bulk_create(
        [Customer(first_name=f"C{i}", email=f"c{i}@bench.example") for i in range(1000)], batch_size=1000
    )
    ids = [c.pk for c in others]
    campaign = Campaign.objects.create(name="Bench")
    made = 0
    while made < total:
        rows = []
        for i in range(made, min(total, made + batch)):
            old = i % 2 == 0
            when = cutoff - dt.timedelta(minutes=i) if old else now - dt.timedelta(minutes=i % 500_000)
            rows.append(
                Touch(
                    customer_id=owner.pk if i < mine else ids[i % len(ids)],
                    campaign_id=campaign.pk,
                    step="information",
                    kind="click",
                    source="email",
                    occurred_at=when,
                    user_agent=AGENT,
                    referrer="https://mail.example.com/inbox",
                    detail=f"https://shop.example.com/tea?utm_content={i}",
                )
            )
        Touch.objects.bulk_create(rows, batch_size=5000)
        made += len(rows)
    return owner


def timed(work):
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


class LongestBatch:
    """Times each of the job's batches (``expired_fields_blank``, one transaction each) and keeps the longest."""

    def __init__(self):
        self.longest = 0.0
        self.inner = retention.expired_fields_blank

    def __call__(self, **kwargs):
        seconds, rows = timed(lambda: self.inner(**kwargs))
        self.longest = max(self.longest, seconds)
        return rows


COPY = "bench_retention_touch_copy"


def copy_aside():
    """Keep a copy of the touch table as built."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {COPY}")
        cursor.execute(f"CREATE TABLE {COPY} AS SELECT * FROM {Touch._meta.db_table}")


def put_back():
    """Empty the touch table and fill it from the copy (same ids, same values, rows never updated); drop the copy.
    On PostgreSQL the foreign keys are not checked again for this (the rows were checked when built)."""
    table = Touch._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {table}")
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(f"INSERT INTO {table} SELECT * FROM {COPY}")
            cursor.execute("SET session_replication_role = DEFAULT")
        else:
            cursor.execute(f"DELETE FROM {table}")
            cursor.execute(f"INSERT INTO {table} SELECT * FROM {COPY}")
        cursor.execute(f"DROP TABLE {COPY}")


def settle():
    """On PostgreSQL, vacuum and analyse the touch table (dead rows of the last side gone, statistics fresh)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Touch._meta.db_table}")


def one_update_per_table(cutoff):
    """The baseline: every old row of each table blanked by one plain ``UPDATE`` (its own long transaction)."""
    return {
        table: expiry.model._default_manager.filter(**{f"{expiry.stamp}__lt": cutoff}).update(
            **dict.fromkeys(expiry.fields, "")
        )
        for table, expiry in EXPIRIES.items()
    }


def export(owner, fmt):
    """Seconds, peak Python memory and size of one export: timed alone, then run again under tracemalloc (which
    slows Python several times over) for the memory."""
    seconds, exported = timed(lambda: personal_data_file(customer=owner, fmt=fmt))
    exported.file.seek(0, 2)
    size = exported.file.tell()
    exported.file.close()
    tracemalloc.start()
    personal_data_file(customer=owner, fmt=fmt).file.close()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak, size


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--touches", type=int, default=1_000_000)
    parser.add_argument("--mine", type=int, default=100_000)
    args = parser.parse_args()
    print(f"database: {connection.vendor}; building {args.touches:,} touches…", flush=True)
    started = time.perf_counter()
    owner = build(args.touches, args.mine)
    copy_aside()
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    old = (args.touches + 1) // 2
    batches = LongestBatch()
    retention.expired_fields_blank = batches
    settle()
    first_s, first = timed(retention_apply)
    second_s, second = timed(retention_apply)
    retention.expired_fields_blank = batches.inner
    assert first.blanked["touches"] == old, first.blanked
    assert second.blanked["touches"] == 0
    started = time.perf_counter()
    put_back()
    print(f"touches put back as built in {time.perf_counter() - started:.0f} s", flush=True)
    settle()
    cutoff = retention_cutoff()
    base_s, base = timed(lambda: one_update_per_table(cutoff))
    assert base["touches"] == old, base
    json_s, json_peak, json_size = export(owner, JSON)
    csv_s, csv_peak, csv_size = export(owner, CSV)
    batch = settings.PRIVACY_RETENTION_BATCH_SIZE
    ratio = first_s / base_s
    print(
        f"retention, first run: {first_s:.2f} s ({old:,} of {args.touches:,} touches blanked, batches of {batch}; "
        f"longest batch {batches.longest * 1000:.0f} ms)"
    )
    print(f"retention, second run: {second_s:.2f} s (nothing left to blank)")
    print(
        f"baseline, one UPDATE per table over the old range: {base_s:.2f} s ({old:,} touches blanked in one "
        f"transaction) = the job takes {ratio:.2f} x its time"
    )
    mb = 2**20
    print(
        f"export of {args.mine:,} touches: JSON {json_s:.1f} s, {json_size / mb:.1f} MB, peak {json_peak / mb:.1f} MB"
    )
    print(
        f"export of {args.mine:,} touches: CSV zip {csv_s:.1f} s, {csv_size / mb:.1f} MB, peak {csv_peak / mb:.1f} MB"
    )
    print(
        f"RETENTION: {ratio:.2f} x the time of one UPDATE per table (job {first_s:.2f} s in batches of {batch}, "
        f"longest transaction {batches.longest * 1000:.0f} ms, vs one UPDATE {base_s:.2f} s in one transaction; "
        f"{old:,} of {args.touches:,} touches blanked on {connection.vendor}; second run {second_s:.2f} s; export "
        f"of {args.mine:,} touches JSON {json_s:.1f} s / CSV {csv_s:.1f} s, peak memory "
        f"{max(json_peak, csv_peak) / mb:.1f} MB)"
    )


if __name__ == "__main__":
    main()
