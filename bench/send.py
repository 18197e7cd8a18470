"""Batched campaign sending against the limit (a bare sender) and against one Celery task per recipient.

    .venv/bin/python bench/send.py              # 20,000 recipients
    .venv/bin/python bench/send.py --quick      # 2,000 recipients
    .venv/bin/python bench/send.py --recipients 5000 --broker redis://127.0.0.1:6379/15
    .venv/bin/python bench/send.py --eager      # no broker: tasks run in this process

The same campaign (English and Persian variants, a tracked link, the pixel, the preference/unsubscribe footer, the
List-Unsubscribe headers; DKIM-signed unless ``--no-dkim``) goes to the same consenting audience, into one aiosmtpd
server in its own process, three ways:

* bare: the limit. The campaign's messages rendered and built once beforehand, then handed to the server by
  ``--connections`` processes, each over one SMTP connection, doing nothing else.
* batched: the product's path, ``campaign_start`` → one ``send_campaign`` task per connection
  (``CAMPAIGNS_SEND_CONNECTIONS``) on a real Celery worker with that many processes → id-ordered batches of
  claimed messages, rendered, built, signed and marked one by one.
* baseline: one ``send_one_message`` task per recipient, each loading its rows, rendering, opening its own
  SMTP connection and marking its message.

The worker runs on the broker (default: Redis on localhost, database 15, so nothing else's queue is touched).
With ``--eager`` the tasks run in this process instead over one connection, which leaves out the broker round
trip of each per-recipient task (the ratio is then a lower bound). The database is a throwaway SQLite file under
var/bench unless DATABASE_URL is set (PostgreSQL: several workers claim batches side by side).
The last line is ``SEND: <N> x (batched … vs one task per recipient …; <M> x of the bare sender …)``.
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
    from campaigns.services.senders import CampaignSenders
    from campaigns.services.sending import _deliver, mail_connection, render_for
    from campaigns.services.sending.pipeline import outgoing
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
    rendered = CampaignSenders(message.campaign.sender).apply(rendered, language=ctx["language"])
    connection = mail_connection()
    email = outgoing(
        rendered, to=ctx["email"], connection=connection, from_email=rendered.from_email, kind="c", row_id=message.pk
    )
    try:
        _deliver(email, connection)  # the same message as the batched path: return path, DKIM
    finally:
        connection.close()
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
    for name in ("Batched", "Baseline", "Bare"):
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


def bare_sender(port, messages, conn):
    """The limit: hand pre-built messages to the sink over one connection, as fast as it takes them."""
    import smtplib

    smtp = smtplib.SMTP("127.0.0.1", port, local_hostname="bench.example.com")
    conn.recv()  # wait for the start signal, so that every connection starts together
    t0 = time.perf_counter()
    for sender, recipient, data in messages:
        smtp.sendmail(sender, [recipient], data)
    conn.send(time.perf_counter() - t0)
    smtp.quit()


def run_bare(port, messages, connections):
    """Seconds the bare senders take for ``messages``, shared over ``connections`` processes."""
    shares = [messages[i::connections] for i in range(connections)]
    pipes, procs = [], []
    for share in shares:
        parent, child = multiprocessing.Pipe()
        proc = multiprocessing.Process(target=bare_sender, args=(port, share, child), daemon=True)
        proc.start()
        pipes.append(parent)
        procs.append(proc)
    time.sleep(1.0)  # every connection open and greeted
    t0 = time.perf_counter()
    for parent in pipes:
        parent.send("go")
    for parent in pipes:
        parent.recv()
    elapsed = time.perf_counter() - t0
    for proc in procs:
        proc.join(30)
    return elapsed


def prebuilt_messages(campaign):
    """The campaign's messages rendered, built and signed once by the product (tracked links, footer, headers,
    return path, DKIM), as the bare sender hands them over: (envelope sender, recipient, bytes)."""
    from campaigns.models import Message
    from campaigns.services import links_sync
    from campaigns.services.sending import CampaignMessages, Claim, mail_connection, messages_materialize
    from campaigns.services.sending.pipeline import outgoing

    messages_materialize(campaign=campaign)
    links_sync(campaign=campaign)
    kind = CampaignMessages(campaign)
    connection = mail_connection()
    ids = list(Message.objects.filter(campaign=campaign).order_by("pk").values_list("pk", flat=True))
    Message.objects.filter(pk__in=ids).update(status="sending", claim="bench")
    built = []
    for start in range(0, len(ids), 1000):
        loaded = kind.load(Claim(token="bench", ids=ids[start : start + 1000]))
        for row in loaded.pending:
            to, rendered = kind.render(row)
            sender, (recipient,), data, _options = outgoing(
                rendered, to=to, connection=connection, from_email=rendered.from_email, kind="c", row_id=row.pk
            )
            built.append((sender, recipient, data))
    Message.objects.filter(pk__in=ids).delete()
    return built


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="2,000 recipients")
    parser.add_argument("--connections", type=int, default=2, help="SMTP connections (and worker processes)")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/15", help="the broker of the real worker")
    parser.add_argument("--eager", action="store_true", help="run the tasks in this process, without a broker")
    parser.add_argument("--no-dkim", action="store_true", help="send unsigned (the sending domain gets no key)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the one-task-per-recipient run")
    parser.add_argument(
        "--sink",
        choices=["aiosmtpd", "postfix"],
        default="aiosmtpd",
        help="the server both senders hand messages to: aiosmtpd counting them, or a private Postfix (root, Debian's "
        "package) queueing each message to disk before it answers, then relaying it to the counting aiosmtpd",
    )
    args = parser.parse_args()
    n = 2_000 if args.quick else args.recipients
    if args.eager:
        args.broker = ""
        args.connections = 1

    port = free_port()
    parent_conn, child_conn = multiprocessing.Pipe()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=smtp_server, args=(port, child_conn, ready), daemon=True)
    server.start()
    ready.wait(10)
    postfix = None
    if args.sink == "postfix":
        import tempfile

        from tests.mailserver import RelaySink, start_postfix

        postfix = start_postfix(Path(tempfile.mkdtemp(prefix="bench-postfix-")), RelaySink(), port)
        port = postfix.port
        hold_relay(postfix, True)

    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    db_file = bench_dir / "send.sqlite3"
    if not os.environ.get("DATABASE_URL"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "emarketing.settings.local"
    os.environ["CAMPAIGNS_EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    os.environ["CAMPAIGNS_FROM_EMAIL"] = "Bench Shop <news@bench-shop.example>"
    os.environ["CAMPAIGNS_SEND_RATE"] = "0"
    os.environ["CAMPAIGNS_SEND_CONNECTIONS"] = str(args.connections)
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
    batched_campaign, baseline_campaign, bare_campaign = build_audience(n)
    dkim = not args.no_dkim and sign_with_dkim("bench-shop.example")

    print("Building the bare sender's messages …", flush=True)
    prebuilt = prebuilt_messages(bare_campaign)

    worker = None
    if args.broker:
        from emarketing.celery import app

        app.control.purge()
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "emarketing", "worker", "-I", "bench.send",
             f"--concurrency={args.connections}", "--prefetch-multiplier=1", "--loglevel=WARNING",
             "--without-gossip", "--without-mingle", "--pool=prefork"],
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

    def counts():
        """What the counting server received, once everything handed over has arrived (Postfix relays it on)."""
        if postfix is not None:
            hold_relay(postfix, False)
        deadline = time.monotonic() + 600
        while True:
            parent_conn.send("counts")
            found = parent_conn.recv()
            if sum(found.values()) >= n or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        parent_conn.send("reset")
        parent_conn.recv()
        if postfix is not None:
            hold_relay(postfix, True)
        return found

    baseline = None
    try:
        # The limit: the same messages, pre-built, over the same number of connections.
        bare = run_bare(port, prebuilt, args.connections)
        bare_counts = counts()

        # Batched: the product's path.
        t0 = time.perf_counter()
        campaign_start(campaign=batched_campaign)
        wait_done(batched_campaign.pk, n)
        batched = time.perf_counter() - t0
        batched_counts = counts()

        # Baseline: one task per recipient.
        if not args.no_baseline:
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
            baseline_counts = counts()
    finally:
        if worker:
            worker.terminate()
            worker.wait(30)
        parent_conn.send("stop")
        if postfix is not None:
            import shutil

            from tests.mailserver import stop_postfix

            stop_postfix(postfix)
            shutil.rmtree(postfix.root, ignore_errors=True)

    def once(found):
        return len(found) == n and set(found.values()) == {1}

    batched_rate, bare_rate = n / batched, n / bare
    sink = "Postfix on localhost" if args.sink == "postfix" else "aiosmtpd on localhost"
    limit_ratio = batched_rate / bare_rate
    mode = f"real worker on {args.broker.split('://')[0]}" if args.broker else "eager tasks, in process"
    print(f"bare    : {bare:8.2f} s  {bare_rate:8.0f} msg/s  each recipient exactly once: {once(bare_counts)}")
    print(f"batched : {batched:8.2f} s  {batched_rate:8.0f} msg/s  each recipient exactly once: {once(batched_counts)}")
    details = (
        f"{limit_ratio:.2f} x of the bare sender {bare_rate:.0f} msg/s; DKIM {'on' if dkim else 'off'}; "
        f"{args.connections} connection(s); {n} recipients, {sink}, {mode}, "
        f"{django.db.connection.vendor}"
    )
    if baseline is None:
        print(f"SEND: - x (batched {batched_rate:.0f} msg/s; {details})")
        return
    baseline_rate = n / baseline
    print(
        f"baseline: {baseline:8.2f} s  {baseline_rate:8.0f} msg/s  each recipient exactly once: {once(baseline_counts)}"
    )
    print(
        f"SEND: {batched_rate / baseline_rate:.1f} x (batched {batched_rate:.0f} msg/s vs one task per recipient "
        f"{baseline_rate:.0f} msg/s; {details})"
    )


def hold_relay(postfix, hold):
    """While a run is timed, Postfix only accepts and queues (its smtpd and cleanup, each message written to its
    queue); relaying on to the counting server, which would take CPU from whichever sender runs, waits until the
    run is over and its messages are counted."""
    import shutil

    postconf = shutil.which("postconf", path="/usr/sbin:/usr/bin:/sbin:/bin")
    held = "smtp" if hold else ""
    subprocess.run([postconf, "-c", str(postfix.config), "-e", f"defer_transports={held}"], check=True)
    postfix.run("reload")
    if not hold:
        subprocess.run([postfix.postqueue_command, "-c", str(postfix.config), "-f"], check=True)
    time.sleep(1)


def sign_with_dkim(domain):
    """Give the bench's sending domain an active DKIM key, so that every message is signed; False when this
    version of the product has no sending domains."""
    try:
        from campaigns.services.domains import dkim_key_activate, sending_domain_create
    except ImportError:
        return False
    created = sending_domain_create(domain=domain)
    dkim_key_activate(key=created.dkim_keys.get(), require_published=False)
    return True


if __name__ == "__main__":
    main()
