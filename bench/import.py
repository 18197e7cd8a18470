"""Customer import: the product's importer against Django's ``bulk_create`` in batches of 1,000.

    .venv/bin/python bench/import.py            # 1,000,000 rows (a few minutes)
    .venv/bin/python bench/import.py --quick    # 100,000 rows
    .venv/bin/python bench/import.py --rows 250000
    DATABASE_URL=postgres://... .venv/bin/python bench/import.py
    .venv/bin/python bench/import.py --history  # order history: 1,000,000 lines for 100,000 customers

With ``--history`` the run is the order history import (``bench/import_history.py``): one row per order line,
the customers and products already there; the baseline groups the rows into orders and writes orders, lines and
their status history with ``bulk_create`` by 1,000, checking nothing.

Both sides read the same CSV file and write into an empty customer table inside one transaction. The baseline
builds ``Customer`` objects from ``csv.DictReader`` and calls ``bulk_create(batch_size=1000)``; it checks
nothing. The importer (``customers.services.customers_import``) also detects the encoding, cleans and validates
every row (digits, phones, e-mail addresses), looks up duplicate e-mail addresses per batch and would roll back
on any error. The two sides alternate ``--repeat`` times (default 2) and each keeps its best time. Each run is
a separate process so its peak memory (``ru_maxrss``) is its own; the importer also
runs on a tenth of the file to show that memory stays flat as the file grows.

Last line: ``import: RATIO x (details)``.
"""

import argparse
import csv
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
FIRST = ["Ali", "Sara", "Reza", "Maryam", "Omar", "Laila", "John", "Emma", "علی", "مریم", "محمد", "فاطمة", "خالد"]
LAST = ["Rezaei", "Karimi", "Smith", "Haddad", "رضایی", "کریمی", "العتيبي", "الحربي", "Brown"]
COUNTRIES = [("IR", "fa", "Tehran"), ("SA", "ar", "Riyadh"), ("AE", "ar", "Dubai"), ("GB", "en", "London")]


def generate(path: Path, rows: int) -> None:
    if path.exists():
        return
    sys.path.insert(0, str(ROOT))
    from emarketing.digits import localize_digits

    rng = random.Random(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["first_name", "last_name", "email", "phone", "country", "city", "preferred_language"])
        for i in range(rows):
            country, language, city = COUNTRIES[i % len(COUNTRIES)]
            # Iranian customers as people type a mobile (national form), the others in international form.
            phone = f"0912{i:07d}" if country == "IR" else f"+98 912 {i:07d}"
            if i % 10 == 0:
                phone = localize_digits(phone, "fa")
            email = f"customer{i}@example.com"
            w.writerow([rng.choice(FIRST), rng.choice(LAST), email, phone, country, city, language])
    tmp.rename(path)


# ---------------------------------------------------------------------------------------------------------------
# Child processes: one measured run each


def _setup_django(db_path: str | None):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
    if db_path:
        os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    import django

    django.setup()


def _empty_customer_table():
    from django.db import connection

    from customers.models import Customer

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {Customer._meta.db_table} RESTART IDENTITY CASCADE")
    else:
        Customer.objects.all().delete()


def child_migrate(args):
    _setup_django(args.db)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def child_run(args):
    _setup_django(args.db)
    from django.db import transaction

    from customers.models import Customer

    _empty_customer_table()
    start = time.perf_counter()
    if args.child == "baseline":
        with open(args.file, newline="", encoding="utf-8") as f, transaction.atomic():
            batch = []
            for row in csv.DictReader(f):
                batch.append(Customer(acquisition_source="import", **row))
                if len(batch) == 1000:
                    Customer.objects.bulk_create(batch)
                    batch = []
            Customer.objects.bulk_create(batch)
        ok = True
    else:
        from customers.services import customers_import

        with open(args.file, "rb") as stream:
            result = customers_import(stream=stream, name=os.path.basename(args.file), fast=args.child == "importer")
        ok = result.applied
        if not ok:
            print([str(e) for e in result.errors[:5]], file=sys.stderr)
    seconds = time.perf_counter() - start
    count = Customer.objects.count()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "rss_mb": rss_kb / 1024, "rows": count, "ok": ok}))


# ---------------------------------------------------------------------------------------------------------------
# The parent


def measure(kind: str, file: Path, template: Path | None) -> dict:
    db = None
    if template is not None:
        db = WORK / f"import-{kind}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, db)
    cmd = [sys.executable, __file__, "--child", kind, "--file", str(file)]
    if db:
        cmd += ["--db", str(db)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    if db:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    label = kind
    seconds, rss = figures["seconds"], figures["rss_mb"]
    print(f"  {label:<36} {file.name:<24} {seconds:7.1f} s  peak RSS {rss:5.0f} MB", flush=True)
    if not figures["ok"] or figures["rows"] == 0:
        raise SystemExit(f"{kind} did not import {file}")
    return figures


def main():
    if "--history" in sys.argv or any(a.startswith("history-") for a in sys.argv):
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from import_history import main as history_main

        return history_main()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each side; the best one counts")
    parser.add_argument("--orm", action="store_true", help="also time the importer's bulk_create fallback")
    parser.add_argument("--history", action="store_true", help="the order history import instead")
    parser.add_argument("--child", choices=["migrate", "baseline", "importer", "importer-orm"])
    parser.add_argument("--file")
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.child == "migrate":
        return child_migrate(args)
    if args.child:
        return child_run(args)

    rows = 100_000 if args.quick else args.rows
    small_rows = max(rows // 10, 1000)
    big, small = WORK / f"customers-{rows}.csv", WORK / f"customers-{small_rows}.csv"
    print(f"Customer import bench: {rows:,} rows (memory also at {small_rows:,})", flush=True)
    generate(big, rows)
    generate(small, small_rows)
    template = None
    migrate = [sys.executable, __file__, "--child", "migrate"]
    if not os.environ.get("DATABASE_URL"):
        template = WORK / "import-template.sqlite3"
        template.unlink(missing_ok=True)
        migrate += ["--db", str(template)]
    subprocess.run(migrate, check=True)
    sqlite = template is not None
    # Baseline and importer alternate, and each side keeps its best run: on a shared machine a neighbour's job
    # then slows both sides alike instead of deciding the ratio.
    baselines, importers = [], []
    for _ in range(args.repeat):
        baselines.append(measure("baseline", big, template))
        importers.append(measure("importer", big, template))
    baseline = min(baselines, key=lambda f: f["seconds"])
    importer = min(importers, key=lambda f: f["seconds"])
    importer["rss_mb"] = max(f["rss_mb"] for f in importers)
    baseline["rss_mb"] = max(f["rss_mb"] for f in baselines)
    if args.orm:
        measure("importer-orm", big, template)
    # Memory: the same import at a tenth of the size, against the full-size run above.
    memory_small = measure("importer", small, template)
    ratio = baseline["seconds"] / importer["seconds"]
    backend = "sqlite" if sqlite else "postgresql"
    print(
        f"import: {ratio:.1f} x (importer {importer['seconds']:.1f}s vs bulk_create/1000 {baseline['seconds']:.1f}s "
        f"for {rows:,} rows on {backend}, best of {args.repeat}; importer peak RSS {memory_small['rss_mb']:.0f} MB "
        f"at {small_rows:,} vs {importer['rss_mb']:.0f} MB at {rows:,}; baseline peak RSS {baseline['rss_mb']:.0f} MB)"
    )


if __name__ == "__main__":
    main()
