"""Value tiers set-based vs a per-customer ORM loop; incremental segment refresh vs a full rebuild.

    .venv/bin/python bench/tiers.py                 # 200,000 customers, 2,000,000 orders (a few minutes)
    .venv/bin/python bench/tiers.py --quick         # 20,000 customers, 200,000 orders
    .venv/bin/python bench/tiers.py --customers 50000 --orders-per-customer 10 --sample 1000

Tiers: the set-based refresh (``customers_refresh_profiles``) scores every buyer against the others (percentile
cuts in one query, one grouped query and one upsert per batch of 5,000) and rates them by the tier rules (a CASE
per batch, an UPDATE per tier, multi-row history INSERTs). The baseline is the loop a job would naively write: for
each customer read their orders through the ORM, compute their scores in Python (handed the same cuts), save the
scores, and save the customer and a history row when the tier changed (Django's autocommit: one transaction per
save). Both rate by RFM alone; the model's fit is timed on its own after. It is timed on an evenly
spread sample (``--sample``) and scaled to all customers — its cost per customer is constant. The sample's tiers
from both must be identical. Half of the sample runs the loop in one transaction instead, and that ratio is
reported too.

Segments: three segments with the same rules are built; then, in each of ``--rounds`` rounds, 1% of the customers
change and the segments are brought up to date — incrementally (only the changed customers), by the product's
full pass (every customer re-evaluated, only the difference written) and by a rebuild from scratch (members
forgotten, every match inserted, as a rebuild without change tracking does). The three memberships must be
identical; the medians are compared.

Uses a throwaway SQLite database under var/bench unless DATABASE_URL is set.
Last line: ``tiers: RATIO x (details)`` with RATIO the tiers speed-up.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
DB_FILE = ROOT / "var" / "bench" / "tiers.sqlite3"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{DB_FILE}")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from customers.models import (  # noqa: E402
    Customer,
    CustomerHistory,
    CustomerValue,
    RatedBy,
    Segment,
    SegmentMembership,
    TierPolicy,
    ValueTier,
)
from customers.registry import profile_sources  # noqa: E402
from customers.segments import matching_customers  # noqa: E402
from customers.services import customers_refresh_profiles, segment_refresh, segment_save_rules  # noqa: E402
from customers.services.valuation import customers_fit_value_model, rfm_score  # noqa: E402
from customers.valuation.tiers import Rules, tier_of, top_cut  # noqa: E402
from orders.models import Order  # noqa: E402

COUNTRIES = ["IR", "IR", "IR", "SA", "AE", "IQ", "GB", "DE"]
LANGUAGES = {"IR": "fa", "SA": "ar", "AE": "ar", "IQ": "ar", "GB": "en", "DE": "en"}
STAGES = ["selection", "acquisition", "retention", "extension"]
SEGMENT_RULES = {
    "any": [
        {
            "all": [
                {"field": "value_tier", "lookup": "is", "value": ["most_valuable", "potential"]},
                {"field": "country", "lookup": "is", "value": ["IR"]},
            ]
        },
        {
            "all": [
                {"field": "lifecycle_stage", "lookup": "is", "value": ["extension"]},
                {"field": "satisfaction", "lookup": "gte", "value": "4"},
                {"field": "preferred_language", "lookup": "is", "value": ["ar"]},
            ]
        },
    ]
}


def log(message):
    print(message, flush=True)


def fresh_database():
    if connection.vendor == "sqlite":
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DB_FILE}{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0)
    else:
        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)


def insert_rows(model, columns, rows, batch=20000):
    """executemany straight into the table: data generation must not be the slow part."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
    with connection.cursor() as cursor:
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)


