"""The open pixel and the click redirect vs a bare Django view that returns an empty 200.

    .venv/bin/python bench/tracking.py                          # 20,000 requests per endpoint, Redis stream
    .venv/bin/python bench/tracking.py --quick                  # 3,000
    .venv/bin/python bench/tracking.py --servers 2 --consumers 2   # two web processes, two consumers
    .venv/bin/python bench/tracking.py --no-redis               # every hit written in its request

gunicorn servers (sync workers; ``--servers`` of them, each on its own port, as two hosts would be) serve the
project with one extra URL, ``/bench/empty/`` (a view that returns an empty 200 and touches nothing), and the same
load generator (client processes on raw sockets, one request per connection, as gunicorn's sync workers answer,
spread over the servers) hits the bare view, the open pixel and the click redirect in turn, in ten short runs each
in a rotating order (the machine may be shared: each endpoint meets the same background load); a rate is all
requests over all time. Hits go onto a Redis stream (``--redis``, default redis://127.0.0.1:6379/13, a key prefix
of this run) and ``--consumers`` processes of ``manage.py consume_events`` write them while the load runs. After
the load the bench waits for the stream to drain, then every open and click must be in the Touch table exactly
once (counts equal to the answered requests, hit ids distinct). The database is a throwaway SQLite file under
var/bench unless DATABASE_URL is set. The last line is ``TRACKING: <ratio> x (details)``, the ratio being the
slower of pixel and click over bare.
"""

import argparse
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def empty(request):
    from django.http import HttpResponse

    return HttpResponse(b"")


