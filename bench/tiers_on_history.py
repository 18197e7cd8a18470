"""The default tier rules on a real retail history: do they rate the company's best customers most valuable, and
keep the ones the model believes gone out of "potential"?

    .venv/bin/python bench/tiers_on_history.py --cdnow PATH/TO/CDNOW_master.txt

The history is the public CDNOW sample used to introduce BG/NBD (Fader, Hardie & Lee, 2005): 23,570 customers who
first bought in the first quarter of 1997, and their 69,659 purchases until the end of June 1998, one line per
purchase (customer id, date as YYYYMMDD, number of CDs, dollars). It is not shipped with the product.

Every purchase becomes an order, the nightly refresh runs at the end of the period (the model fitted on the
company's own buyers, the tier rules at their defaults), and the figures below are printed:

- of the top 20% of customers by spend, and by predicted value, the share rated "most valuable";
- of the customers the model gives a probability of still being a customer under 0.3, how many are rated
  "potential" or better, and how many are win-back targets;
- the long-lapsed heavy buyers (20 purchases or more, none in the last ten months): their tier and stage.

Uses a throwaway SQLite database under var/bench unless DATABASE_URL is set.
"""

import argparse
import datetime as dt
import os
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
DB_FILE = ROOT / "var" / "bench" / "cdnow.sqlite3"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{DB_FILE}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from customers.models import Customer, CustomerValue, LifecycleStage, TierPolicy, ValueTier  # noqa: E402
from customers.services import customers_refresh_profiles  # noqa: E402
from orders.models import Order  # noqa: E402

END = dt.datetime(1998, 7, 1, tzinfo=dt.UTC)


def load(path):
    if connection.vendor == "sqlite":
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DB_FILE}{suffix}").unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    if connection.vendor != "sqlite":
        call_command("flush", interactive=False, verbosity=0)
    purchases = []
    for line in Path(path).read_text().splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[0].isdigit():  # a header line, if any, is skipped
            customer, day, _quantity, dollars = fields
            placed = dt.datetime.strptime(day, "%Y%m%d").replace(hour=12, tzinfo=dt.UTC)
            purchases.append((int(customer), placed, Decimal(dollars)))
    ids = sorted({c for c, _placed, _total in purchases})
    with transaction.atomic():
        Customer.objects.bulk_create(
            [Customer(pk=pk, email=f"c{pk}@cdnow.example", created_at=END - dt.timedelta(days=600)) for pk in ids],
            batch_size=5000,
        )
        Order.objects.bulk_create(
            [
                Order(number=f"CD{n:06d}", customer_id=c, status="delivered", total=total, currency="USD",
                      placed_at=placed)
                for n, (c, placed, total) in enumerate(purchases, start=1)
            ],
            batch_size=5000,
        )  # fmt: skip
    return len(ids), len(purchases)


def share(part, whole):
    return 100.0 * part / whole if whole else 0.0


def top_fifth(field):
    values = CustomerValue.objects.order_by(f"-{field}", "customer_id")
    count = values.count() // 5
    return list(values.values_list("customer_id", flat=True)[:count])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cdnow", required=True, help="CDNOW_master.txt")
    args = parser.parse_args()
    customers, orders = load(args.cdnow)
    print(f"{customers:,} customers, {orders:,} purchases; refresh at {END:%Y-%m-%d}")
    done = customers_refresh_profiles(now=END, refit=True, reason="history")
    fit = done.values.fit
    print(f"model: {'fitted on ' + str(fit.customers) + ' buyers' if fit and fit.succeeded else 'none'}; "
          f"tiers {done.tiers.by_value}; stages {done.stages.by_value}")  # fmt: skip
    policy = TierPolicy.current()
    tiers = dict(Customer.objects.values_list("pk", "value_tier"))
    stages = dict(Customer.objects.values_list("pk", "lifecycle_stage"))
    by_spend, by_value = top_fifth("spend"), top_fifth("predicted_value")
    best = ValueTier.MOST_VALUABLE
    spend_share = share(sum(tiers[pk] == best for pk in by_spend), len(by_spend))
    value_share = share(sum(tiers[pk] == best for pk in by_value), len(by_value))
    print(f"top 20% by spend rated most valuable: {spend_share:.1f}% of {len(by_spend):,}")
    print(f"top 20% by predicted value rated most valuable: {value_share:.1f}% of {len(by_value):,} "
          f"(the rest: probability still a customer under {policy.most_valuable_min_alive})")  # fmt: skip
    gone = list(CustomerValue.objects.filter(probability_alive__lt=0.3).values_list("customer_id", flat=True))
    high = {ValueTier.MOST_VALUABLE, ValueTier.POTENTIAL}
    win_back = share(sum(stages[pk] == LifecycleStage.WIN_BACK for pk in gone), len(gone))
    rated_high = sum(tiers[pk] in high for pk in gone)
    print(f"probability alive under 0.3: {len(gone):,} customers, {rated_high:,} rated potential or better, "
          f"{win_back:.1f}% win-back targets")  # fmt: skip
    lapsed = CustomerValue.objects.filter(purchases__gte=20, last_order_at__lt=END - dt.timedelta(days=300))
    for value in lapsed.order_by("-purchases")[:5]:
        print(f"  {value.purchases} purchases, {value.spend} spent, last {value.last_order_at:%Y-%m-%d}: "
              f"probability alive {value.probability_alive:.2f} → {tiers[value.customer_id]}, "
              f"{stages[value.customer_id]}")  # fmt: skip
    print(f"tiers_on_history: {value_share:.0f}% of the top fifth by predicted value most valuable, "
          f"{rated_high} of {len(gone):,} gone customers potential or better")  # fmt: skip


if __name__ == "__main__":
    main()
