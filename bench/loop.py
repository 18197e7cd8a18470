"""The loop over N feedback items, set-based in batches, vs the same work one item at a time through the ORM.

    .venv/bin/python bench/loop.py            # 100,000 items (and 10,000 for the memory comparison)
    .venv/bin/python bench/loop.py --items 20000

The per-item baseline is timed on a sample (``--sample``) and scaled to N: its cost per item is constant.
Memory is the peak traced by tracemalloc during a separate batched run at N/10 and at N items. Uses a throwaway
SQLite database under var/bench unless DATABASE_URL is set. Last line: ``loop: RATIO x (details)``.
"""

import argparse
import os
import random
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench' / 'loop.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Avg, F  # noqa: E402
from django.utils import timezone  # noqa: E402

from aftersales.models import Review, SurveyResponse, Ticket, TicketMessage  # noqa: E402
from customers.models import Customer, Need, NeedMention, NeedSource  # noqa: E402
from customers.need_classifier import TITLES, classify, kind_for  # noqa: E402
from cycle.models import LoopRun, LoopTrigger  # noqa: E402
from cycle.services.loop import loop_run  # noqa: E402
from orders.models import Product  # noqa: E402

COMMENTS = [
    "The parcel arrived late",
    "Too expensive",
    "Great quality, thanks",
    "I wish it came in blue",
    "ارسال خیلی دیر بود",
    "قیمت گران است",
    "التوصيل تأخر",
    "الجودة سيئة",
    "",
    "Support never answered",
]


