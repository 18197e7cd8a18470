"""The customer's own page on the demo data: how long /me/home/ takes and how many queries it makes for the
customer with the most orders, tickets and reviews, against the sign-in page (/me/, same base template, no query)
in the same run.

    .venv/bin/python bench/account.py                     # seed_demo --customers 300, 200 requests each
    .venv/bin/python bench/account.py --customers 1000 --requests 500

Requests go through Django's test client (middleware, templates, the signed account cookie), alternating page and
baseline so both meet the same load. Uses a throwaway SQLite database under var/bench unless DATABASE_URL is set.
Last line: ``account: p95 MS ms (queries Q), baseline p95 MS ms, ratio R×``.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench' / 'account.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from aftersales.account.views import COOKIE  # noqa: E402
from aftersales.services.account import session_value  # noqa: E402
from customers.models import Customer  # noqa: E402


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("seed_demo", customers=args.customers, verbosity=0)
    busiest = (
        Customer.objects.annotate(o=Count("orders", distinct=True), t=Count("tickets", distinct=True))
        .order_by("-o", "-t")
        .first()
    )
    assert busiest is not None
    client = Client()
    client.cookies[COOKIE] = session_value(customer_id=busiest.pk)
    queries: list[str] = []
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        response = client.get("/me/home/")
    assert response.status_code == 200 and busiest.first_name in response.text
    page, baseline = [], []
    for _ in range(args.requests):
        start = time.perf_counter()
        client.get("/me/home/")
        page.append(time.perf_counter() - start)
        start = time.perf_counter()
        client.get("/me/")
        baseline.append(time.perf_counter() - start)
    print(
        f"customer {busiest.pk}: {busiest.o} orders, {busiest.t} tickets; "
        f"page p50 {statistics.median(page) * 1000:.1f} ms, baseline p50 {statistics.median(baseline) * 1000:.1f} ms"
    )
    print(
        f"account: p95 {p95(page):.1f} ms (queries {len(queries)}), "
        f"baseline p95 {p95(baseline):.1f} ms, ratio {p95(page) / p95(baseline):.1f}×"
    )


if __name__ == "__main__":
    main()
