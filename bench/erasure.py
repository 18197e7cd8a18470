"""Erasing customers among many: the time and the queries each erasure costs as the tables around it grow, against
the least any erasure costs, in the same run on the same data.

    .venv/bin/python bench/erasure.py                 # 20,000 customers, 10 touches and an order each
    .venv/bin/python bench/erasure.py --customers 100000 --erase 300

Every customer gets touches, a message, an order with a payment and a shipment; one in ten a ticket with two
messages, an inbound e-mail and a survey answer. Then ``--erase`` of them are erased one by one through
``customers_erase_many`` (what the admin's background action runs). Most of an erasure reads by the customer's
own indexes; what scans (inbound e-mail quoting an address, the import jobs and stored files, the loop's errors)
grows with those tables, not with the customers.

The baseline is as many other customers, spread the same way over the table, each blanked by one ``UPDATE`` of
the customer row's personal fields (the fields preparation's eraser blanks, the erased mark and the suppressed
flag), each in its own transaction: the minimum any erasure costs. Django's plain
``Customer.objects.filter(pk=...).delete()`` is no baseline here: orders (and the erasure records) protect their
customer (``on_delete=PROTECT``), so deleting a customer who ever bought raises ``ProtectedError``; the bench
checks that it still does. Half the baseline runs before the erasures and half after, so both sides meet the
same load on a shared machine. The ratio is the erasure's time per customer over the baseline's: how many times
the cost of blanking their own row it takes to erase everything a customer left behind in every stage.

Uses a throwaway SQLite database under var/bench unless DATABASE_URL is set. Last line:
``erasure: MS ms per customer, baseline MS ms, ratio R× (details)``.
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
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench' / 'erasure.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import ProtectedError  # noqa: E402
from django.utils import timezone  # noqa: E402

from aftersales.models import InboundMail, SurveyResponse, Ticket, TicketMessage  # noqa: E402
from campaigns.models import AidaStep, Campaign, Message, Touch, TouchKind, TouchSource  # noqa: E402
from customers.models import Customer, Erasure  # noqa: E402
from customers.services.erasure import customers_erase_many  # noqa: E402
from orders.models import Order, Payment, Shipment  # noqa: E402

BATCH = 5000


def build(customers: int, touches: int) -> list[int]:
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    now = timezone.now()
    for start in range(0, customers, BATCH):
        Customer.objects.bulk_create(
            [
                Customer(first_name=f"C{i}", email=f"c{i}@bench.example", phone=f"+98912{i:07d}")
                for i in range(start, min(customers, start + BATCH))
            ]
        )
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    campaign = Campaign.objects.create(name="Bench")
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        Touch.objects.bulk_create(
            [
                Touch(
                    customer_id=cid, campaign=campaign, step=AidaStep.ATTENTION, kind=TouchKind.EMAIL_OPEN,
                    source=TouchSource.EMAIL, user_agent="Mozilla/5.0", referrer="https://mail.example/",
                    occurred_at=now,
                )
                for cid in chunk
                for _ in range(touches)
            ]
        )  # fmt: skip
        Message.objects.bulk_create([Message(campaign=campaign, customer_id=cid) for cid in chunk])
        orders = Order.objects.bulk_create(
            [Order(number=f"B{cid}", customer_id=cid, total=10, placed_at=now) for cid in chunk]
        )
        if not orders[0].pk:
            orders = list(Order.objects.filter(customer_id__in=chunk))
        Payment.objects.bulk_create([Payment(order=o, amount=10) for o in orders])
        Shipment.objects.bulk_create(
            [Shipment(order=o, tracking_number=f"T{o.pk}", promised_on=now.date()) for o in orders]
        )
        some = chunk[::10]
        tickets = Ticket.objects.bulk_create(
            [Ticket(customer_id=cid, contact_email=f"c{cid}@bench.example", subject="Where?") for cid in some]
        )
        if not tickets[0].pk:
            tickets = list(Ticket.objects.filter(customer_id__in=some))
        TicketMessage.objects.bulk_create([TicketMessage(ticket=t, body=b) for t in tickets for b in ("Hi", "Hello")])
        InboundMail.objects.bulk_create(
            [
                InboundMail(source="imap", sender=f"x{cid}@elsewhere.example", raw="From: someone\n\nhello")
                for cid in some
            ]
        )
        SurveyResponse.objects.bulk_create([SurveyResponse(customer_id=cid, csat=4, comment="Fine") for cid in some])
    return ids


def blank_rows(ids: list[int]) -> float:
    """The baseline: one ``UPDATE`` of the customer row's personal fields per customer, each its own transaction
    (autocommit); seconds taken."""
    started = time.perf_counter()
    for pk in ids:
        now = timezone.now()
        Customer.objects.filter(pk=pk).update(
            first_name="", last_name="", email="", phone="", other_phone="", external_id="", region="", city="",
            notes="", suppressed=True, erased_at=now, updated_at=now,
        )  # fmt: skip
    return time.perf_counter() - started


def delete_protected(pk: int) -> bool:
    """Whether Django's plain delete of a customer with an order is refused (tried, and rolled back either way)."""
    try:
        with transaction.atomic():
            Customer.objects.filter(pk=pk).delete()
            transaction.set_rollback(True)
    except ProtectedError:
        return True
    return False


class QueryCount:
    """Counts the queries run on the connection while in use (Django's own query log keeps the last 9,000 only)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--touches", type=int, default=10)
    parser.add_argument("--erase", type=int, default=100)
    args = parser.parse_args()
    started = time.perf_counter()
    ids = build(args.customers, args.touches)
    print(f"built {len(ids):,} customers, {Touch.objects.count():,} touches in {time.perf_counter() - started:.1f}s")
    step = max(2, len(ids) // args.erase)
    chosen = ids[::step][: args.erase]
    others = ids[step // 2 :: step][: len(chosen)]  # as many others, half-way between the erased ones
    assert len(others) == len(chosen) and not set(others) & set(chosen)
    protected = delete_protected(others[-1])
    half = len(others) // 2
    baseline = blank_rows(others[:half])
    queries = QueryCount()
    with connection.execute_wrapper(queries):
        started = time.perf_counter()
        done = customers_erase_many(customer_ids=chosen, requested_by=None)
        elapsed = time.perf_counter() - started
    baseline += blank_rows(others[half:])
    assert done.erased == len(chosen) == Erasure.objects.count()
    assert Customer.objects.filter(pk__in=others, email="", erased_at__isnull=False).count() == len(others)
    per = elapsed / len(chosen) * 1000
    base = baseline / len(others) * 1000
    print(
        f"erasure through customers_erase_many: {per:.1f} ms per customer ({len(chosen)} in {elapsed:.2f}s, "
        f"{queries.count / len(chosen):.0f} queries each)"
    )
    print(
        f"baseline, one UPDATE of the customer row: {base:.2f} ms per customer ({len(others)} in {baseline:.2f}s, "
        f"1 query each); plain delete refused by PROTECT: {protected}"
    )
    print(
        f"erasure: {per:.1f} ms per customer, baseline {base:.2f} ms, ratio {per / base:.1f}× ({len(chosen)} erased "
        f"among {len(ids):,} customers and {Touch.objects.count():,} touches; {queries.count / len(chosen):.0f} "
        f"queries each against 1; delete refused: {protected}; {connection.vendor})"
    )


if __name__ == "__main__":
    main()
