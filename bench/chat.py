"""The live chat under load: 1,000 idle visitor connections, then 100 messages a second, against a uvicorn process
with the Redis channel layer; the same against a bare echo consumer on the same layer, in the same run.

    .venv/bin/python bench/chat.py                         # 1,000 connections, 100 messages/s for 20 s
    .venv/bin/python bench/chat.py --quick                 # 200 connections, 50 messages/s for 5 s
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/emk_chat_bench .venv/bin/python bench/chat.py

Two servers, one after the other, each a ``uvicorn`` process of its own on 127.0.0.1 (as Procfile's chat line):

* product: ``emarketing.asgi:application``. Each visitor connects (the origin of an allowed shop page), says hello
  and waits for the welcome (a signed token, the widget's words): that is a *connect*. Then every active visitor
  writes one line a second: the first line opens a conversation (a ticket of channel chat, before the measured
  window), every later one is a ticket message written to the database, sent through the Redis layer to the
  conversation's group and the staff queue, and comes back to the visitor's socket: that is a *message*.
* echo: a consumer that accepts, answers hello with a welcome, and sends each line to a group of its own through
  the same Redis layer, which sends it back: the floor of Channels, uvicorn and Redis with no database and no rules.

Reported: connect p50/p95 (TCP + WebSocket handshake + welcome), message p50/p95 (sent → back on the socket), the
server's resident memory (VmRSS) with all connections idle and after the messages, per connection. The database is
a throwaway SQLite file under var/bench unless DATABASE_URL is set. The machine is shared: the two servers take
turns over ``--rounds`` rounds, and every figure of the last line is the median of its rounds:
``CHAT: connect p95 <ms> (<x> x echo), message p95 <ms> (<x> x echo), RSS <MB> with <n> idle (echo <MB>)``.
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ORIGIN = "https://bench-shop.example"


def echo_application():
    """The bare consumer (``uvicorn --factory bench.chat:echo_application``)."""
    import django

    django.setup()
    from channels.generic.websocket import AsyncWebsocketConsumer
    from channels.routing import ProtocolTypeRouter, URLRouter
    from django.urls import path

    class Echo(AsyncWebsocketConsumer):
        async def connect(self):
            self.group = "bench-echo-" + self.channel_name.replace("!", "-")[-40:]
            await self.channel_layer.group_add(self.group, self.channel_name)
            await self.accept()

        async def receive(self, text_data=None, bytes_data=None):
            data = json.loads(text_data)
            if data.get("type") == "hello":
                await self.send(text_data=json.dumps({"type": "welcome", "token": "-"}))
            else:
                payload = {"type": "message", "body": data.get("body", "")}
                await self.channel_layer.group_send(self.group, {"type": "chat.event", "payload": payload})

        async def chat_event(self, event):
            await self.send(text_data=json.dumps(event["payload"]))

        async def disconnect(self, code):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    return ProtocolTypeRouter({"websocket": URLRouter([path("ws/chat/", Echo.as_asgi())])})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000


class Visitor:
    def __init__(self, url):
        self.url = url
        self.ws = None
        self.latencies = []
        self.welcomed = None

    async def open(self):
        from websockets.asyncio.client import connect

        started = time.perf_counter()
        self.ws = await connect(self.url, origin=ORIGIN, open_timeout=60, ping_interval=None, max_size=2**20)
        self.welcomed = asyncio.get_running_loop().create_future()
        self.reader = asyncio.create_task(self.read())
        await self.ws.send(json.dumps({"type": "hello", "lang": "fa"}))
        await asyncio.wait_for(self.welcomed, 60)
        return time.perf_counter() - started

    async def read(self):
        try:
            async for raw in self.ws:
                data = json.loads(raw)
                if data["type"] == "welcome" and not self.welcomed.done():
                    self.welcomed.set_result(True)
                elif data["type"] == "message" and data["body"].startswith("bench "):
                    sent = float(data["body"].split()[1])
                    self.latencies.append((sent, time.perf_counter() - sent))
        except Exception:
            pass

    async def say(self, text=""):
        await self.ws.send(json.dumps({"type": "message", "body": f"bench {time.perf_counter():.6f} سلام {text}"}))


async def load(url, connections, rate_of_connect):
    # Warm up: the first connections pay for imports and the first database connection.
    warm = [Visitor(url) for _ in range(20)]
    for v in warm:
        await v.open()
    for v in warm:
        await v.ws.close()
    visitors = [Visitor(url) for _ in range(connections)]
    connects = []

    async def opened(v):
        connects.append(await v.open())

    # Connections arrive at a steady pace (a page load each), not all in the same millisecond.
    tasks = []
    for v in visitors:
        tasks.append(asyncio.create_task(opened(v)))
        await asyncio.sleep(1 / rate_of_connect)
    await asyncio.gather(*tasks)
    await asyncio.sleep(3)
    return {"connects": connects, "visitors": visitors}


async def talk(visitors, rate, seconds):
    active = visitors[: min(rate, len(visitors))]
    # The first line of each opens its conversation; not measured.
    for v in active:
        await v.say("first")
    await asyncio.sleep(3)
    for v in active:
        v.latencies.clear()
    started = time.perf_counter()
    sent = 0
    while time.perf_counter() - started < seconds:
        await active[sent % len(active)].say()
        sent += 1
        next_at = started + sent / rate
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    await asyncio.sleep(3)
    latencies = [lat for v in active for _sent, lat in v.latencies]
    return sent, latencies


def run_server(app_args, env, port):
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        *app_args,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--ws-max-size",
        "65536",
        "--log-level",
        "warning",
        "--lifespan",
        "off",
        "--timeout-graceful-shutdown",
        "5",
    ]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("uvicorn did not start")


def measure(name, app_args, env, args):
    port = free_port()
    server = run_server(app_args, env, port)
    url = f"ws://127.0.0.1:{port}/ws/chat/"
    try:
        base = rss_mb(server.pid)

        async def scenario():
            opened = await load(url, args.connections, args.connect_rate)
            idle = rss_mb(server.pid)
            sent, latencies = await talk(opened["visitors"], args.rate, args.seconds)
            busy = rss_mb(server.pid)
            alive = sum(1 for v in opened["visitors"] if v.ws.state.name == "OPEN")
            for v in opened["visitors"]:
                await v.ws.close()
            return opened["connects"], idle, sent, latencies, busy, alive

        connects, idle, sent, latencies, busy, alive = asyncio.run(scenario())
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    result = {
        "connect_p50": pct(connects, 50),
        "connect_p95": pct(connects, 95),
        "message_p50": pct(latencies, 50),
        "message_p95": pct(latencies, 95),
        "received": len(latencies),
        "sent": sent,
        "rss_start": base,
        "rss_idle": idle,
        "rss_busy": busy,
        "alive": alive,
    }
    print(
        f"{name:7}: connect p50 {result['connect_p50']:6.1f} ms p95 {result['connect_p95']:6.1f} ms | "
        f"message p50 {result['message_p50']:6.1f} ms p95 {result['message_p95']:6.1f} ms "
        f"({len(latencies)}/{sent} back, {sent / args.seconds:.0f}/s) | RSS {base:.0f} MB empty, {idle:.0f} MB with "
        f"{alive} idle ({(idle - base) * 1024 / max(alive, 1):.0f} KB each), {busy:.0f} MB after the messages",
        flush=True,
    )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=100, help="messages a second (one a second per visitor)")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connect-rate", type=int, default=200, help="new connections a second")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/10", help="the channel layer's Redis")
    parser.add_argument("--rounds", type=int, default=3, help="turns of each server; figures are medians")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.connections, args.rate, args.seconds, args.rounds = 200, 50, 5, 1

    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        db_file = bench_dir / "chat.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "emarketing.settings.local",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "CHAT_REDIS_URL": args.redis,
            "CHAT_REDIS_PREFIX": f"bench-chat-{os.getpid()}",
            "CHAT_ALLOWED_ORIGINS": ORIGIN,
            "CHAT_WORKING_HOURS": "",
            "CHAT_START_RATE_LIMIT": "0",  # every visitor comes from 127.0.0.1 here
            "CHAT_RATE_LIMIT": "0",
            "EVENTS_REDIS_URL": "",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print(
        f"{args.connections} connections ({args.connect_rate}/s), {args.rate} messages/s for {args.seconds} s, "
        f"layer {args.redis}, database {os.environ['DATABASE_URL'].split('@')[-1]}",
        flush=True,
    )
    # The machine is shared: the two servers take turns, and each figure is the median of its rounds.
    rounds = {"echo": [], "product": []}
    for _round in range(args.rounds):
        rounds["echo"].append(measure("echo", ["--factory", "bench.chat:echo_application"], env, args))
        rounds["product"].append(measure("product", ["emarketing.asgi:application"], env, args))
    echo, product = ({key: statistics.median(r[key] for r in runs) for key in runs[0]} for runs in rounds.values())
    connect_ratio = product["connect_p95"] / echo["connect_p95"]
    print(
        f"CHAT: connect p95 {product['connect_p95']:.1f} ms ({connect_ratio:.2f} x echo), "
        f"message p95 {product['message_p95']:.1f} ms ({product['message_p95'] / echo['message_p95']:.2f} x echo), "
        f"RSS {product['rss_idle']:.0f} MB with {product['alive']} idle (echo {echo['rss_idle']:.0f} MB), "
        f"{product['rss_busy']:.0f} MB after {product['sent']:.0f} messages (medians of {args.rounds} rounds)"
    )


if __name__ == "__main__":
    main()
