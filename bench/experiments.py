"""A/B test listing and send moments at scale: the split's cost over a plain listing, and one UPDATE per time zone
against one UPDATE per message.

    .venv/bin/python bench/experiments.py               # 200,000 customers
    .venv/bin/python bench/experiments.py --quick       # 20,000 customers
    .venv/bin/python bench/experiments.py --customers 1000000

Listing: the same audience is listed for two campaigns, one plain (``messages_materialize``) and one with a 10%
holdout and a 20% test of two variants (the first listing, then the rest after a forced decision). Each listing
includes the send moments ("10:00 local time", five time zones). The shares found are printed.

Send moments: the messages of the plain campaign get their moment again, set-based (one UPDATE per zone) and as a
naive loop would (one UPDATE per message), timed on an evenly spread sample (``--sample``) and scaled; the loop's
cost per message is constant. Both must write the same moments.

Uses a throwaway SQLite database under var/bench unless DATABASE_URL is set.
Last line: ``experiments: RATIO x (details)`` with RATIO the speed-up of the per-zone send moments.
"""

import argparse
import datetime as dt
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
DB_FILE = ROOT / "var" / "bench" / "experiments.sqlite3"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{DB_FILE}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from campaigns.models import Campaign, Creative, Experiment, ExperimentStatus, HoldoutMember, Message, Variant  # noqa: E402
from campaigns.services.experiments import experiment_decide, experiment_list_rest  # noqa: E402
from campaigns.services.send_times import messages_schedule, send_moment  # noqa: E402
from campaigns.services.sending import messages_materialize  # noqa: E402
from customers.models import Consent, ConsentChannel, Customer, Segment, SegmentMembership  # noqa: E402

ZONES = ("Asia/Tehran", "Asia/Dubai", "America/New_York", "Europe/London", "Asia/Riyadh")


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


def audience(size):
    segment = Segment.objects.create(name="Everyone")
    step = 20_000
    for start in range(0, size, step):
        made = Customer.objects.bulk_create(
            [
                Customer(first_name=f"C{i}", last_name="B", email=f"c{i}@example.com", time_zone=ZONES[i % len(ZONES)])
                for i in range(start, min(start + step, size))
            ]
        )
        ids = [c.pk for c in made] if made[0].pk else list(
            Customer.objects.filter(email__in=[c.email for c in made]).values_list("pk", flat=True)
        )  # fmt: skip
        Consent.objects.bulk_create([Consent(customer_id=i, channel=ConsentChannel.EMAIL, granted=True) for i in ids])
        SegmentMembership.objects.bulk_create([SegmentMembership(segment=segment, customer_id=i) for i in ids])
    return segment


def campaign(segment, name):
    c = Campaign.objects.create(name=name, local_send_time=dt.time(10, 0))
    c.segments.add(segment)
    Creative.objects.create(campaign=c, name="Mail", subject="Hello", html_body="<p>Hi</p>")
    return c


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sample", type=int, default=2_000)
    args = parser.parse_args()
    size = 20_000 if args.quick else args.customers
    fresh_database()
    log(f"{connection.vendor}: {size:,} customers in {len(ZONES)} time zones")
    segment = audience(size)

    plain = campaign(segment, "Plain")
    plain_s, listed = timed(lambda: messages_materialize(campaign=plain))
    log(f"plain listing: {listed:,} messages in {plain_s:.2f} s")

    tested = campaign(segment, "Tested")
    Variant.objects.create(campaign=tested, name="A", is_control=True)
    Variant.objects.create(campaign=tested, name="B", subject="Other")
    experiment = Experiment.objects.create(campaign=tested, test_percent=20, holdout_percent=10, seed=20261206)
    first_s, in_test = timed(lambda: messages_materialize(campaign=tested))
    Experiment.objects.filter(pk=experiment.pk).update(decide_at=timezone.now() - dt.timedelta(seconds=1))
    experiment_decide(experiment_id=experiment.pk)
    rest_s, rest = timed(lambda: experiment_list_rest(experiment_id=experiment.pk))
    assert Experiment.objects.get(pk=experiment.pk).status == ExperimentStatus.DECIDED
    held = HoldoutMember.objects.filter(campaign=tested).count()
    shares = Counter(Message.objects.filter(campaign=tested, in_test=True).values_list("variant__name", flat=True))
    log(
        f"with a test: {in_test:,} test messages ({dict(shares)}), {held:,} held out "
        f"({held / size:.2%}), then {rest:,} for the rest; {first_s:.2f} s + {rest_s:.2f} s "
        f"= {(first_s + rest_s) / plain_s:.2f}x the plain listing"
    )

    now = timezone.now()
    Message.objects.filter(campaign=plain).update(next_attempt_at=None)
    zones_s, statements = timed(lambda: messages_schedule(campaign=plain, now=now))
    expected = {tz: send_moment(time_zone=tz, at=dt.time(10, 0), now=now) for tz in ZONES}
    rows = list(Message.objects.filter(campaign=plain).values_list("pk", "customer__time_zone", "next_attempt_at"))
    assert all(at == expected[tz] for _pk, tz, at in rows)
    sample = rows[:: max(len(rows) // args.sample, 1)][: args.sample]
    Message.objects.filter(pk__in=[pk for pk, _tz, _at in sample]).update(next_attempt_at=None)
    start = time.perf_counter()
    for pk, tz, _at in sample:
        Message.objects.filter(pk=pk).update(next_attempt_at=send_moment(time_zone=tz, at=dt.time(10, 0), now=now))
    loop_s = (time.perf_counter() - start) / len(sample) * len(rows)
    assert all(
        at == expected[tz]
        for tz, at in Message.objects.filter(pk__in=[pk for pk, _tz, _at in sample]).values_list(
            "customer__time_zone", "next_attempt_at"
        )
    )
    log(f"send moments: {statements} UPDATEs in {zones_s:.2f} s; one per message (scaled) {loop_s:.2f} s")
    log(
        f"experiments: {loop_s / zones_s:.1f} x (per-zone send moments vs one UPDATE per message, {len(rows):,} "
        f"messages; listing with a holdout and a test {(first_s + rest_s) / plain_s:.2f}x a plain listing)"
    )


if __name__ == "__main__":
    main()
