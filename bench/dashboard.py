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

Last line: ``dashboard: RATIO x (details)``, RATIO being the smallest live/served p95 ratio over the six pages.
"""

import argparse
import csv
import datetime as dt
import functools
import io
import math
import os
import random
import sys
import time
from decimal import Decimal
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
from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import DatabaseError, connection, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from aftersales.models import SurveyResponse, Ticket  # noqa: E402
from campaigns.models import TOUCH_KIND_STEP, Campaign, Touch  # noqa: E402
from customers.models import Customer, CustomerHistory  # noqa: E402
from cycle.models import BudgetLine, Kpi, MarketingPlan, Milestone, Objective, PlanPerson  # noqa: E402
from cycle.selectors import dashboards  # noqa: E402
from cycle.services.rollups import rollups_rebuild  # noqa: E402
from orders.models import Agent, Order, Payment, Shipment  # noqa: E402
from tests.factories import UserFactory  # noqa: E402

PAGES = ["cycle", "funnel", "plan", "transfer", "aftersales", "boni"]
STAGES = ["selection", "acquisition", "retention", "extension"]
TIERS = ["most_valuable", "potential", "low_value", "unrated"]
KINDS = [  # the funnel's shape: most customers only see, few buy
    ("email_open", 0.45),
    ("banner_impression", 0.15),
    ("click", 0.14),
    ("page_view", 0.06),
    ("offer_claim", 0.06),
    ("inquiry", 0.04),
    ("order", 0.07),
    ("satisfied", 0.02),
    ("repeat_purchase", 0.01),
]
CHANNELS = ["web", "web", "web", "phone", "store", "agent"]
ORDER_STATUSES = ["delivered"] * 6 + ["shipped", "confirmed", "new", "cancelled", "returned"]


def log(message):
    print(message, flush=True)


def database_file():
    return Path(connection.settings_dict["NAME"])


def fresh_database():
    if connection.vendor == "sqlite":
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database_file()}{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    else:
        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)


def insert_rows(model, columns, rows, batch=50_000):
    """Straight into the table: executemany (SQLite) or COPY (PostgreSQL), in big transactions."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    n = 0

    def flush(chunk):
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                writer.writerows([r"\N" if v is None else v for v in row] for row in chunk)
                buffer.seek(0)
                cursor.copy_expert(rf"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv, NULL '\N')", buffer)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", chunk)  # noqa: S608

    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            flush(chunk)
            n += len(chunk)
            chunk = []
    if chunk:
        flush(chunk)
        n += len(chunk)
    return n


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def _pick(options, draw):
    """SQL choosing one of ``options`` (value, weight) by the uniform draw ``draw`` in [0, 1)."""
    total, cumulative, whens = sum(w for _v, w in options), 0.0, []
    for value, weight in options[:-1]:
        cumulative += weight / total
        whens.append(f"WHEN {draw} < {cumulative:.6f} THEN '{value}'")
    return f"CASE {' '.join(whens)} ELSE '{options[-1][0]}' END"


