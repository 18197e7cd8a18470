"""Retention over N touches, and the right-of-access export of one customer with many touches.

    .venv/bin/python bench/retention.py                    # 1,000,000 touches, one customer with 100,000
    .venv/bin/python bench/retention.py --touches 200000 --mine 20000

Half the touches are older than PRIVACY_RETENTION_DAYS (spread over the two years before the cut-off), half
younger; every one carries a user agent, a referrer and a detail. Timed: the first run (which blanks the old
half), a second run (which finds nothing to blank and only walks the ids), then the JSON and CSV exports of the
customer who owns ``--mine`` of the touches, and their peak Python memory (tracemalloc, in a second run). Uses a
throwaway SQLite database under var/bench unless DATABASE_URL is set. Last line:
``RETENTION: <seconds> s first run (details)``.
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
from campaigns.services.retention import retention_apply  # noqa: E402
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
    owner = build(args.touches, args.mine)
    first_s, first = timed(retention_apply)
    second_s, second = timed(retention_apply)
    blanked = first.blanked["touches"]
    assert blanked == (args.touches + 1) // 2, blanked
    assert second.blanked["touches"] == 0
    json_s, json_peak, json_size = export(owner, JSON)
    csv_s, csv_peak, csv_size = export(owner, CSV)
    batch = settings.PRIVACY_RETENTION_BATCH_SIZE
    print(
        f"retention, first run: {first_s:.1f} s ({blanked:,} of {args.touches:,} touches blanked, batches of {batch})"
    )
    print(f"retention, second run: {second_s:.1f} s (nothing left to blank)")
    mb = 2**20
    print(
        f"export of {args.mine:,} touches: JSON {json_s:.1f} s, {json_size / mb:.1f} MB, peak {json_peak / mb:.1f} MB"
    )
    print(
        f"export of {args.mine:,} touches: CSV zip {csv_s:.1f} s, {csv_size / mb:.1f} MB, peak {csv_peak / mb:.1f} MB"
    )
    print(
        f"RETENTION: {first_s:.1f} s first run ({args.touches:,} touches on {connection.vendor}; second run "
        f"{second_s:.1f} s; export of {args.mine:,} touches JSON {json_s:.1f} s / CSV {csv_s:.1f} s, "
        f"peak memory {max(json_peak, csv_peak) / 2**20:.1f} MB)"
    )


if __name__ == "__main__":
    main()
