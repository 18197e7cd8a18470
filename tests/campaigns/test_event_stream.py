"""Tracking hits on a real Redis Stream, written by real consumer processes: every hit stored exactly once when a
consumer dies between its insert and its acknowledgement, when two consumers share the stream, when a web process
is killed mid-request, and when Redis itself restarts (with its append-only file, as production requires)."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.urls import reverse

from campaigns import tokens
from campaigns.models import Touch, TouchKind, TouchSource
from campaigns.services.tracking import TOUCH_STREAM, touch_enqueue
from emarketing import streams
from tests.campaigns.factories import CreativeFactory
from tests.conftest import ROOT, wait_until
from tests.customers.factories import CustomerFactory
from tests.smtp import free_port

pytestmark = pytest.mark.worker

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def _redis_base(settings):
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")) or connection.vendor == "sqlite":
        pytest.fail("stream tests need CELERY_BROKER_URL (Redis) and DATABASE_URL (PostgreSQL); see README")
    return url.rsplit("/", 1)[0]


@pytest.fixture
def stream_env(settings, transactional_db):
    """Events of this test go to a stream of their own on the test Redis; consumers get the same settings."""
    settings.EVENTS_REDIS_URL = f"{_redis_base(settings)}/14"
    settings.EVENTS_STREAM_PREFIX = f"test:{uuid.uuid4().hex}:"
    settings.EVENTS_CLAIM_IDLE_SECONDS = 1.0
    settings.EVENTS_BATCH_SIZE = 50
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "emarketing.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EVENTS_TEST_REDIS_URL": settings.EVENTS_REDIS_URL,
        "EVENTS_STREAM_PREFIX": settings.EVENTS_STREAM_PREFIX,
        "EVENTS_CLAIM_IDLE_SECONDS": "1",
        "EVENTS_BATCH_SIZE": "50",
        "EVENTS_BLOCK_SECONDS": "0.2",
    }
    url, prefix = settings.EVENTS_REDIS_URL, settings.EVENTS_STREAM_PREFIX
    yield env
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


@pytest.fixture
def message(transactional_db):
    creative = CreativeFactory()
    return creative, CustomerFactory()


def _publish(creative, customer, n):
    for _ in range(n):
        touch_enqueue(
            kind=TouchKind.EMAIL_OPEN,
            source=TouchSource.EMAIL,
            campaign_id=creative.campaign_id,
            customer_id=customer.pk,
            creative_id=creative.pk,
            user_agent=BROWSER,
        )


def _stored(customer):
    hits = list(Touch.objects.filter(customer_id=customer.pk).values_list("hit_id", flat=True))
    assert len(hits) == len(set(hits)), "a hit was stored twice"
    return len(hits)


class Process:
    """A process of ours (a consumer, a web server) that a test can kill outright."""

    def __init__(self, args, env, log):
        self.args, self.env, self.log = args, env, log
        self.proc = None

    def start(self):
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                self.args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def processes(tmp_path):
    started = []

    def start(args, env, name):
        process = Process(args, env, tmp_path / f"{name}.log").start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def _consumer(processes, env, name):
    return processes([sys.executable, "manage.py", "consume_events", "--name", name], env, name)


def test_two_consumers_write_every_hit_once(stream_env, message, processes):
    creative, customer = message
    _publish(creative, customer, 600)

    first, second = _consumer(processes, stream_env, "first"), _consumer(processes, stream_env, "second")

    assert wait_until(lambda: _stored(customer) >= 600, timeout=60)
    time.sleep(1.5)  # anything written twice would show by now
    assert _stored(customer) == 600
    assert streams.stream_backlog()[TOUCH_STREAM] == {"waiting": 0, "pending": 0}
    for name, process in (("first", first), ("second", second)):
        assert process.proc.poll() is None, f"consumer {name} died"


KILLED_AFTER_COMMIT = textwrap.dedent(
    """
    import os, django
    django.setup()
    from emarketing import streams
    def die(*args, **kwargs):
        os._exit(9)  # the insert has committed; the acknowledgement never happens
    streams.Consumer.acknowledge = die
    consumer = streams.Consumer(name="doomed")
    consumer.ensure_groups()
    consumer.run_once()
    """
)


def test_a_consumer_killed_between_insert_and_acknowledge_has_its_batch_taken_over_and_stored_once(
    stream_env, message, processes
):
    creative, customer = message
    _publish(creative, customer, 120)

    doomed = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_COMMIT], cwd=ROOT, env=stream_env, capture_output=True, timeout=60
    )
    assert doomed.returncode == 9, doomed.stderr.decode()
    assert _stored(customer) == 50  # its batch is in the table, and still pending in the group
    assert streams.stream_backlog()[TOUCH_STREAM]["pending"] == 50

    _consumer(processes, stream_env, "survivor")

    assert wait_until(lambda: streams.stream_backlog()[TOUCH_STREAM] == {"waiting": 0, "pending": 0}, timeout=60)
    assert _stored(customer) == 120


def _serve(processes, env, port, name):
    server = processes([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], env, name)
    started = wait_until(lambda: _answers(f"http://127.0.0.1:{port}/admin/login/"), timeout=60)
    assert started, "the web process never started"
    return server


def _answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own server on 127.0.0.1)
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def test_hits_answered_by_a_web_process_killed_mid_stream_are_each_stored_once(stream_env, message, processes):
    creative, customer = message
    token = tokens.open_token(campaign_id=creative.campaign_id, customer_id=customer.pk, creative_id=creative.pk)
    port = free_port()
    env = {**stream_env, "CAMPAIGNS_TRACKING_RATE_LIMIT": "0", "ALLOWED_HOSTS": "127.0.0.1"}
    web = _serve(processes, env, port, "web")
    answered = []
    stop = threading.Event()

    def hammer():
        url = f"http://127.0.0.1:{port}{reverse('campaigns:open', args=[token])}"
        while not stop.is_set():
            request = urllib.request.Request(url, headers={"User-Agent": BROWSER})
            try:
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (our own server)
                    if response.status == 200:
                        answered.append(1)
            except OSError:
                return

    client = threading.Thread(target=hammer)
    client.start()
    assert wait_until(lambda: len(answered) >= 40, timeout=60)
    web.kill()
    stop.set()
    client.join(timeout=30)
    _consumer(processes, stream_env, "after")

    assert wait_until(lambda: streams.stream_backlog()[TOUCH_STREAM]["waiting"] == 0, timeout=60)
    stored = _stored(customer)
    # Every answered hit is stored, once; at most the one request in flight when the process died was stored too.
    assert len(answered) <= stored <= len(answered) + 1


@pytest.fixture
def durable_redis(tmp_path):
    """A Redis of this test's own, with its append-only file on, as production runs it."""
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    args = [server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", ""]
    args += ["--appendonly", "yes", "--appendfsync", "always"]

    def start():
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        url = f"redis://127.0.0.1:{port}/0"
        assert wait_until(lambda: _pings(url), timeout=20), "redis-server did not start"
        return proc

    state = {"proc": start()}

    def restart():
        state["proc"].kill()  # SIGKILL: no chance to save anything more
        state["proc"].wait(timeout=10)
        state["proc"] = start()

    yield f"redis://127.0.0.1:{port}/0", restart
    state["proc"].kill()
    state["proc"].wait(timeout=10)


def _pings(url):
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


def test_hits_waiting_in_redis_survive_its_restart_and_are_stored_once(
    stream_env, message, processes, durable_redis, settings
):
    url, restart = durable_redis
    settings.EVENTS_REDIS_URL = url
    env = {**stream_env, "EVENTS_TEST_REDIS_URL": url}
    creative, customer = message
    _publish(creative, customer, 100)  # waiting: no consumer yet

    restart()
    _publish(creative, customer, 50)  # the web side carries on against the restarted Redis
    consumer = _consumer(processes, env, "through-restart")
    assert wait_until(lambda: _stored(customer) >= 150, timeout=60)

    restart()  # again, while the consumer runs: it reconnects
    _publish(creative, customer, 25)

    assert wait_until(lambda: _stored(customer) >= 175, timeout=60)
    time.sleep(1.5)
    assert _stored(customer) == 175
    assert consumer.proc.poll() is None