def _generate_big_tables_in_postgres(n_customers, n_touches, n_orders, campaign_start, now):
    """Customers, touches, orders, payments and deliveries made by the server itself (generate_series): the same
    shapes as the row-by-row generator, in minutes instead of half an hour at full size."""
    even = [(v, 1) for v in TIERS]
    stages = [(v, 1) for v in STAGES]
    statuses = [(v, ORDER_STATUSES.count(v)) for v in dict.fromkeys(ORDER_STATUSES)]
    channels = [(v, CHANNELS.count(v)) for v in dict.fromkeys(CHANNELS)]
    kinds = [(k, w) for k, w in KINDS]
    steps = [(TOUCH_KIND_STEP[k].value, w) for k, w in KINDS]
    ids = sorted(campaign_start)
    starts = ", ".join(f"'{campaign_start[c].isoformat()}'" for c in ids)
    statements = [
        f"""INSERT INTO {_table(Customer)} (first_name, last_name, email, phone, preferred_language, country, region,
              city, time_zone, acquisition_source, value_tier, lifecycle_stage, at_risk, referral_candidate,
              suppressed, notes, created_at, updated_at)
            SELECT 'Customer' || i, 'Bench', 'c' || i || '@bench.example', '', 'fa', 'IR', '', '', 'UTC', 'web',
              {_pick(even, "a")}, {_pick(stages, "b")}, c < 0.05, false, false, '',
              %(now)s - d * interval '720 days', %(now)s
            FROM (SELECT i, random() a, random() b, random() c, random() d
                  FROM generate_series(1, {n_customers}) i) g""",
        # kind and step are drawn from the same number, so each touch's step is its kind's step
        f"""INSERT INTO {_table(Touch)} (customer_id, campaign_id, step, kind, source, occurred_at, is_automated,
              user_agent, referrer, detail)
            SELECT 1 + floor(a * {n_customers})::int, (ARRAY{ids})[k], {_pick(steps, "r")}, {_pick(kinds, "r")},
              'email', (ARRAY[{starts}]::timestamptz[])[k] + d * interval '30 days', e < 0.02, '', '', ''
            FROM (SELECT random() a, 1 + floor(random() * {len(ids)})::int k, random() r, random() d, random() e
                  FROM generate_series(1, {n_touches}) i) g""",
        f"""INSERT INTO {_table(Order)} (number, customer_id, channel, agent_id, status, total, currency, placed_at)
            SELECT 'B' || lpad(i::text, 9, '0'), 1 + floor(a * {n_customers})::int, ch,
              CASE WHEN ch = 'agent' THEN 1 + floor(b * 50)::int END, {_pick(statuses, "c")},
              10 + floor(d * 490), 'USD', %(now)s - e * interval '360 days'
            FROM (SELECT i, random() a, random() b, random() c, random() d, random() e, {_pick(channels, "random()")} ch
                  FROM generate_series(1, {n_orders}) i) g""",
        f"""INSERT INTO {_table(Payment)} (order_id, amount, currency, method, status, provider, created_at)
            SELECT id, 50, 'USD', 'card', CASE WHEN random() < 0.1 THEN 'failed' ELSE 'captured' END, '',
              %(now)s - random() * interval '360 days'
            FROM {_table(Order)}""",
        f"""INSERT INTO {_table(Shipment)} (order_id, carrier, tracking_number, status, promised_on, shipped_at,
              delivered_at)
            SELECT id, '', '', 'delivered', (placed_at + interval '4 days')::date, placed_at + interval '12 hours',
              delivered
            FROM (SELECT id, placed_at, placed_at + interval '12 hours' + (1 + floor(random() * 5)) * interval '1 day'
                    delivered FROM {_table(Order)} WHERE id %% 2 = 0) o
            WHERE delivered <= %(now)s""",
    ]
    tables = [Customer, Touch, Order, Payment, Shipment]
    with connection.cursor() as cursor:
        # Build the secondary indexes once after the load instead of updating them row by row (those that back a
        # constraint stay).
        cursor.execute(
            """SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x
               JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
               WHERE t.relname = ANY(%s) AND NOT x.indisprimary
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)""",
            [[m._meta.db_table for m in tables]],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    for sql in statements:
        with transaction.atomic(), connection.cursor() as cursor:
            # The rows are consistent by construction: skip the per-row foreign key triggers, which otherwise
            # check 20 million references one at a time at commit (needs a superuser; else they run).
            cursor.execute("SAVEPOINT replica")
            try:
                cursor.execute("SET LOCAL session_replication_role = replica")
            except DatabaseError:
                cursor.execute("ROLLBACK TO SAVEPOINT replica")
            cursor.execute(sql, {"now": now})
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)


