"""Batched campaign sending vs one Celery task per recipient, into the same local SMTP server.

    .venv/bin/python bench/send.py              # 20,000 recipients
    .venv/bin/python bench/send.py --quick      # 2,000 recipients
    .venv/bin/python bench/send.py --recipients 5000 --broker redis://127.0.0.1:6379/15
    .venv/bin/python bench/send.py --eager      # no broker: tasks run in this process

Both runs send the same campaign (English and Persian variants, a tracked link, the pixel, the footer and the
List-Unsubscribe headers) to the same consenting audience, into one aiosmtpd server in its own process.

* batched: the product's path, ``campaign_start`` → ``send_campaign`` → id-ordered batches of claimed
  messages over one SMTP connection.
* baseline: one ``send_one_message`` task per recipient, each loading its rows, rendering, opening its own
  SMTP connection and marking its message.

Both go through a real Celery worker (``--concurrency 1``) on the broker (default: Redis on localhost,
database 15, so nothing else's queue is touched). With ``--eager`` the tasks run in this process instead,
which leaves out the broker round trip of each per-recipient task (the ratio is then a lower bound).
The database is a throwaway SQLite file under var/bench unless DATABASE_URL is set.
The last line is ``SEND: <ratio> x (details)``.
"""

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

from celery import shared_task

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@shared_task(name="bench.send.send_one_message", acks_late=True)
def send_one_message(message_id):
    """The baseline: what one task per recipient does, with the product's own rendering and headers."""
    from django.db.models import F
    from django.utils import timezone

    from campaigns.models import Link, Message, MessageStatus
    from campaigns.selectors import (
        contactable_by_email,
        customers_email_context,
        customers_recommended_products,
        recommended_products,
    )
    from campaigns.services.sending import build_email, mail_connection, render_for
    from campaigns.templating import CompiledCreative
    from emarketing.db import relaxed_commits

    message = Message.objects.select_related("campaign", "creative").get(pk=message_id)
    if message.status != MessageStatus.QUEUED:
        return
    if not contactable_by_email().filter(pk=message.customer_id).exists():
        return
    ctx = customers_email_context(customer_ids=[message.customer_id])[message.customer_id]
    products = customers_recommended_products(customer_ids=[message.customer_id]).get(message.customer_id)
    creative = message.creative
    compiled = CompiledCreative.of(creative)
    rendered = render_for(
        compiled=compiled,
        context={
            "customer": ctx["customer"],
            "occasions": ctx["occasions"],
            "occasion": {},
            "recommended_products": products or recommended_products(campaign=message.campaign),
        },
        language=ctx["language"],
        campaign_id=message.campaign_id,
        customer_id=message.customer_id,
        creative_id=creative.pk,
        links=dict(Link.objects.filter(campaign_id=message.campaign_id).values_list("url", "pk")),
    )
    connection = mail_connection()
    build_email(rendered, to=ctx["email"], connection=connection).send()
    with relaxed_commits():  # the same commit durability as the batched path
        Message.objects.filter(pk=message_id).update(
            status=MessageStatus.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1
        )


def build_audience(n):
    """Two identical campaigns (English and Persian) on one segment of ``n`` consenting customers."""
    from django.utils import timezone

    from campaigns.models import Campaign, Creative
    from customers.models import Consent, Customer, Segment, SegmentMembership

    segment = Segment.objects.create(name=f"Bench {time.time()}")
    now = timezone.now()
    for start in range(0, n, 2000):
        size = min(2000, n - start)
        customers = Customer.objects.bulk_create(
            [
                Customer(
                    first_name=f"Customer {i}" if i % 3 else f"مشتری {i}",
                    last_name="Bench",
                    email=f"c{i}@bench.example.com",
                    preferred_language="en" if i % 3 else "fa",
                    created_at=now,
                )
                for i in range(start, start + size)
            ]
        )
        if customers[0].pk is None:  # backends that do not return ids
            customers = list(Customer.objects.filter(email__endswith="@bench.example.com").order_by("-pk")[:size])
        Consent.objects.bulk_create([Consent(customer=c, channel="email", granted=True) for c in customers])
        SegmentMembership.objects.bulk_create([SegmentMembership(segment=segment, customer=c) for c in customers])
    campaigns = []
    for name in ("Batched", "Baseline"):
        campaign = Campaign.objects.create(name=name)
        campaign.segments.add(segment)
        Creative.objects.create(
            campaign=campaign,
            name=name,
            language="en",
            subject="Hello {{ customer.first_name }}, our spring offer",
            html_body="<p>Hello {{ customer.first_name }},</p><p>Spring is here.</p>"
            '<a href="https://shop.example.com/spring">See the offer</a>',
            text_body="Hello {{ customer.first_name }}, spring is here: https://shop.example.com/spring",
        )
        Creative.objects.create(
            campaign=campaign,
            name=name,
            language="fa",
            subject="سلام {{ customer.first_name }}",
            html_body='<p>سلام {{ customer.first_name }}</p><a href="https://shop.example.com/spring">پیشنهاد</a>',
            text_body="سلام {{ customer.first_name }}",
        )
        campaigns.append(campaign)
    return campaigns


