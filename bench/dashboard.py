"""The managers' dashboards as served (rendered once per rollup refresh, then from the cache), rendered from the
rollups on every request, and computed live from the tables; the big admin changelists with the project's bounded
count vs Django's default paginator.

    createdb -h 127.0.0.1 -U postgres bench_dash
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_dash .venv/bin/python bench/dashboard.py   # full size
    .venv/bin/python bench/dashboard.py --scale 0.1   # a tenth of that, on SQLite under var/bench
    .venv/bin/python bench/dashboard.py --quick       # --scale 0.01
    ... --reuse                                       # keep the data of the last run (the rollups are rebuilt)

Full size is 1,000,000 customers, 10,000,000 touches and 1,000,000 orders. Data: customers in the four lifecycle
stages and value tiers, each with the history the product writes (first rating, move out of selection) plus
later stage moves; 200 campaigns, each active for about a month of the past year, with touches shaped like a
funnel (attention > information > desire > action > satisfaction, 2% automated); orders over the year on four
channels (agents for a sixth of them), one payment each, a delivery for half; tickets and survey answers. On
PostgreSQL the big tables are made by the server itself (``generate_series``), the rest with COPY; on SQLite
with executemany in big transactions. ``rollups_rebuild`` then builds the rollups (its time is reported).

Each dashboard page (the whole request through Django's test client, signed in as a manager, period: the last
365 days) is requested ``--reps`` times as served and as rendered from the rollups, and ``--live-reps`` times
with its figures computed live from the tables (the same selectors with ``live=True``); p95 times and query
counts are reported. The admin changelists of customers and touches are opened as configured (bounded count, no
full count) and with Django's default paginator and full result count: the changelist's own work (its counts and
its page of rows, as the admin view builds them) and the whole request with its template.

Last line: ``dashboard: RATIO x (details)``, RATIO being the smallest live/served p95 ratio over the nine pages
(the Content board among them: 200 campaigns, each with a creative scored on the five dimensions; the demand and
capacity board has no rollups: its live and rendered figures are the same computation, with its capacity and
scheduled campaigns from ``bench/mediation_data.py``; the Money board reads its figures from the tables either
way: its ratio is what the page cache saves).
"""

import argparse
import datetime as dt
import functools
import math
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
DB_FILE = ROOT / "var" / "bench" / "dashboard.sqlite3"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{DB_FILE}")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib import admin  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.dashboard_data import database_file, fresh_database, generate, log, score_creatives  # noqa: E402
from bench.mediation_data import generate_capacity  # noqa: E402
from campaigns.models import Touch  # noqa: E402
from customers.models import Customer  # noqa: E402
from cycle.selectors import dashboards  # noqa: E402
from cycle.services.rollups import rollups_rebuild  # noqa: E402
from orders.models import Order  # noqa: E402
from tests.factories import UserFactory  # noqa: E402

PAGES = ["cycle", "funnel", "plan", "transfer", "aftersales", "boni", "content", "mediation", "money"]


