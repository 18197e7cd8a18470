"""The website events' writer against the touches' writer, batch by batch, as a consumer calls them.

    .venv/bin/python bench/website_events.py              # 50,000 events of each
    .venv/bin/python bench/website_events.py --events 10000

The same number of entries goes through each writer in batches of EVENTS_BATCH_SIZE: the **baseline** is the
``touches`` stream's writer (``touches_write_events``, one touch per entry: e-mail opens of known customers); then
the ``web`` stream's writer (``web_events_write``) with anonymous visitors (one event per entry, plus the visitors'
upsert), and with known customers (one event and one touch per entry, a search in ten finding nothing). Each
side writes into tables emptied before it. Uses a throwaway SQLite database under var/bench unless DATABASE_URL
is set. Last line: ``WEBSITE_EVENTS: <ratio> x the touches' writer (details)``, the ratio being the known
customers' run (twice the rows) over the baseline.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench' / 'website_events.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from campaigns.models import Touch, TouchKind, TouchSource, Visitor, WebEvent  # noqa: E402
from campaigns.services.tracking import touch_event, touches_write_events  # noqa: E402
from campaigns.services.website import web_event, web_events_write  # noqa: E402
from customers.models import Customer, Need  # noqa: E402

AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def _empty() -> None:
    Touch.objects.all().delete()
    WebEvent.objects.all().delete()
    Visitor.objects.all().delete()
    Need.objects.all().delete()


def _timed(writer, entries, batch: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(entries), batch):
        writer(entries[i : i + batch])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    n, batch = args.events, settings.EVENTS_BATCH_SIZE
    customers = list(Customer.objects.values_list("pk", flat=True)[:1000])
    if len(customers) < 1000:
        Customer.objects.bulk_create(
            [Customer(email=f"bench-web-{i}@example.com", first_name="Bench") for i in range(1000 - len(customers))]
        )
        customers = list(Customer.objects.values_list("pk", flat=True)[:1000])

    _empty()
    touches = [
        touch_event(
            kind=TouchKind.EMAIL_OPEN, source=TouchSource.EMAIL, customer_id=customers[i % 1000], user_agent=AGENT
        )
        for i in range(n)
    ]
    baseline = _timed(touches_write_events, touches, batch)
    assert Touch.objects.count() == n

    _empty()
    anonymous = [
        web_event(
            raw={"kind": "product_view", "url": "https://shop.example/p/1", "ref": f"SKU-{i % 300}"},
            visitor_id=f"visitor-{i % 5000:06d}",
        )
        for i in range(n)
    ]
    anonymous_time = _timed(web_events_write, anonymous, batch)
    assert WebEvent.objects.count() == n

    _empty()
    known = [
        web_event(
            raw={"kind": "search", "q": f"query {i % 50}", "results": 0}
            if i % 10 == 0
            else {"kind": "product_view", "url": "https://shop.example/p/1", "ref": f"SKU-{i % 300}"},
            visitor_id=f"visitor-{i % 1000:06d}",
            customer_id=customers[i % 1000],
        )
        for i in range(n)
    ]
    known_time = _timed(web_events_write, known, batch)
    assert WebEvent.objects.count() == n and Touch.objects.count() == n
    _empty()

    rate = lambda seconds: f"{n / seconds:,.0f}/s"  # noqa: E731
    print(f"touches' writer (baseline): {baseline:.2f} s, {rate(baseline)}")
    print(f"website events, anonymous:  {anonymous_time:.2f} s, {rate(anonymous_time)}")
    print(f"website events, known:      {known_time:.2f} s, {rate(known_time)} (an event and a touch each)")
    print(
        f"WEBSITE_EVENTS: {known_time / baseline:.2f} x the touches' writer "
        f"(anonymous {anonymous_time / baseline:.2f} x; {n} events in batches of {batch}, {connection_vendor()})"
    )


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor


if __name__ == "__main__":
    main()
