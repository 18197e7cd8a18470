"""Erasing customers among many: the time and the queries each erasure costs as the tables around it grow.

    .venv/bin/python bench/erasure.py                 # 20,000 customers, 10 touches and an order each
    .venv/bin/python bench/erasure.py --customers 100000 --erase 200

Every customer gets touches, a message, an order with a payment and a shipment; one in ten a ticket with two
messages, an inbound e-mail and a survey answer. Then ``--erase`` of them are erased one by one through
``customers_erase_many`` (what the admin's background action runs). Most of an erasure reads by the customer's
own indexes; what scans (inbound e-mail quoting an address, the import jobs and stored files, the loop's errors)
grows with those tables, not with the customers. Uses a throwaway SQLite database under var/bench unless
DATABASE_URL is set. Last line: ``erasure: MS ms per customer (details)``.
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
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--touches", type=int, default=10)
    parser.add_argument("--erase", type=int, default=100)
    args = parser.parse_args()
    started = time.perf_counter()
    ids = build(args.customers, args.touches)
    print(f"built {len(ids):,} customers, {Touch.objects.count():,} touches in {time.perf_counter() - started:.1f}s")
    chosen = ids[:: max(1, len(ids) // args.erase)][: args.erase]
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        done = customers_erase_many(customer_ids=chosen, requested_by=None)
        elapsed = time.perf_counter() - started
    assert done.erased == len(chosen) == Erasure.objects.count()
    per = elapsed / len(chosen) * 1000
    print(
        f"erasure: {per:.1f} ms per customer ({len(chosen)} erased in {elapsed:.2f}s among {len(ids):,} customers "
        f"and {Touch.objects.count():,} touches; {len(queries) / len(chosen):.0f} queries each; {connection.vendor})"
    )


if __name__ == "__main__":
    main()