def application_factory():
    """The WSGI application gunicorn serves: the project's URLs plus the bare view."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.local")
    import django
    from django.conf import settings

    django.setup()
    from django.urls import include, path

    global urlpatterns
    urlpatterns = [path("bench/empty/", empty), path("", include("emarketing.urls"))]
    settings.ROOT_URLCONF = __name__
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def client(port, paths, requests, out):
    """Send ``requests`` GETs, cycling through ``paths``; report (ok, errors, started, finished)."""
    ok = errors = 0
    started = time.monotonic()
    for i in range(requests):
        request = (
            f"GET {paths[i % len(paths)]} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: {BROWSER}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        try:
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(request)
                head = s.recv(65536)
                while s.recv(65536):
                    pass
            status = head[9:12]
            if status in (b"200", b"302"):
                ok += 1
            else:
                errors += 1
        except OSError:
            errors += 1
    out.put((ok, errors, started, time.monotonic()))


def load(ports, paths, total, clients):
    out = multiprocessing.Queue()
    per = total // clients
    procs = [
        multiprocessing.Process(target=client, args=(ports[i % len(ports)], paths, per, out)) for i in range(clients)
    ]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    # From the first request to the last answer: process start-up is not the server's time.
    elapsed = max(r[3] for r in results) - min(r[2] for r in results)
    for p in procs:
        p.join()
    ok = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    return ok / elapsed, ok, errors


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20_000, help="per endpoint")
    parser.add_argument("--quick", action="store_true", help="3,000 requests per endpoint")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=4, help="load generator processes")
    parser.add_argument("--servers", type=int, default=1, help="gunicorn servers, each on its own port")
    parser.add_argument("--consumers", type=int, default=1, help="consume_events processes")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13", help="the Redis of the event stream")
    parser.add_argument("--no-redis", action="store_true", help="write every hit in its request")
    args = parser.parse_args()
    total = 3_000 if args.quick else args.requests

    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        db_file = bench_dir / "tracking.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "emarketing.settings.local"
    os.environ["DEBUG"] = "0"
    os.environ["CAMPAIGNS_TRACKING_RATE_LIMIT"] = "0"  # one client address sends everything here
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["EVENTS_REDIS_URL"] = "" if args.no_redis else args.redis
    os.environ["EVENTS_STREAM_PREFIX"] = f"bench:{os.getpid()}:"

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from campaigns import tokens
    from campaigns.models import Campaign, Creative, Touch, TouchKind
    from campaigns.services import links_sync
    from customers.models import Customer

    creative = Creative.objects.create(
        campaign=Campaign.objects.create(name="Bench"),
        name="Bench",
        subject="Hello",
        html_body='<a href="https://shop.example.com/offer">Offer</a>',
    )
    customers = Customer.objects.bulk_create(
        [Customer(first_name=f"C{i}", email=f"t{i}@bench.example.com") for i in range(500)]
    )
    if customers[0].pk is None:
        customers = list(Customer.objects.filter(email__endswith="@bench.example.com"))
    link_id = links_sync(campaign=creative.campaign)["https://shop.example.com/offer"]
    ids = {"campaign_id": creative.campaign_id, "creative_id": creative.pk}
    opens = [f"/t/o/{tokens.open_token(customer_id=c.pk, **ids)}/" for c in customers]
    clicks = [f"/t/c/{tokens.click_token(customer_id=c.pk, link_id=link_id, **ids)}/" for c in customers]

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ports = [free_port() for _ in range(args.servers)]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "bench.tracking:application_factory()",
            ],
            cwd=ROOT,
            env=env,
        )
        for port in ports
    ]
    consumers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "consume_events", "--name", f"bench-{n}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for n in range(0 if args.no_redis else args.consumers)
    ]
    try:
        for port in ports:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port)).close()
                    break
                except OSError:
                    time.sleep(0.2)
        load(ports, ["/bench/empty/", opens[0], clicks[0]], 300 * len(ports), 2 * len(ports))  # warm up every worker
        # The machine is shared: the three endpoints take turns in short runs, in a rotating order, so that each
        # meets the same background load; their rates are total requests over total time.
        kinds = [("bare", ["/bench/empty/"]), ("open", opens), ("click", clicks)]
        chunk = max(total // 10, 500)
        done = {name: [0, 0, 0.0] for name, _paths in kinds}  # ok, errors, seconds
        for cycle in range(max(total // chunk, 1)):
            for name, paths in kinds[cycle % 3 :] + kinds[: cycle % 3]:
                rate, ok, errors = load(ports, paths, chunk, args.clients)
                done[name][0] += ok
                done[name][1] += errors
                done[name][2] += ok / rate if rate else 0
        for name, (ok, errors, seconds) in done.items():
            print(f"{name:5}: {ok / seconds:8.0f} req/s  ({ok} ok, {errors} errors)", flush=True)
        sent = {"open": done["open"][0], "click": done["click"][0]}
        rates = {name: ok / seconds for name, (ok, _errors, seconds) in done.items()}
        drained_in = 0.0
        if not args.no_redis:
            from emarketing.streams import stream_backlog

            started = time.monotonic()
            if not consumers:  # --consumers 0: the hits wait in Redis during the load, written afterwards
                from emarketing.streams import Consumer

                consumer = Consumer(name="bench-after")
                consumer.ensure_groups()
                consumer.drain()
            while any(f["waiting"] for f in stream_backlog().values()):
                time.sleep(0.2)
            drained_in = time.monotonic() - started
            print(f"stream drained {drained_in:.1f} s after the load", flush=True)
    finally:
        for process in servers + consumers:
            process.terminate()
        for process in servers + consumers:
            process.wait(30)
        if not args.no_redis:
            import redis

            client_ = redis.Redis.from_url(args.redis)
            for key in client_.scan_iter(f"{os.environ['EVENTS_STREAM_PREFIX']}*"):
                client_.delete(key)

    warm = {"open": 100 * len(ports), "click": 100 * len(ports)}  # the warm-up requests above
    recorded = {
        "open": Touch.objects.filter(campaign=creative.campaign, kind=TouchKind.EMAIL_OPEN).count(),
        "click": Touch.objects.filter(campaign=creative.campaign, kind=TouchKind.CLICK).count(),
    }
    expected = {k: sent[k] + warm[k] for k in sent}
    hits = Touch.objects.filter(campaign=creative.campaign)
    distinct = hits.values("hit_id").distinct().count()
    all_recorded = recorded == expected and distinct == sum(recorded.values())
    bare, opened, clicked = rates["bare"], rates["open"], rates["click"]
    ratio = min(opened, clicked) / bare
    print(
        f"events recorded: opens {recorded['open']}/{expected['open']}, clicks {recorded['click']}/{expected['click']}"
    )
    print(
        f"TRACKING: {ratio:.2f} x (open pixel {opened:.0f} req/s, click {clicked:.0f} req/s, bare view {bare:.0f} "
        f"req/s; {args.servers} x gunicorn {args.workers} sync workers, "
        f"{'no Redis: written in the request' if args.no_redis else f'{args.consumers} consumers'}, "
        f"{args.clients} client processes, {total} requests each, every event recorded once: {all_recorded}, "
        f"{django.db.connection.vendor})"
    )


if __name__ == "__main__":
    main()
