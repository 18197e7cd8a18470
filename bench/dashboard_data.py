"""The data the dashboard benchmark measures on: a marketing company at the size asked for.

Imported by ``bench/dashboard.py`` once Django is set up; see that file for what is generated and how.
"""

import csv
import datetime as dt
import io
import random
import time
from decimal import Decimal
from pathlib import Path

from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from aftersales.models import SurveyResponse, Ticket
from campaigns.models import TOUCH_KIND_STEP, Campaign, ContentDimension, ContentTag, Creative, CreativeContent, Touch
from customers.models import Customer, CustomerHistory
from cycle.models import BudgetLine, Kpi, MarketingPlan, Milestone, Objective, PlanPerson
from orders.models import Agent, Order, Payment, Shipment

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
        # A new schema, not a flush: a run stopped during the load leaves its tables without the indexes it dropped.
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        call_command("migrate", verbosity=0)


def insert_rows(model, columns, rows, batch=50_000):
    """Straight into the table: executemany (SQLite) or COPY (PostgreSQL), in big transactions."""
    table = connection.ops.quote_name(model._meta.db_table)
    # Required columns the caller does not name get the model's default (or now, for a time kept by Django), so the
    # benchmark keeps up with fields added to the models since.
    given = {model._meta.get_field(c).attname for c in columns}
    filled = [
        f
        for f in model._meta.concrete_fields
        if not f.null and not f.primary_key and f.attname not in given
        and (f.has_default() or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
    ]  # fmt: skip
    extra = tuple(
        f.get_db_prep_save(f.get_default() if f.has_default() else timezone.now(), connection) for f in filled
    )
    columns = [*columns, *(f.attname for f in filled)]
    rows = (tuple(row) + extra for row in rows)
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
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", chunk)

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
        f"""INSERT INTO {_table(Customer)} (first_name, last_name, email, phone, other_phone, external_id,
              preferred_language, country, region, city, time_zone, acquisition_source, value_tier, lifecycle_stage,
              at_risk, referral_candidate, suppressed, notes, created_at, updated_at)
            SELECT 'Customer' || i, 'Bench', 'c' || i || '@bench.example', '', '', '', 'fa', 'IR', '', '', 'UTC', 'web',
              {_pick(even, "a")}, {_pick(stages, "b")}, c < 0.05, false, false, '',
              %(now)s - d * interval '720 days', %(now)s
            FROM (SELECT i, random() a, random() b, random() c, random() d
                  FROM generate_series(1, {n_customers}) i) g""",
        # kind and step are drawn from the same number, so each touch's step is its kind's step
        f"""INSERT INTO {_table(Touch)} (customer_id, campaign_id, step, kind, source, occurred_at, is_automated,
              user_agent, referrer, detail, agent)
            SELECT 1 + floor(a * {n_customers})::int, (ARRAY{ids})[k], {_pick(steps, "r")}, {_pick(kinds, "r")},
              'email', (ARRAY[{starts}]::timestamptz[])[k] + d * interval '30 days', e < 0.02, '', '', '',
              CASE WHEN e < 0.02 THEN 'bot' ELSE 'person' END
            FROM (SELECT random() a, 1 + floor(random() * {len(ids)})::int k, random() r, random() d, random() e
                  FROM generate_series(1, {n_touches}) i) g""",
        f"""INSERT INTO {_table(Order)} (number, customer_id, channel, agent_id, status, total, currency, placed_at,
              updated_at)
            SELECT 'B' || lpad(i::text, 9, '0'), 1 + floor(a * {n_customers})::int, ch,
              CASE WHEN ch = 'agent' THEN 1 + floor(b * 50)::int END, {_pick(statuses, "c")},
              10 + floor(d * 490), 'USD', %(now)s - e * interval '360 days', %(now)s
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
            [
                "name",
                "channel",
                "status",
                "budget",
                "cost",
                "currency",
                "occasion_kind",
                "created_at",
                "updated_at",
                "send_time_per_customer",
            ],
            (
                (
                    f"Campaign {c}",
                    "email",
                    "sent",
                    "1000.00",
                    "400.00",
                    "USD",
                    "",
                    *[year_ago + dt.timedelta(days=rng.randrange(330))] * 2,
                    False,
                )
                for c in range(1, n_campaigns + 1)
            ),
        )
        campaign_start = dict(Campaign.objects.values_list("id", "created_at"))
        _generate_big_tables_in_postgres(n_customers, n_touches, n_orders, campaign_start, now)
    else:
        _generate_big_tables_in_python(rng, when, moment, n_customers, n_touches, n_orders, n_campaigns, now)
    _generate_small_tables(rng, when, moment, scale, n_customers, now)
    score_creatives(rng)
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
            "other_phone",
            "external_id",
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
        ],
        (
            (
                f"Customer{i}",
                "Bench",
                f"c{i}@bench.example",
                "",
                "",
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
            )
            for i in range(1, n_customers + 1)
        ),
    )
    campaign_start = {}
    for c in range(1, n_campaigns + 1):
        campaign_start[c] = year_ago + dt.timedelta(days=rng.randrange(330))
    insert_rows(
        Campaign,
        [
            "name",
            "channel",
            "status",
            "budget",
            "cost",
            "currency",
            "occasion_kind",
            "created_at",
            "updated_at",
            "send_time_per_customer",
        ],
        (
            (f"Campaign {c}", "email", "sent", "1000.00", "400.00", "USD", "", *[when(campaign_start[c])] * 2, False)
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
            automated = rng.random() < 0.02
            yield (rng.randrange(1, n_customers + 1), c, TOUCH_KIND_STEP[kind].value, kind, "email", when(at),
                   automated, "", "", "", "bot" if automated else "person")  # fmt: skip

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
            "agent",
        ],
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
                   f"{rng.randrange(10, 500)}.00", "USD", when(placed), when(now))  # fmt: skip

    insert_rows(
        Order,
        ["number", "customer", "channel", "agent", "status", "total", "currency", "placed_at", "updated_at"],
        orders(),
    )
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
        ),
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
            yield (rng.randrange(1, n_customers + 1), "", "web", "Where is my order?", "fa", status, "normal",
                   when(opened), when(answered) if answered else None, when(now))  # fmt: skip

    insert_rows(
        Ticket,
        [
            "customer",
            "contact_email",
            "channel",
            "subject",
            "language",
            "status",
            "priority",
            "created_at",
            "first_response_at",
            "updated_at",
        ],
        tickets(),
    )
    insert_rows(
        SurveyResponse,
        ["customer", "csat", "nps", "comment", "product_opinion", "created_at"],
        (
            (rng.randrange(1, n_customers + 1), rng.randint(1, 5), rng.randint(0, 10), "", "", when(moment()))
            for _ in range(max(int(100_000 * scale), 100))
        ),
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


def score_creatives(rng):
    """One scored creative per campaign (each dimension 0–5, one in ten blank) and a tag for half of them: the
    Content board's input. Does nothing when the scores are there (a reused database)."""
    if CreativeContent.objects.exists():
        return
    campaigns = list(Campaign.objects.values_list("pk", flat=True))
    Creative.objects.bulk_create([Creative(campaign_id=c, name="Bench", subject="Hello") for c in campaigns])
    tag = ContentTag.objects.create(name="seasonal")
    contents = CreativeContent.objects.bulk_create(
        [
            CreativeContent(
                creative_id=pk,
                **{d.value: (None if rng.random() < 0.1 else rng.randrange(6)) for d in ContentDimension},
            )
            for pk in Creative.objects.filter(campaign_id__in=campaigns).values_list("pk", flat=True)
        ]
    )
    CreativeContent.tags.through.objects.bulk_create(
        [CreativeContent.tags.through(creativecontent_id=c.pk, contenttag_id=tag.pk) for c in contents[::2]]
    )


def bisect(cumulative, x):
    lo, hi = 0, len(cumulative)
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo
