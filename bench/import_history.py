"""Order history import (``bench/import.py --history``): the product's importer against ``bulk_create`` by 1,000.

    .venv/bin/python bench/import.py --history            # 1,000,000 lines, 250,000 orders, 100,000 customers
    .venv/bin/python bench/import.py --history --quick    # 100,000 lines, 10,000 customers
    DATABASE_URL=postgres://... .venv/bin/python bench/import.py --history

Both sides read the same CSV (one row per line, the order's columns repeated) into a database holding the
customers and products already, and write the same orders, lines and status history inside one transaction.
The baseline reads with ``csv.DictReader``, finds customers and products in dictionaries loaded beforehand,
parses dates with ``fromisoformat`` and calls ``bulk_create(batch_size=1000)`` for orders, then their lines and
status changes; it checks nothing. The importer (``orders.services.order_history_import``) detects the layout,
cleans every cell, looks customers, products and order numbers up per batch and would roll back on any error.
The tier and lifecycle refresh that an applied import queues for the worker is timed apart and printed: it is a
job of its own that runs after the import (and that the baseline has no counterpart of).
Each run is its own process (its own ``ru_maxrss``); the importer also runs on a tenth of the file.

Last line: ``history import: RATIO x (details)``.
"""

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
PRODUCTS = 500
STATUSES = ["delivered"] * 6 + ["paid", "cancelled", "refunded", "pending"]
PATHS = {
    "delivered": ["confirmed", "shipped", "delivered"],
    "paid": ["confirmed"],
    "cancelled": ["cancelled"],
    "refunded": ["confirmed", "shipped", "delivered", "returned"],
    "pending": [],
}
STATUS = {"delivered": "delivered", "paid": "confirmed", "cancelled": "cancelled", "refunded": "returned"}


def generate(path: Path, lines: int, customers: int) -> None:
    if path.exists():
        return
    rng = random.Random(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    start = dt.datetime(2022, 1, 1, 9, 0)  # noqa: DTZ001 - written as the shop would, without a zone
    with tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["order_number", "email", "placed_at", "status", "delivered_at", "sku", "product_name",
                    "quantity", "unit_price", "currency"])  # fmt: skip
        written, order = 0, 0
        while written < lines:
            count = min(rng.randint(1, 7), lines - written)
            placed = start + dt.timedelta(minutes=order * 3)
            status = STATUSES[order % len(STATUSES)]
            delivered = (
                (placed + dt.timedelta(days=3)).isoformat(sep=" ") if status in ("delivered", "refunded") else ""
            )
            email = f"customer{order % customers}@example.com"
            for _ in range(count):
                sku = rng.randrange(PRODUCTS)
                w.writerow([f"H-{order:07d}", email, placed.isoformat(sep=" "), status, delivered, f"SKU-{sku:04d}",
                            f"Product {sku}", rng.randint(1, 3), f"{rng.randint(100, 9999) / 100:.2f}", "USD"])  # fmt: skip  # noqa: E501
            written += count
            order += 1
    tmp.rename(path)


def _setup_django(db_path: str | None):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
    if db_path:
        os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    import django

    django.setup()


def child_seed(args):
    _setup_django(args.db)
    from decimal import Decimal

    from django.core.management import call_command

    from customers.models import Customer
    from orders.models import Product

    call_command("migrate", verbosity=0)
    # The customer bench may have left other customers, and no products, in the same database.
    if Customer.objects.count() != args.customers or Product.objects.count() != PRODUCTS:
        _truncate(["orders_order", "orders_product", "customers_customer"])
        Customer.objects.bulk_create(
            (Customer(first_name="Ali", email=f"customer{i}@example.com") for i in range(args.customers)),
            batch_size=5000,
        )
        Product.objects.bulk_create(
            Product(sku=f"SKU-{i:04d}", name=f"Product {i}", price=Decimal("10")) for i in range(PRODUCTS)
        )


def _truncate(tables):
    from django.db import connection

    from orders.models import Order, OrderLine, OrderStatusChange

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    else:
        for model in (OrderStatusChange, OrderLine, Order):
            model.objects.all().delete()


def _baseline(path):
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from customers.models import Customer
    from orders.models import Order, OrderLine, OrderStatusChange, Product

    customers = dict(Customer.objects.values_list("email", "pk"))
    products = dict(Product.objects.values_list("sku", "pk"))
    now = timezone.now()

    def flush(batch):
        orders = Order.objects.bulk_create([o for o, _lines, _moves in batch], batch_size=1000)
        lines, changes = [], []
        for order, (_o, order_lines, moves) in zip(orders, batch, strict=True):
            for line in order_lines:
                line.order_id = order.pk
                lines.append(line)
            changes += [OrderStatusChange(subject_id=order.pk, from_status=a, to_status=b, changed_at=at)
                        for a, b, at in moves]  # fmt: skip
        OrderLine.objects.bulk_create(lines, batch_size=1000)
        OrderStatusChange.objects.bulk_create(changes, batch_size=1000)

    with open(path, newline="", encoding="utf-8") as f, transaction.atomic():
        batch, current = [], None
        for row in csv.DictReader(f):
            if current is None or current[0].number != row["order_number"]:
                placed = timezone.make_aware(dt.datetime.fromisoformat(row["placed_at"]))
                delivered = (
                    timezone.make_aware(dt.datetime.fromisoformat(row["delivered_at"]))
                    if row["delivered_at"]
                    else placed
                )
                steps, previous = PATHS[row["status"]], "new"
                moves = []
                for step in steps:
                    moves.append((previous, step, placed if step == "confirmed" else delivered))
                    previous = step
                order = Order(number=row["order_number"], customer_id=customers[row["email"]], placed_at=placed,
                              status=STATUS.get(row["status"], "new"), currency=row["currency"], imported_at=now)  # fmt: skip  # noqa: E501
                current = (order, [], moves)
                batch.append(current)
                if len(batch) == 1000:
                    flush(batch)
                    batch = []
            current[1].append(OrderLine(product_id=products[row["sku"]], quantity=int(row["quantity"]),
                                        unit_price=Decimal(row["unit_price"])))  # fmt: skip
        flush(batch)
    return True


def child_run(args):
    _setup_django(args.db)
    from orders.models import OrderLine

    _truncate(["orders_order"])
    start = time.perf_counter()
    if args.child == "history-baseline":
        ok = _baseline(args.file)
    else:
        from orders import tasks
        from orders.services import order_history_import

        # The tier and lifecycle refresh that an applied import queues runs on the worker, after it: timed apart.
        queued = []
        tasks.refresh_profiles_after_history_import.delay = lambda **kwargs: queued.append(kwargs)
        with open(args.file, "rb") as stream:
            result = order_history_import(stream=stream, name=os.path.basename(args.file))
        ok = result.applied
        if not ok:
            print([str(e) for e in result.errors[:5]], file=sys.stderr)
    seconds = time.perf_counter() - start
    refresh_seconds = 0.0
    if args.child != "history-baseline":
        started = time.perf_counter()
        for kwargs in queued:
            tasks.refresh_profiles_after_history_import.apply(kwargs=kwargs).get()
        refresh_seconds = time.perf_counter() - started
    count = OrderLine.objects.count()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures = {"seconds": seconds, "refresh": refresh_seconds, "rss_mb": rss_kb / 1024, "rows": count, "ok": ok}
    print(json.dumps(figures))


def measure(kind: str, file: Path, template: Path | None) -> dict:
    db = None
    if template is not None:
        db = WORK / f"history-{kind}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, db)
    cmd = [sys.executable, str(ROOT / "bench" / "import.py"), "--child", kind, "--file", str(file)]
    if db:
        cmd += ["--db", str(db)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    if db:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    print(f"  {kind:<20} {file.name:<32} {figures['seconds']:7.1f} s  peak RSS {figures['rss_mb']:5.0f} MB", flush=True)
    if not figures["ok"] or figures["rows"] == 0:
        raise SystemExit(f"{kind} did not import {file}")
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", action="store_true")
    parser.add_argument("--rows", type=int, default=1_000_000, help="order lines")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="100,000 lines for 10,000 customers")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", choices=["history-seed", "history-baseline", "history-importer"])
    parser.add_argument("--file")
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.customers = 100_000, 10_000
    if args.child == "history-seed":
        return child_seed(args)
    if args.child:
        return child_run(args)

    rows, small_rows = args.rows, max(args.rows // 10, 1000)
    big = WORK / f"history-{rows}-{args.customers}.csv"
    small = WORK / f"history-{small_rows}-{args.customers}.csv"
    print(f"Order history import bench: {rows:,} lines for {args.customers:,} customers", flush=True)
    generate(big, rows, args.customers)
    generate(small, small_rows, args.customers)
    template = None
    seed = [sys.executable, str(ROOT / "bench" / "import.py"), "--child", "history-seed",
            "--customers", str(args.customers)]  # fmt: skip
    if not os.environ.get("DATABASE_URL"):
        template = WORK / f"history-template-{args.customers}.sqlite3"
        template.unlink(missing_ok=True)
        seed += ["--db", str(template)]
    subprocess.run(seed, check=True)
    baselines, importers = [], []
    for _ in range(args.repeat):
        baselines.append(measure("history-baseline", big, template))
        importers.append(measure("history-importer", big, template))
    baseline = min(baselines, key=lambda f: f["seconds"])
    importer = min(importers, key=lambda f: f["seconds"])
    importer_rss = max(f["rss_mb"] for f in importers)
    baseline_rss = max(f["rss_mb"] for f in baselines)
    memory_small = measure("history-importer", small, template)
    ratio = baseline["seconds"] / importer["seconds"]
    backend = "sqlite" if template else "postgresql"
    print(
        f"history import: {ratio:.1f} x (importer {importer['seconds']:.1f}s vs bulk_create/1000 "
        f"{baseline['seconds']:.1f}s for {rows:,} lines / {args.customers:,} customers on {backend}, best of "
        f"{args.repeat}; importer peak RSS {memory_small['rss_mb']:.0f} MB at {small_rows:,} vs {importer_rss:.0f} MB "
        f"at {rows:,}; baseline peak RSS {baseline_rss:.0f} MB; then the tier and lifecycle refresh job "
        f"{importer['refresh']:.1f}s on the worker)"
    )
