"""Every admin page of the product — each changelist, the change page of a typical row and of the heaviest one —
against Django's plain admin (a bare ``ModelAdmin`` on a second ``AdminSite``, at a bench-only URLconf) on the same
data, in the same run.

    .venv/bin/python bench/admin.py --demo            # the demo company (manage.py seed_demo), SQLite under var/bench
    .venv/bin/python bench/admin.py --scale 0.1       # a tenth of full size, SQLite under var/bench
    .venv/bin/python bench/admin.py --quick           # --scale 0.01
    createdb -h 127.0.0.1 -U postgres bench_admin
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_admin .venv/bin/python bench/admin.py   # full size
    ... --reuse                                       # keep the data of the last run

Full size is ``bench/dashboard_data.py``'s 1,000,000 customers, 10,000,000 touches and 1,000,000 orders, plus the
heavy rows every page must survive: a customer with ``--heavy-touches`` touches (and 200 orders, a message of
every campaign, tickets, survey answers, consents, history), a campaign with a message to one customer in five, an
order with 200 lines and its status history, a ticket with 500 messages and a segment with one customer in ten.

Signed in as a superuser with DEBUG off, each page is requested through Django's test client once to warm up, then
``--reps`` times: p50 and p95 times and the most queries one request made. The plain admin's page is requested the
same way; a page whose first request takes more than ``--slow`` seconds is timed once more only, and one still running
after ``--limit`` seconds (a select listing every customer) is stopped and reported as that long.

Last line: ``admin: WORST ms (details)``, WORST being the slowest p95 of the project's pages.
"""