def generate(n_customers, orders_per_customer, now, seed=5):
    rng = random.Random(seed)
    adapt_dt = connection.ops.adapt_datetimefield_value
    past = adapt_dt(now - dt.timedelta(days=1))
    created = adapt_dt(now - dt.timedelta(days=800))

    def customers():
        for i in range(1, n_customers + 1):
            country = rng.choice(COUNTRIES)
            satisfaction = None if rng.random() < 0.3 else Decimal(rng.randint(1, 5))
            yield (
                i, f"First{i}", f"Last{i}", f"c{i}@bench.example", "", LANGUAGES[country], country, "", "", "UTC",
                "web", ValueTier.UNRATED, rng.choice(STAGES), satisfaction, None, False, False, False, "",
                created, past, "", "",
            )  # fmt: skip

    columns = [
        "id", "first_name", "last_name", "email", "phone", "preferred_language", "country", "region", "city",
        "time_zone", "acquisition_source", "value_tier", "lifecycle_stage", "satisfaction", "last_nps", "at_risk",
        "referral_candidate", "suppressed", "notes", "created_at", "updated_at", "external_id", "other_phone",
    ]  # fmt: skip
    with transaction.atomic():
        insert_rows(Customer, columns, customers())
    log(f"  {n_customers:,} customers")

    # A pool of placed_at values (adapted once), skewed towards the recent past.
    moments = [adapt_dt(now - dt.timedelta(days=int(900 * rng.random() ** 1.6), seconds=rng.randint(0, 86399)))
               for _ in range(50_000)]  # fmt: skip
    totals = [Decimal(rng.randint(500, 30000)) / 100 for _ in range(5000)]
    statuses = ["delivered"] * 17 + ["shipped", "cancelled", "returned"]

    def orders():
        number = 0
        for customer_id in range(1, n_customers + 1):
            # Between 0 and 2× the mean: some customers never bought, some buy a lot.
            for _ in range(rng.randint(0, 2 * orders_per_customer)):
                number += 1
                yield (
                    f"B{number:09d}", customer_id, "web", rng.choice(statuses), rng.choice(totals), "USD",
                    rng.choice(moments),
                )  # fmt: skip

    with transaction.atomic():
        insert_rows(Order, ["number", "customer", "channel", "status", "total", "currency", "placed_at"], orders())
    count = Order.objects.count()
    log(f"  {count:,} orders")
    return count


def per_customer_tier(customer, cuts, rules, now):
    """The baseline: one customer at a time through the ORM, scored by the same rule as the product (the fifths
    and the top cut are handed to it, computed once; no model, as a loop written by hand would have none)."""
    last = first = None
    n, spend = 0, Decimal("0")
    for order in customer.orders.sales():
        last = order.placed_at if last is None or order.placed_at > last else last
        first = order.placed_at if first is None or order.placed_at < first else first
        n += 1
        spend += order.total
    if last is None:
        return ValueTier.UNRATED
    value, _created = CustomerValue.objects.update_or_create(
        customer=customer,
        defaults={
            "computed_at": now,
            "rated_by": RatedBy.RFM,
            "first_order_at": first,
            "last_order_at": last,
            "purchases": n,
            "spend": spend,
            "recency_score": rfm_score(last, cuts.recency),
            "frequency_score": rfm_score(n, cuts.frequency),
            "monetary_score": rfm_score(spend, cuts.monetary),
            "probability_alive": None,
            "expected_purchases": None,
            "predicted_value": spend,
        },
    )
    tier, why = tier_of(value, rules)
    if tier != customer.value_tier:
        CustomerHistory.objects.create(
            customer=customer, attribute="value_tier", old_value=customer.value_tier, new_value=tier, changed_at=now,
            reason=why[:120],
        )  # fmt: skip
        customer.value_tier = tier
        customer.save()
    return tier