def build(items, seed=7):
    """N feedback items: 60% survey responses, 20% tickets (with a message), 20% reviews."""
    call_command("flush", interactive=False, verbosity=0)
    rng = random.Random(seed)
    now = timezone.now()
    customers = Customer.objects.bulk_create(
        [Customer(first_name=f"C{i}", email=f"c{i}@bench.example") for i in range(max(1, items // 4))],
        batch_size=5000,
    )
    ids = list(Customer.objects.values_list("pk", flat=True))
    Product.objects.bulk_create([Product(sku=f"P{i}", name=f"Product {i}", price=10) for i in range(50)])
    products = list(Product.objects.values_list("pk", flat=True))
    del customers
    n_surveys, n_tickets = items * 6 // 10, items * 2 // 10
    n_reviews = items - n_surveys - n_tickets
    for start in range(0, n_surveys, 5000):
        SurveyResponse.objects.bulk_create(
            [
                SurveyResponse(
                    customer_id=rng.choice(ids),
                    product_id=rng.choice(products),
                    csat=rng.randint(1, 5),
                    nps=rng.randint(0, 10),
                    comment=rng.choice(COMMENTS),
                    created_at=now,
                )
                for _ in range(min(5000, n_surveys - start))
            ]
        )
    for start in range(0, n_tickets, 5000):
        batch = Ticket.objects.bulk_create(
            [
                Ticket(customer_id=rng.choice(ids), subject=rng.choice(COMMENTS) or "Question", created_at=now)
                for _ in range(min(5000, n_tickets - start))
            ]
        )
        if not batch[0].pk:
            batch = list(Ticket.objects.order_by("-pk")[: len(batch)])
        TicketMessage.objects.bulk_create([TicketMessage(ticket=t, body=rng.choice(COMMENTS) or "?") for t in batch])
    for start in range(0, n_reviews, 5000):
        Review.objects.bulk_create(
            [
                Review(
                    customer_id=rng.choice(ids),
                    product_id=rng.choice(products),
                    rating=rng.randint(1, 5),
                    body=rng.choice(COMMENTS),
                    created_at=now,
                )
                for _ in range(min(5000, n_reviews - start))
            ]
        )


def analyze():
    """Fresh statistics after the bulk load, as autovacuum would gather them, so both sides get real plans."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def reset():
    NeedMention.objects.all().delete()
    Need.objects.all().delete()
    LoopRun.objects.all().delete()
    for model in (SurveyResponse, Ticket, Review):
        model.objects.update(looped_at=None)
    Customer.objects.update(satisfaction=None, last_nps=None, at_risk=False, referral_candidate=False)


def one_at_a_time(limit):
    """The naive loop: for each item, its own queries for the need, the mention, the counts and the customer."""
    low_csat, low_nps = settings.LOOP_LOW_CSAT, settings.LOOP_LOW_NPS
    done = 0

    def mention(kind, category, product_id, source, source_id, customer_id, text, when):
        need, _ = Need.objects.get_or_create(
            kind=kind,
            category=category,
            product_id=product_id,
            defaults={"title": str(TITLES[category]), "source": source, "first_heard_at": when},
        )
        _, created = NeedMention.objects.get_or_create(
            source=source,
            source_id=source_id,
            defaults={"need": need, "customer_id": customer_id, "excerpt": text[:500], "heard_at": when},
        )
        if created:
            Need.objects.filter(pk=need.pk).update(mention_count=F("mention_count") + 1, last_heard_at=when)

    for s in SurveyResponse.objects.filter(looped_at__isnull=True).order_by("pk")[:limit]:
        with transaction.atomic():
            text = " ".join(t for t in (s.comment, s.product_opinion) if t)
            unhappy = s.csat <= low_csat or (s.nps is not None and s.nps <= low_nps)
            category = classify(text)
            if unhappy or category != "other":
                mention(
                    kind_for(category, unhappy=unhappy),
                    category,
                    s.product_id,
                    NeedSource.SURVEY,
                    s.pk,
                    s.customer_id,
                    text,
                    s.created_at,
                )
            customer = Customer.objects.get(pk=s.customer_id)
            customer.satisfaction = SurveyResponse.objects.filter(customer=customer).aggregate(a=Avg("csat"))["a"]
            last = SurveyResponse.objects.filter(customer=customer, nps__isnull=False).order_by("-created_at").first()
            customer.last_nps = last.nps if last else None
            customer.at_risk = customer.last_nps is not None and customer.last_nps <= 6
            customer.referral_candidate = customer.last_nps is not None and customer.last_nps >= 9
            customer.save(update_fields=["satisfaction", "last_nps", "at_risk", "referral_candidate"])
            s.looped_at = timezone.now()
            s.save(update_fields=["looped_at"])
        done += 1
    remaining = limit - done
    for t in Ticket.objects.filter(looped_at__isnull=True).order_by("pk")[: max(0, remaining // 2)]:
        with transaction.atomic():
            first = t.messages.order_by("pk").first()
            text = " ".join(x for x in (t.subject, first.body if first else "") if x)
            category = classify(text)
            mention(
                kind_for(category, unhappy=True),
                category,
                t.product_id,
                NeedSource.TICKET,
                t.pk,
                t.customer_id,
                text,
                t.created_at,
            )
            t.looped_at = timezone.now()
            t.save(update_fields=["looped_at"])
        done += 1
    for r in Review.objects.filter(looped_at__isnull=True).order_by("pk")[: max(0, limit - done)]:
        with transaction.atomic():
            text = r.body
            category = classify(text)
            if r.rating <= 2 or category != "other":
                mention(
                    kind_for(category, unhappy=r.rating <= 2),
                    category,
                    r.product_id,
                    NeedSource.REVIEW,
                    r.pk,
                    r.customer_id,
                    text,
                    r.created_at,
                )
            r.looped_at = timezone.now()
            r.save(update_fields=["looped_at"])
        done += 1
    return done


def batched(items, *, trace=False):
    """One run of the loop over everything: its time, or (``trace``) its peak traced memory, which is measured
    in a run of its own because tracing slows Python down several times."""
    reset()
    analyze()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    run = loop_run(trigger=LoopTrigger.MANUAL)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    assert run.items_read == items, (run.items_read, items)
    return elapsed, peak, run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=5_000, help="items the per-item baseline is timed on")
    args = parser.parse_args()
    print(f"database: {connection.vendor}")
    call_command("migrate", verbosity=0)

    small = max(1000, args.items // 10)
    build(small)
    small_time, _, _ = batched(small)
    small_peak = batched(small, trace=True)[1]
    print(f"batched  {small:>8,} items: {small_time:7.2f}s  peak memory {small_peak / 2**20:6.1f} MiB")

    build(args.items)
    big_time, _, run = batched(args.items)
    big_peak = batched(args.items, trace=True)[1]
    print(
        f"batched  {args.items:>8,} items: {big_time:7.2f}s  peak memory {big_peak / 2**20:6.1f} MiB  "
        f"({run.needs_created} needs, {NeedMention.objects.count():,} mentions, "
        f"{run.customers_updated:,} customers updated)"
    )
    batched_mentions = set(NeedMention.objects.values_list("source", "source_id"))

    reset()
    analyze()
    sample = min(args.sample, args.items)
    started = time.perf_counter()
    done = one_at_a_time(sample)
    naive_time = time.perf_counter() - started
    naive_scaled = naive_time / done * args.items
    naive_mentions = set(NeedMention.objects.values_list("source", "source_id"))
    assert naive_mentions <= batched_mentions, "the two loops disagree on which items carry a need"
    print(f"per item {done:>8,} items: {naive_time:7.2f}s  -> {naive_scaled:7.1f}s scaled to {args.items:,}")

    ratio = naive_scaled / big_time
    memory_growth = big_peak / small_peak
    print(
        f"loop: {ratio:.1f} x (batched {args.items:,} items in {big_time:.1f}s vs per-item ORM {naive_scaled:.0f}s "
        f"scaled from {done:,}; peak memory {small_peak / 2**20:.1f} MiB at {small:,} vs {big_peak / 2**20:.1f} MiB "
        f"at {args.items:,} = {memory_growth:.2f}x for 10x items; {connection.vendor})"
    )


if __name__ == "__main__":
    main()