def generate(scale, now, seed=6):
    rng = random.Random(seed)
    when = connection.ops.adapt_datetimefield_value
    n_customers = max(int(1_000_000 * scale), 1000)
    n_touches = max(int(10_000_000 * scale), 10_000)
    n_orders = max(int(1_000_000 * scale), 1000)
    n_campaigns = 200
    year_ago = now - dt.timedelta(days=360)

    def moment(days_back_max=360):
        return now - dt.timedelta(seconds=rng.randrange(days_back_max * 86400))

    started = time.perf_counter()
    if connection.vendor == "postgresql":
        insert_rows(Agent, ["name", "kind", "email", "phone", "region", "commission_rate", "is_active"],
                    ((f"Agent {a}", "agency", "", "", "", "5.00", True) for a in range(1, 51)))  # fmt: skip
        insert_rows(
            Campaign,
            ["name", "channel", "status", "budget", "cost", "currency", "occasion_kind", "created_at"],
            (
                (
                    f"Campaign {c}",
                    "email",
                    "sent",
                    "1000.00",
                    "400.00",
                    "USD",
                    "",
                    year_ago + dt.timedelta(days=rng.randrange(330)),
                )  # fmt: skip
                for c in range(1, n_campaigns + 1)
            ),
        )
        campaign_start = dict(Campaign.objects.values_list("id", "created_at"))
        _generate_big_tables_in_postgres(n_customers, n_touches, n_orders, campaign_start, now)
    else:
        _generate_big_tables_in_python(rng, when, moment, n_customers, n_touches, n_orders, n_campaigns, now)
    _generate_small_tables(rng, when, moment, scale, n_customers, now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does to a table that has settled
    counts = {
        "customers": n_customers,
        "touches": Touch.objects.count(),
        "orders": n_orders,
        "shipments": Shipment.objects.count(),
        "tickets": Ticket.objects.count(),
    }
    log(f"generated {counts} in {time.perf_counter() - started:.0f}s")
    return counts


def _generate_big_tables_in_python(rng, when, moment, n_customers, n_touches, n_orders, n_campaigns, now):
    year_ago = now - dt.timedelta(days=360)
    insert_rows(
        Customer,
        [
            "first_name",
            "last_name",
            "email",
            "phone",
            "preferred_language",
            "country",
            "region",
            "city",
            "time_zone",
            "acquisition_source",
            "value_tier",
            "lifecycle_stage",
            "at_risk",
            "referral_candidate",
            "suppressed",
            "notes",
            "created_at",
            "updated_at",
        ],  # fmt: skip
        (
            (
                f"Customer{i}",
                "Bench",
                f"c{i}@bench.example",
                "",
                "fa",
                "IR",
                "",
                "",
                "UTC",
                "web",
                rng.choice(TIERS),
                rng.choice(STAGES),
                rng.random() < 0.05,
                False,
                False,
                "",
                when(moment(720)),
                when(now),
            )  # fmt: skip
            for i in range(1, n_customers + 1)
        ),
    )
    campaign_start = {}
    for c in range(1, n_campaigns + 1):
        campaign_start[c] = year_ago + dt.timedelta(days=rng.randrange(330))
    insert_rows(
        Campaign,
        ["name", "channel", "status", "budget", "cost", "currency", "occasion_kind", "created_at"],
        (
            (f"Campaign {c}", "email", "sent", "1000.00", "400.00", "USD", "", when(campaign_start[c]))
            for c in range(1, n_campaigns + 1)
        ),
    )
    kinds, weights = zip(*KINDS, strict=True)
    cumulative = [sum(weights[: i + 1]) for i in range(len(weights))]

    def touches():
        for _ in range(n_touches):
            c = rng.randrange(1, n_campaigns + 1)
            kind = kinds[min(bisect(cumulative, rng.random() * cumulative[-1]), len(kinds) - 1)]
            at = campaign_start[c] + dt.timedelta(seconds=rng.randrange(30 * 86400))
            yield (rng.randrange(1, n_customers + 1), c, TOUCH_KIND_STEP[kind].value, kind, "email", when(at),
                   rng.random() < 0.02, "", "", "")  # fmt: skip

    insert_rows(
        Touch,
        [
            "customer",
            "campaign",
            "step",
            "kind",
            "source",
            "occurred_at",
            "is_automated",
            "user_agent",
            "referrer",
            "detail",
        ],  # fmt: skip
        touches(),
    )
    insert_rows(Agent, ["name", "kind", "email", "phone", "region", "commission_rate", "is_active"],
                ((f"Agent {a}", "agency", "", "", "", "5.00", True) for a in range(1, 51)))  # fmt: skip

    order_days = {}

    def orders():
        for o in range(1, n_orders + 1):
            channel = rng.choice(CHANNELS)
            placed = moment()
            order_days[o] = placed if o % 2 == 0 else None
            yield (f"B{o:09d}", rng.randrange(1, n_customers + 1), channel,
                   rng.randrange(1, 51) if channel == "agent" else None, rng.choice(ORDER_STATUSES),
                   f"{rng.randrange(10, 500)}.00", "USD", when(placed))  # fmt: skip

    insert_rows(Order, ["number", "customer", "channel", "agent", "status", "total", "currency", "placed_at"], orders())
    insert_rows(
        Payment,
        ["order", "amount", "currency", "method", "status", "provider", "created_at"],
        (
            (
                o,
                "50.00",
                "USD",
                "card",
                rng.choice(["captured"] * 9 + ["failed"]),
                "",
                when(now - dt.timedelta(seconds=rng.randrange(360 * 86400))),
            )
            for o in range(1, n_orders + 1)
        ),  # fmt: skip
    )

    def shipments():
        for o, placed in order_days.items():
            if placed is None:
                continue
            shipped = placed + dt.timedelta(hours=12)
            delivered = shipped + dt.timedelta(days=rng.randrange(1, 6))
            if delivered > now:
                continue
            promised = (placed + dt.timedelta(days=4)).date()
            yield (o, "", "", "delivered", promised.isoformat(), when(shipped), when(delivered))

    insert_rows(
        Shipment,
        ["order", "carrier", "tracking_number", "status", "promised_on", "shipped_at", "delivered_at"],
        shipments(),
    )
    order_days.clear()


def _generate_small_tables(rng, when, moment, scale, n_customers, now):
    def tickets():
        for _ in range(max(int(50_000 * scale), 100)):
            opened = moment()
            answered = opened + dt.timedelta(hours=rng.randrange(1, 24)) if rng.random() < 0.9 else None
            status = rng.choice(["closed"] * 8 + ["open", "new"])
            yield (rng.randrange(1, n_customers + 1), "", "web", "Where is my order?", status, "normal",
                   when(opened), when(answered) if answered else None)  # fmt: skip

    insert_rows(
        Ticket,
        ["customer", "contact_email", "channel", "subject", "status", "priority", "created_at", "first_response_at"],
        tickets(),
    )
    insert_rows(
        SurveyResponse,
        ["customer", "csat", "nps", "comment", "product_opinion", "created_at"],
        (
            (rng.randrange(1, n_customers + 1), rng.randint(1, 5), rng.randint(0, 10), "", "", when(moment()))
            for _ in range(max(int(100_000 * scale), 100))
        ),  # fmt: skip
    )
    _generate_profile_history(rng, when, moment, now, extra_moves=max(int(200_000 * scale), 100))
    plan = MarketingPlan.objects.create(
        name="Bench plan", starts_on=timezone.localdate() - dt.timedelta(days=180),
        ends_on=timezone.localdate() + dt.timedelta(days=185), status="active",
    )  # fmt: skip
    for position, (kpi, target) in enumerate(
        [(Kpi.REVENUE, 1000000), (Kpi.ON_TIME_DELIVERY, 90), (Kpi.CSAT, 4), (Kpi.NPS, 30), (Kpi.AIDA_CONVERSION, 5)]
    ):
        objective = Objective.objects.create(
            plan=plan, title=f"Objective {kpi}", kpi=kpi, target=Decimal(target), budget=Decimal("5000"),
            position=position,
        )  # fmt: skip
        BudgetLine.objects.create(plan=plan, objective=objective, description="Campaigns", amount=Decimal("5000"))
        Milestone.objects.create(plan=plan, objective=objective, title="Deadline", due_on=timezone.localdate())
    PlanPerson.objects.create(plan=plan, name="Mina", role="Manager")


def _generate_profile_history(rng, when, moment, now, *, extra_moves):
    """Each customer's history as the product writes it: the first rating (unrated to their tier) and the move
    out of selection for those who left it, sometime between joining and now; then ``extra_moves`` later moves."""
    top = Customer.objects.aggregate(m=Max("id"))["m"] or 0

    def rows():
        for lower in range(0, top, 100_000):
            customers = Customer.objects.filter(id__gt=lower, id__lte=lower + 100_000).order_by("id")
            for pk, tier, stage, joined in customers.values_list("id", "value_tier", "lifecycle_stage", "created_at"):
                span = max(int((now - joined).total_seconds()), 1)
                if tier != "unrated":
                    changed = joined + dt.timedelta(seconds=rng.randrange(span))
                    yield (pk, "value_tier", "unrated", tier, when(changed), "bench")
                if stage != "selection":
                    changed = joined + dt.timedelta(seconds=rng.randrange(span))
                    yield (pk, "lifecycle_stage", "selection", stage, when(changed), "bench")
        for _ in range(extra_moves):
            old, new = rng.sample(STAGES, 2)
            yield (rng.randrange(1, top + 1), "lifecycle_stage", old, new, when(moment()), "bench")

    columns = ["customer", "attribute", "old_value", "new_value", "changed_at", "reason"]
    return insert_rows(CustomerHistory, columns, rows())


def bisect(cumulative, x):
    lo, hi = 0, len(cumulative)
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


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