def bench_tiers(n_customers, sample, now):
    """The baseline runs on an evenly spread sample, half of it as a job would run it (autocommit: every save
    is its own transaction) and half inside one transaction; each half is scaled to every customer. Both sides
    rate by RFM alone (the model is fitted apart, below), so their tiers must agree."""
    settings.CUSTOMER_VALUE_MIN_REPEAT_BUYERS = 10**9  # RFM alone on both sides
    # The product first, to hand the loop the same fifths and top cut.
    checkpoint()
    start = time.perf_counter()
    result = customers_refresh_profiles(now=now, refit=False, reason="bench")
    set_seconds = time.perf_counter() - start
    log(f"  set-based: {n_customers:,} customers scored and rated in {set_seconds:.2f}s "
        f"({result.tiers.changed:,} tier changes: {result.tiers.by_value})")  # fmt: skip
    step = max(1, n_customers // sample)
    sample_ids = list(range(1, n_customers + 1, step))[:sample]
    set_based = dict(Customer.objects.filter(pk__in=sample_ids).values_list("pk", "value_tier"))
    _purchases, quintiles = profile_sources.get_purchases()
    cuts = quintiles()
    policy = TierPolicy.current()
    rules = Rules(policy=policy, top_cut=top_cut(policy))
    Customer.objects.filter(pk__in=sample_ids).update(value_tier=ValueTier.UNRATED)
    CustomerValue.objects.filter(pk__in=sample_ids).delete()
    CustomerHistory.objects.all().delete()
    halves = {"autocommit": sample_ids[0::2], "one transaction": sample_ids[1::2]}

    def run_baseline(ids):
        return {c.pk: per_customer_tier(c, cuts, rules, now) for c in Customer.objects.filter(pk__in=ids)}

    baseline, scaled = {}, {}
    for mode, ids in halves.items():
        checkpoint()
        start = time.perf_counter()
        if mode == "autocommit":
            baseline.update(run_baseline(ids))
        else:
            with transaction.atomic():
                baseline.update(run_baseline(ids))
        seconds = time.perf_counter() - start
        scaled[mode] = seconds * n_customers / len(ids)
        log(f"  per-customer loop ({mode}): {len(ids):,} customers in {seconds:.2f}s → {scaled[mode]:.0f}s for all")

    mismatches = sum(1 for pk, tier in baseline.items() if set_based[pk] != tier)
    if mismatches:
        raise SystemExit(f"tiers differ for {mismatches} of {len(baseline)} sampled customers")
    log(f"  identical tiers for the {len(baseline):,} sampled customers")
    # The model's fit, on its own: the weekly part of the nightly refresh.
    settings.CUSTOMER_VALUE_MIN_REPEAT_BUYERS = 100
    start = time.perf_counter()
    fit = customers_fit_value_model(now=now)
    log(f"  model fit on {fit.customers:,} buyers in {time.perf_counter() - start:.2f}s "
        f"({'fitted' if fit.succeeded else fit.message})")  # fmt: skip
    return scaled["autocommit"], scaled["one transaction"], set_seconds


def checkpoint():
    """Write SQLite's WAL back into the database, so no measurement pays for the writes of the one before."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def change_customers(n_customers, rng, at):
    """1% of the customers change as customers do: a third move (country and language), a third answer a survey
    (satisfaction), a third change tier; whether that moves them in or out of the segment depends on the rest."""
    changed = rng.sample(range(1, n_customers + 1), n_customers // 100)
    third = len(changed) // 3
    updates = {}
    for pk in changed[:third]:
        country = rng.choice(COUNTRIES)
        updates.setdefault((("country", country), ("preferred_language", LANGUAGES[country])), []).append(pk)
    for pk in changed[third : 2 * third]:
        updates.setdefault((("satisfaction", Decimal(rng.randint(1, 5))),), []).append(pk)
    for pk in changed[2 * third :]:
        updates.setdefault((("value_tier", rng.choice(list(ValueTier.values))),), []).append(pk)
    for values, pks in updates.items():
        Customer.objects.filter(pk__in=pks).update(**dict(values), updated_at=at)
    return len(changed)


def rebuild_from_scratch(segment, now):
    """The baseline: a rebuild without change tracking — forget the members, insert everyone the rules select
    (set-based too: keyset pages of bulk inserts)."""
    with transaction.atomic():
        SegmentMembership.objects.filter(segment=segment).delete()
        members = matching_customers(segment.rules).order_by("pk").values_list("pk", flat=True)
        last = 0
        while page := list(members.filter(pk__gt=last)[:5000]):
            SegmentMembership.objects.bulk_create(
                [SegmentMembership(segment=segment, customer_id=pk, added_at=now) for pk in page]
            )
            last = page[-1]
        Segment.objects.filter(pk=segment.pk).update(refreshed_at=now)


def bench_segments(n_customers, rounds):
    """Three segments with the same rules: refreshed incrementally, by the product's full pass (every customer
    re-evaluated, only the difference written), and rebuilt from scratch."""
    segments = {name: Segment.objects.create(name=f"Bench {name}") for name in ("incremental", "full", "scratch")}
    # The clock is moved on by hand, ten minutes per step, so every change lies after the last refresh and the
    # tier job above lies before the first.
    clock = timezone.now()
    tick = dt.timedelta(minutes=10)
    for segment in segments.values():
        segment_save_rules(segment=segment, rules=SEGMENT_RULES)
        segment_refresh(segment=segment, now=clock + tick)
    log(f"  segment built: {Segment.objects.get(pk=segments['incremental'].pk).member_count:,} members")

    rng = random.Random(11)
    times = {name: [] for name in segments}
    for round_ in range(rounds):
        base = clock + tick * (2 * round_ + 2)
        n_changed = change_customers(n_customers, rng, base)
        for name, segment in segments.items():
            checkpoint()
            start = time.perf_counter()
            if name == "scratch":
                rebuild_from_scratch(Segment.objects.get(pk=segment.pk), base + tick)
            else:
                result = segment_refresh(segment=segment, full=name == "full", now=base + tick)
            times[name].append(time.perf_counter() - start)
            if name == "incremental":
                inc = result
        log(
            f"  round {round_ + 1}: {n_changed:,} customers changed (1%): incremental {times['incremental'][-1]:.3f}s "
            f"({inc.mode}, {inc.examined:,} examined, +{inc.added} −{inc.removed}); full pass "
            f"{times['full'][-1]:.3f}s; rebuild from scratch {times['scratch'][-1]:.3f}s"
        )
        memberships = [
            set(SegmentMembership.objects.filter(segment=segment).values_list("customer_id", flat=True))
            for segment in segments.values()
        ]
        if any(m != memberships[0] for m in memberships) or inc.mode != "incremental":
            raise SystemExit("memberships differ")
    log(f"  identical memberships after every round ({len(memberships[0]):,} members)")
    return {name: statistics.median(t) for name, t in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--orders-per-customer", type=int, default=10, help="mean; the total is about N × this")
    parser.add_argument("--sample", type=int, default=2000, help="customers timed in the per-customer loop")
    parser.add_argument("--quick", action="store_true", help="20,000 customers, 200,000 orders")
    parser.add_argument("--rounds", type=int, default=3, help="segment rounds; the medians are compared")
    parser.add_argument("--reuse", action="store_true", help="keep the data of the last run if it has the same size")
    args = parser.parse_args()
    if args.quick:
        args.customers, args.sample = 20_000, min(args.sample, 1000)

    now = timezone.now()
    log(f"database: {connection.vendor}")
    start = time.perf_counter()
    if args.reuse and DB_FILE.exists():
        call_command("migrate", verbosity=0)
    if args.reuse and Customer.objects.count() == args.customers:
        Customer.objects.update(value_tier=ValueTier.UNRATED)
        CustomerHistory.objects.all().delete()
        Segment.objects.all().delete()
        n_orders = Order.objects.count()
        log(f"  reused {args.customers:,} customers and {n_orders:,} orders")
    else:
        fresh_database()
        n_orders = generate(args.customers, args.orders_per_customer, now)
        log(f"  generated in {time.perf_counter() - start:.1f}s")

    log("value tiers")
    loop_seconds, atomic_seconds, set_seconds = bench_tiers(args.customers, args.sample, now)
    tiers_ratio, atomic_ratio = loop_seconds / set_seconds, atomic_seconds / set_seconds
    log(f"  speed-up {tiers_ratio:.0f}x (target ≥ 100x); {atomic_ratio:.0f}x against the loop in one transaction")

    log("segment refresh")
    seg = bench_segments(args.customers, args.rounds)
    scratch_ratio = seg["scratch"] / seg["incremental"]
    full_ratio = seg["full"] / seg["incremental"]
    log(f"  speed-up {scratch_ratio:.0f}x vs a rebuild from scratch (target ≥ 20x), {full_ratio:.0f}x vs the full pass")

    print(
        f"tiers: {tiers_ratio:.0f} x (value tiers for {args.customers:,} customers / {n_orders:,} orders on "
        f"{connection.vendor}: set-based {set_seconds:.1f}s vs per-customer ORM loop {loop_seconds:.0f}s scaled "
        f"from {args.sample // 2:,}, {atomic_ratio:.0f}x if that loop runs in one transaction; identical tiers; "
        f"segment refresh with 1% changed, median of {args.rounds}: incremental {seg['incremental']:.3f}s vs "
        f"rebuild from scratch {seg['scratch']:.2f}s = {scratch_ratio:.0f}x, vs full pass {seg['full']:.2f}s = "
        f"{full_ratio:.0f}x)"
    )


if __name__ == "__main__":
    main()