import argparse
import os
import signal
import statistics
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
_DEMO = "--demo" in sys.argv
os.environ.setdefault(
    "DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench' / ('admin_demo' if _DEMO else 'admin')}.sqlite3"
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib import admin  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Max, Min  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import include, path, reverse  # noqa: E402

from bench.admin_data import HEAVY, add_customer_values, add_heavy_rows, heavy_ready  # noqa: E402
from bench.dashboard_data import fresh_database, generate, log  # noqa: E402
from campaigns.models import Touch  # noqa: E402
from customers.models import Customer, CustomerValue  # noqa: E402

OUR_APPS = ("customers", "campaigns", "orders", "aftersales", "cycle")


def plain_urls() -> str:
    """Django's plain admin for every model of ours, on a second site beside the project's own URLs. The site is
    the project's (its templates link to its two-factor page), each model registered with a bare ``ModelAdmin``
    through Django's own ``register``: none of the project's admin mixins, Django's own templates."""
    from emarketing.admin_site import CycleAdminSite

    class Plain(admin.ModelAdmin):  # type: ignore[type-arg]
        # Django's own templates, not those the project keeps under admin/<app>/<model>/.
        change_list_template = "admin/change_list.html"
        change_form_template = "admin/change_form.html"

    site = CycleAdminSite(name="plain")
    for model in admin.site._registry:
        if model._meta.app_label in OUR_APPS:
            admin.AdminSite.register(site, model, Plain)
    module = types.ModuleType("bench_admin_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("plain-admin/", site.urls),
        path("", include(settings.ROOT_URLCONF)),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


class TooSlow(Exception):
    pass


def _stop(signum, frame):
    raise TooSlow


class QueryCount:
    """Counts the queries a request runs (Django's query log keeps 9,000 at most: a plain page listing every
    customer in a select overflows it)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def measure(client: Client, url: str, reps: int, slow: float, limit: float) -> tuple[float, float, int, int]:
    """(p50 ms, p95 ms, queries, requests timed) of ``url``; a first request still running after ``limit`` seconds
    is stopped and reported as that long (requests timed: 0)."""
    counted = QueryCount()
    started = time.perf_counter()
    signal.signal(signal.SIGALRM, _stop)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        with connection.execute_wrapper(counted):
            response = client.get(url)
    except TooSlow:
        return limit * 1000, limit * 1000, counted.n, 0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    first = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}")
    if first > slow * 1000:  # a page this slow is timed once more, warm
        reps = 1
    times, queries = [], 0
    for _ in range(reps):
        counted = QueryCount()
        with connection.execute_wrapper(counted):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
        queries = max(queries, counted.n)
    times.sort()
    return statistics.median(times), times[max(0, -(-len(times) * 95 // 100) - 1)], queries, reps


def typical_pk(model) -> int | None:
    """A row from the middle of the table, found by its id (no OFFSET, no COUNT)."""
    bounds = model._default_manager.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return None
    middle = (bounds["low"] + bounds["high"]) // 2
    return model._default_manager.filter(pk__gte=middle).order_by("pk").values_list("pk", flat=True).first()


def heaviest_pk(model) -> int | None:
    """The row with the most rows hanging on it: named by ``HEAVY`` at scale, counted on the (small) demo data."""
    label = model._meta.label
    if label in HEAVY:
        found = HEAVY[label]()
        if found is not None:
            return found
    if not _DEMO:
        return None
    relations = [
        f.get_accessor_name()
        for f in model._meta.related_objects
        if f.one_to_many and f.related_model._meta.app_label in OUR_APPS
    ]
    if not relations:
        return None
    best, most = None, -1
    for name in relations:
        row = model._default_manager.annotate(n=Count(name)).order_by("-n").values_list("pk", "n").first()
        if row and row[1] > most:
            best, most = row
    return best if most > 0 else None


def pages():
    """(label, project url, plain url) of every page measured."""
    for model in admin.site._registry:
        meta = model._meta
        if meta.app_label not in OUR_APPS:
            continue
        name = f"{meta.app_label}_{meta.model_name}"
        yield f"{meta.label} list", reverse(f"admin:{name}_changelist"), reverse(f"plain:{name}_changelist")
        seen = set()
        for kind, pk in (("typical", typical_pk(model)), ("heaviest", heaviest_pk(model))):
            if pk is None or pk in seen:
                continue
            seen.add(pk)
            yield (
                f"{meta.label} {kind} #{pk}",
                reverse(f"admin:{name}_change", args=[pk]),
                reverse(f"plain:{name}_change", args=[pk]),
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo", action="store_true", help="the data manage.py seed_demo makes")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 1M customers, 10M touches, 1M orders")
    parser.add_argument("--quick", action="store_true", help="--scale 0.01")
    parser.add_argument("--heavy-touches", type=int, default=10_000, help="touches of the heaviest customer")
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--slow", type=float, default=2.0, help="seconds past which a page is timed once")
    parser.add_argument("--limit", type=float, default=10.0, help="seconds after which a request is stopped")
    parser.add_argument("--only", default="", help="measure only the pages whose label contains this")
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run")
    args = parser.parse_args()
    scale = 0.01 if args.quick else args.scale
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    from django.utils import timezone

    started = time.perf_counter()
    if args.demo:
        if not (args.reuse and Customer.objects.exists()):
            fresh_database()
            call_command("seed_demo", verbosity=0)
            log(f"demo data made in {time.perf_counter() - started:.0f} s")
    else:
        if not (args.reuse and Customer.objects.exists()):
            fresh_database()
            generate(scale, timezone.now())
        if not heavy_ready():
            add_heavy_rows(touches=args.heavy_touches)
            log(f"data ready in {time.perf_counter() - started:.0f} s")
        elif not CustomerValue.objects.exists():  # data of an earlier run, before the value rows
            add_customer_values()
    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True, "email": "bench@example.com"}
    )
    settings.ROOT_URLCONF = plain_urls()
    client = Client()
    client.force_login(user)

    size = f"{Customer.objects.count():,} customers, {Touch.objects.count():,} touches on {connection.vendor}"
    print(f"\n{'demo data' if args.demo else f'scale {scale}'}: {size}")
    header = f"{'page':52} {'p50':>7} {'p95':>7} {'q':>4} | {'plain p50':>9} {'p95':>7} {'q':>4} | {'p95 ratio':>9}"
    print(header)
    print("-" * len(header))
    rows = []
    for label, ours_url, plain_url in pages():
        if args.only and args.only not in label:
            continue
        ours = measure(client, ours_url, args.reps, args.slow, args.limit)
        plain = measure(client, plain_url, args.reps, args.slow, args.limit)
        rows.append((label, ours, plain))
        mark = " (ours stopped)" if ours[3] == 0 else ""
        mark += {0: f" (plain stopped after {args.limit:.0f} s)", args.reps: ""}.get(plain[3], " (plain timed once)")
        mark += " (ours timed once)" if ours[3] == 1 and args.reps > 1 else ""
        print(
            f"{label:52} {ours[0]:7.1f} {ours[1]:7.1f} {ours[2]:4d} | {plain[0]:9.1f} {plain[1]:7.1f} {plain[2]:4d} |"
            f" {ours[1] / plain[1]:8.2f}x{mark}",
            flush=True,
        )
    worst = max(rows, key=lambda row: row[1][1])
    slower = [row for row in rows if row[1][1] > row[2][1]]
    target = 150 if args.demo else 1000
    over = [row[0] for row in rows if row[1][1] > target]
    print(
        f"admin: {worst[1][1]:.0f} ms (slowest p95: {worst[0]}; {len(rows)} pages, {len(over)} over {target} ms"
        f"{': ' + ', '.join(over) if over else ''}; {len(slower)} slower than Django's plain page; "
        f"most queries {max(row[1][2] for row in rows)}; {size})"
    )


if __name__ == "__main__":
    main()