def smtp_server(port, conn, ready):
    """A real SMTP server in its own process; answers the number of messages per recipient when asked."""
    import asyncio  # noqa: F401
    from collections import Counter

    from aiosmtpd.controller import Controller

    counts = Counter()

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd calls handlers by these names)
            for rcpt in envelope.rcpt_tos:
                counts[rcpt] += 1
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        command = conn.recv()
        if command == "counts":
            conn.send(dict(counts))
        elif command == "reset":
            counts.clear()
            conn.send(True)
        else:
            break
    controller.stop()


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="2,000 recipients")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/15", help="the broker of the real worker")
    parser.add_argument("--eager", action="store_true", help="run the tasks in this process, without a broker")
    args = parser.parse_args()
    n = 2_000 if args.quick else args.recipients
    if args.eager:
        args.broker = ""

    port = free_port()
    parent_conn, child_conn = multiprocessing.Pipe()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=smtp_server, args=(port, child_conn, ready), daemon=True)
    server.start()
    ready.wait(10)

    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    db_file = bench_dir / "send.sqlite3"
    if not os.environ.get("DATABASE_URL"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "emarketing.settings.local"
    os.environ["CAMPAIGNS_EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    os.environ["CAMPAIGNS_SEND_RATE"] = "0"
    os.environ["CAMPAIGNS_SEND_TASK_SECONDS"] = "3600"
    os.environ["LOG_LEVEL"] = "WARNING"
    if args.broker:
        os.environ["CELERY_BROKER_URL"] = args.broker
        os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    else:
        os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from campaigns.models import Message, MessageStatus
    from campaigns.services import campaign_start

    print(f"Listing {n} consenting recipients …", flush=True)
    batched_campaign, baseline_campaign = build_audience(n)

    worker = None
    if args.broker:
        from emarketing.celery import app

        app.control.purge()
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "emarketing", "worker", "-I", "bench.send", "--concurrency=1",
             "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--pool=prefork"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        time.sleep(6)

    def wait_done(campaign_id, expected, timeout=3600):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = Message.objects.filter(campaign_id=campaign_id, status=MessageStatus.SENT).count()
            if done >= expected:
                return
            time.sleep(0.05)
        raise SystemExit("timed out")

    try:
        # Batched: the product's path.
        t0 = time.perf_counter()
        campaign_start(campaign=batched_campaign)
        wait_done(batched_campaign.pk, n)
        batched = time.perf_counter() - t0

        parent_conn.send("counts")
        batched_counts = parent_conn.recv()
        parent_conn.send("reset")
        parent_conn.recv()

        # Baseline: one task per recipient.
        from campaigns.services import links_sync
        from campaigns.services.sending import messages_materialize

        t0 = time.perf_counter()
        messages_materialize(campaign=baseline_campaign)
        links_sync(campaign=baseline_campaign)
        ids = list(Message.objects.filter(campaign=baseline_campaign).order_by("pk").values_list("pk", flat=True))
        for pk in ids:
            send_one_message.delay(pk)
        wait_done(baseline_campaign.pk, n)
        baseline = time.perf_counter() - t0
        parent_conn.send("counts")
        baseline_counts = parent_conn.recv()
    finally:
        if worker:
            worker.terminate()
            worker.wait(30)
        parent_conn.send("stop")

    exactly_once = len(batched_counts) == n and set(batched_counts.values()) == {1}
    baseline_once = len(baseline_counts) == n and set(baseline_counts.values()) == {1}
    batched_rate, baseline_rate = n / batched, n / baseline
    ratio = batched_rate / baseline_rate
    mode = f"real worker on {args.broker.split('://')[0]}" if args.broker else "eager tasks, in process"
    print(f"batched : {batched:8.2f} s  {batched_rate:8.0f} msg/s  each recipient exactly once: {exactly_once}")
    print(f"baseline: {baseline:8.2f} s  {baseline_rate:8.0f} msg/s  each recipient exactly once: {baseline_once}")
    print(
        f"SEND: {ratio:.1f} x (batched {batched_rate:.0f} msg/s vs one task per recipient {baseline_rate:.0f} msg/s; "
        f"{n} recipients, aiosmtpd on localhost, {mode}, {django.db.connection.vendor})"
    )


if __name__ == "__main__":
    main()
