"""Outgoing webhooks: 10,000 events over 500 objects to a local receiver that fails 10% of the posts at random.

    .venv/bin/python bench/webhooks.py                 # 10,000 events, 500 objects, 10% failures
    .venv/bin/python bench/webhooks.py --quick         # 1,000 events, 50 objects
    .venv/bin/python bench/webhooks.py --events 20000 --objects 1000 --fail 0.2

The receiver is a threaded ``http.server`` in its own process on 127.0.0.1; it answers 500 to a random share of
the posts (``--fail``) and 200 to the rest, and keeps every post (delivery id, object, sequence, answer). Two runs:

* product: the events are published through the bus (``publish`` in transactions of 100, each writing its outbox
  rows), then the sender (``webhooks_send_due``: claims of one head per object, posts on WEBHOOK_SEND_THREADS
  connections, outcomes recorded, failed ones retried after their backoff) runs until every delivery is delivered.
  Backoff is shortened to 0.05 s doubling to 1 s so that the run measures sending, not waiting.
* baseline: the same signed posts made directly in a loop over one connection, each repeated until it is accepted
  (no database, no outbox, no claims): the limit of a sender that keeps nothing.

Checked, and the bench fails otherwise: every event accepted exactly once (by delivery id), and per object every
post is of the event after the last one accepted (nothing overtakes an event that failed). The database is a
throwaway SQLite file under var/bench unless DATABASE_URL is set.
The last line is ``WEBHOOKS: <N> events in <s> s (<e>/s), <r> x the time of the bare loop (<b> s)``.
"""

import argparse
import json
import multiprocessing
import os
import random
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def serve(port_out, fail: float, seed: int) -> None:
    """The receiver process: answers, records, and gives its records at GET /dump (then forgets them)."""
    rng = random.Random(seed)
    lock = threading.Lock()
    posts: list[tuple[int, str, int, int]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            # Headers and body leave in two writes: without this, each answer waits for a delayed ACK (40 ms).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            envelope = json.loads(body)
            with lock:
                status = 500 if rng.random() < fail else 200
                posts.append(
                    (int(self.headers["X-Emarketing-Delivery"]), envelope["object"], envelope["sequence"], status)
                )
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def do_GET(self):
            with lock:
                answer = json.dumps(posts).encode()
                posts.clear()
            self.send_response(200)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.send(server.server_address[1])
    server.serve_forever()


def check(posts, expected_ids) -> None:
    """Every event accepted exactly once; per object, each post is of the event after the last accepted one."""
    accepted: dict[int, int] = {}
    next_of: dict[str, int] = {}
    for delivery, key, sequence, status in posts:
        want = next_of.get(key, 1)
        if sequence != want:
            raise SystemExit(f"out of order: {key} got sequence {sequence} while {want} was not yet accepted")
        if status == 200:
            accepted[delivery] = accepted.get(delivery, 0) + 1
            next_of[key] = want + 1
    twice = [d for d, n in accepted.items() if n > 1]
    if twice or set(accepted) != set(expected_ids):
        raise SystemExit(f"not exactly once: {len(twice)} twice, {len(set(expected_ids) - set(accepted))} missing")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--objects", type=int, default=500)
    parser.add_argument("--fail", type=float, default=0.10)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.events, args.objects = 1_000, 50

    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    db_file = bench_dir / "webhooks.sqlite3"
    if not os.environ.get("DATABASE_URL"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "emarketing.settings.local"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DEBUG"] = "0"  # no query log
    # The sender is run here; the nudges after commit go to a broker nobody reads.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["CACHE_URL"] = "locmemcache://"
    os.environ.update(
        {
            "WEBHOOK_RETRY_BASE_SECONDS": "0.05",
            "WEBHOOK_RETRY_MAX_SECONDS": "1",
            "WEBHOOK_MAX_ATTEMPTS": "100",
            "WEBHOOK_DISABLE_AFTER_FAILURES": "1000000",
            "WEBHOOK_SEND_THREADS": str(args.threads),
            "WEBHOOK_SEND_BATCH_SIZE": "500",
            "WEBHOOK_TASK_SECONDS": "3600",
        }
    )

    ours, theirs = multiprocessing.Pipe()
    receiver = multiprocessing.Process(target=serve, args=(theirs, args.fail, 7), daemon=True)
    receiver.start()
    port = ours.recv()
    url = f"http://127.0.0.1:{port}/hook"

    import django

    django.setup()
    import urllib3
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)

    from emarketing.hooks.bus import publish
    from emarketing.hooks.models import Delivery, DeliveryStatus, Subscription
    from emarketing.hooks.services import webhooks_send_due
    from emarketing.hooks.services.sending import DELIVERY_HEADER, delivery_body, signature_header

    pool = urllib3.PoolManager()

    def dump():
        return json.loads(pool.request("GET", url).data)

    subscription = Subscription.objects.create(name="Bench", url=url, events=["order.created", "order.paid"])
    print(f"Publishing {args.events} events over {args.objects} objects …", flush=True)
    started = time.perf_counter()
    for first in range(0, args.events, 100):
        with transaction.atomic():
            for n in range(first, min(first + 100, args.events)):
                name = "order.created" if n < args.objects else "order.paid"
                publish(name, key=f"order:{n % args.objects}", payload={"n": n, "amount": "19.90"})
    published = time.perf_counter() - started

    print(f"Sending to a receiver that fails {args.fail:.0%} of posts …", flush=True)
    started = time.perf_counter()
    rounds = 0
    while Delivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists():
        if Delivery.objects.filter(status=DeliveryStatus.DEAD).exists():
            raise SystemExit("a delivery was given up")
        if not webhooks_send_due().posted:
            time.sleep(0.02)  # only retries in their backoff are left
        rounds += 1
    sent = time.perf_counter() - started
    posts = dump()
    check(posts, list(Delivery.objects.values_list("pk", flat=True)))
    failures = sum(1 for p in posts if p[3] != 200)

    print("Baseline: the same posts in a bare loop, each repeated until accepted …", flush=True)
    deliveries = list(Delivery.objects.select_related("subscription").order_by("pk"))
    started = time.perf_counter()
    for delivery in deliveries:
        body = delivery_body(delivery)
        while True:
            headers = {
                "Content-Type": "application/json",
                DELIVERY_HEADER: str(delivery.pk),
                "X-Emarketing-Signature": signature_header(
                    secret=subscription.secret, body=body, timestamp=int(time.time())
                ),
            }
            if pool.request("POST", url, body=body, headers=headers, retries=False).status == 200:
                break
    bare = time.perf_counter() - started
    bare_posts = dump()

    n = args.events
    print(f"  publish (outbox rows, transactions of 100): {published:.2f} s, {n / published:,.0f} events/s")
    print(f"  product sender: {sent:.2f} s, {n / sent:,.0f} events/s, {len(posts)} posts ({failures} failed), "
          f"{rounds} sender runs; every event accepted once, in order per object")  # fmt: skip
    print(f"  bare loop: {bare:.2f} s, {n / bare:,.0f} events/s, {len(bare_posts)} posts")
    print(
        f"WEBHOOKS: {n} events in {sent:.2f} s ({n / sent:,.0f}/s), {sent / bare:.2f} x the time of the bare loop "
        f"({bare:.2f} s)"
    )
    receiver.terminate()


if __name__ == "__main__":
    main()