def p95(samples):
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def timed_get(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        response = client.get(url, params)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, len(ctx.captured_queries)


def measure_pages(client, reps, live_reps, params):
    """Each page as the product serves it (rendered once per rollup refresh, then from the cache), rendered from
    the rollups on every request (cache off), and computed live from the tables (cache off)."""
    rollup_fns = dict(dashboards.DASHBOARDS)
    kept = settings.DASHBOARD_CACHE_SECONDS
    results = {}
    for page in PAGES:
        url = reverse(f"dashboards:{page}")
        cache.clear()
        timed_get(client, url, params)  # renders the page once, and warms the database's own cache
        served = [timed_get(client, url, params) for _ in range(reps)]
        settings.DASHBOARD_CACHE_SECONDS = 0
        cache.clear()
        try:
            rendered = [timed_get(client, url, params) for _ in range(reps)]
            dashboards.DASHBOARDS[page] = functools.partial(rollup_fns[page], live=True)
            slow = [timed_get(client, url, params) for _ in range(live_reps)]
        finally:
            dashboards.DASHBOARDS[page] = rollup_fns[page]
            settings.DASHBOARD_CACHE_SECONDS = kept
        results[page] = r = {
            "served_p95": p95([t for t, _q in served]),
            "served_queries": sorted({q for _t, q in served}),
            "rollup_p95": p95([t for t, _q in rendered]),
            "rollup_queries": sorted({q for _t, q in rendered}),
            "live_p95": p95([t for t, _q in slow]),
            "live_queries": sorted({q for _t, q in slow}),
        }
        log(
            f"{page:10s} served p95 {r['served_p95'] * 1000:6.1f} ms {r['served_queries']} q | "
            f"rendered from rollups {r['rollup_p95'] * 1000:6.1f} ms {r['rollup_queries']} q | "
            f"live {r['live_p95'] * 1000:8.1f} ms {r['live_queries']} q | "
            f"{r['live_p95'] / r['served_p95']:.0f}x served, {r['live_p95'] / r['rollup_p95']:.0f}x rendered"
        )
    return results


def timed_changelist(model_admin, request):
    """What opening the changelist asks of the database: the changelist with its counts and its page of rows."""
    started = time.perf_counter()
    changelist = model_admin.get_changelist_instance(request)
    list(changelist.result_list)
    return time.perf_counter() - started


def measure_changelists(client, user, reps):
    """Each big changelist as configured (bounded count, no full count) and with Django's default paginator and
    full result count: the changelist's own work (counts and the page of rows, as the admin view builds them) and
    the whole request with its template."""
    results = {}
    for model, url in ((Customer, "admin:customers_customer_changelist"), (Touch, "admin:campaigns_touch_changelist")):
        model_admin = admin.site._registry[model]
        configured = (model_admin.paginator, model_admin.show_full_result_count)
        request = RequestFactory().get(reverse(url))
        request.user = user
        timings = {}
        try:
            for variant, (paginator, full_count) in (("bounded", configured), ("default", (Paginator, True))):
                model_admin.paginator, model_admin.show_full_result_count = paginator, full_count
                timed_changelist(model_admin, request)
                timings[variant] = (
                    p95([timed_changelist(model_admin, request) for _ in range(reps)]),
                    p95([timed_get(client, reverse(url), {})[0] for _ in range(reps)]),
                )
        finally:
            model_admin.paginator, model_admin.show_full_result_count = configured
        name = model._meta.model_name
        results[name] = timings
        (data_b, page_b), (data_d, page_d) = timings["bounded"], timings["default"]
        log(
            f"admin {name:9s} changelist data p95: bounded {data_b * 1000:7.1f} ms vs Django's paginator "
            f"{data_d * 1000:8.1f} ms = {data_d / data_b:.0f}x | whole request p95: {page_b * 1000:7.1f} ms vs "
            f"{page_d * 1000:8.1f} ms = {page_d / page_b:.1f}x"
        )
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 1M customers, 10M touches, 1M orders")
    parser.add_argument("--quick", action="store_true", help="--scale 0.01")
    parser.add_argument("--reps", type=int, default=20, help="requests per page served from the rollups")
    parser.add_argument("--live-reps", type=int, default=5, help="requests per page computed live")
    parser.add_argument("--list-reps", type=int, default=5, help="requests per admin changelist and paginator")
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run")
    args = parser.parse_args()
    scale = 0.01 if args.quick else args.scale
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    now = timezone.now()
    if args.reuse and (connection.vendor != "sqlite" or database_file().exists()):
        counts = {"touches": Touch.objects.count(), "customers": Customer.objects.count(),
                  "orders": Order.objects.count()}  # fmt: skip
    else:
        fresh_database()
        counts = generate(scale, now)
        log(f"capacity and demand for the demand and capacity board: {generate_capacity(now)}")
    score_creatives(random.Random(6))  # a database of an earlier run may have none
    started = time.perf_counter()
    done = rollups_rebuild()
    rebuild = time.perf_counter() - started
    log(f"rollups rebuilt in {rebuild:.1f}s ({done})")

    from importlib import import_module

    import_module("cycle.migrations.0004_groups_marketers_managers").create_groups(django.apps.apps, None)
    manager = UserFactory(username="bench-manager", is_staff=True, is_superuser=True)
    manager.groups.add(Group.objects.get(name="Managers"))
    client = Client()
    client.force_login(manager)
    today = timezone.localdate()
    params = {"start": (today - dt.timedelta(days=364)).isoformat(), "end": today.isoformat()}

    transfer = dashboards.transfer_dashboard(dashboards.Filters(today - dt.timedelta(days=364), today))
    transfer_live = dashboards.transfer_dashboard(dashboards.Filters(today - dt.timedelta(days=364), today), live=True)
    same = [(str(a[0]), a[1]) for a in transfer.figures] == [(str(b[0]), b[1]) for b in transfer_live.figures]
    log(f"transfer figures identical from rollups and live: {same}")

    pages = measure_pages(client, args.reps, args.live_reps, params)
    lists = measure_changelists(client, manager, args.list_reps)
    ratios = {page: r["live_p95"] / r["served_p95"] for page, r in pages.items()}
    rendered = {page: r["live_p95"] / r["rollup_p95"] for page, r in pages.items()}
    worst = min(ratios, key=ratios.get)
    list_ratios = {name: t["default"][0] / t["bounded"][0] for name, t in lists.items()}
    page_ratios = {name: t["default"][1] / t["bounded"][1] for name, t in lists.items()}
    fixed = all(len(r["served_queries"]) == 1 and len(r["rollup_queries"]) == 1 for r in pages.values())
    print(
        f"dashboard: {ratios[worst]:.0f} x (p95 live/served, worst page {worst}; "
        + ", ".join(f"{p} {ratios[p]:.0f}x" for p in PAGES)
        + "; rendered from the rollups on every request: "
        + ", ".join(f"{p} {rendered[p]:.0f}x" for p in PAGES)
        + f"; queries per page fixed: {fixed}; admin changelists vs Django's paginator: "
        + ", ".join(f"{n} {r:.0f}x (whole request {page_ratios[n]:.1f}x)" for n, r in list_ratios.items())
        + f"; {counts.get('customers'):,} customers, {counts.get('touches'):,} touches, {counts.get('orders'):,} "
        f"orders on {connection.vendor}, {'data of an earlier run' if args.reuse else f'scale {scale}'}; "
        f"rollup rebuild {rebuild:.0f}s)"
    )


if __name__ == "__main__":
    main()
