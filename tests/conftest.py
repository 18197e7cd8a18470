import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent

# The private Postfix of the tests marked ``mailserver`` (its fixtures start it only when a test asks).
pytest_plugins = ["tests.mailserver"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (rendered dashboards, rate limits, the brand)."""
    from django.core.cache import cache

    from emarketing.brand.selectors import brand_forget_local

    cache.clear()
    brand_forget_local()


@pytest.fixture(autouse=True)
def _one_rate_limit_window(monkeypatch):
    """The rate limits count in fixed windows of the clock: a slow test crossing a window's end would see its
    count start again. Each test stays in the window it started in."""
    import time
    from types import SimpleNamespace

    from emarketing import ratelimit

    started = time.time()
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: started))


@pytest.fixture(autouse=True)
def _fresh_link_caches():
    """The tracking views keep links and SMS messages by id for the life of a process (they never change); test
    databases give a rolled-back id out again, so each test starts with empty caches."""
    from campaigns import sms_views, views

    views._link.cache_clear()
    sms_views._message.cache_clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in Persian leaves Persian active in the thread: each test starts and ends in the default."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


class WorkerProcess:
    """A real ``celery worker`` subprocess on the broker from CELERY_BROKER_URL and the test database."""

    def __init__(self, app, env, name="test", concurrency=2):
        self.app, self.env, self.proc, self.concurrency = app, env, None, concurrency
        self.name = f"{name}-{os.getpid()}"
        self.log = ROOT / "var" / f"{name}-worker.log"

    def start(self, timeout=60):
        self.log.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "emarketing",
            "worker",
            "--loglevel=INFO",
            f"--concurrency={self.concurrency}",
            "--prefetch-multiplier=1",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"{self.name}@%h",
        ]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"The Celery worker exited at start; see {self.log}")
            if self.app.control.ping(destination=[f"{self.name}@{os.uname().nodename}"], timeout=0.5):
                return self
        raise RuntimeError(f"The Celery worker did not answer within {timeout}s; see {self.log}")

    def kill(self):
        """Kill the worker and its children at once, as a crash or an out-of-memory kill would."""
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


def wait_until(predicate, timeout=30, interval=0.2):
    """Poll ``predicate`` until it is truthy; return its last value (falsy after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


@pytest.fixture
def celery_worker(transactional_db):
    """Start a real Celery worker for a test marked ``worker``; it is stopped after the test.

    Needs a broker server (CELERY_BROKER_URL, e.g. Redis) and a database server that the worker process can
    reach (DATABASE_URL, PostgreSQL): the worker connects to the same test database as the test. The
    returned :class:`WorkerProcess` can be ``kill()``-ed and ``start()``-ed again mid-test. Tasks the test
    enqueues go to the worker (eager mode is switched off for the test).
    """
    from celery import current_app
    from django.conf import settings

    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://", "amqp://")) or connection.vendor == "sqlite":
        pytest.fail("worker tests need CELERY_BROKER_URL (Redis) and DATABASE_URL (PostgreSQL); see README")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "emarketing.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    current_app.conf.task_always_eager = False
    current_app.control.purge()
    worker = WorkerProcess(current_app, env).start()
    try:
        yield worker
    finally:
        worker.stop()
        current_app.control.purge()
        current_app.conf.task_always_eager = True


@pytest.fixture
def two_celery_workers(celery_worker):
    """The worker of ``celery_worker`` and a second one beside it (another host, say), each running one task at a
    time and reserving no more, so that two tasks go to two workers."""
    celery_worker.stop()
    first = WorkerProcess(celery_worker.app, celery_worker.env, name="first", concurrency=1).start()
    second = WorkerProcess(celery_worker.app, celery_worker.env, name="second", concurrency=1).start()
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()


@pytest.fixture
def slow_smtp_server(settings):
    """A real SMTP server that waits before each answer; customer mail goes to it (CAMPAIGNS_EMAIL_URL)."""
    from aiosmtpd.controller import Controller

    from tests.smtp import SlowToAnswer, free_port

    mailbox = SlowToAnswer()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.CAMPAIGNS_EMAIL_URL = f"smtp://127.0.0.1:{controller.port}"
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def worker_settings(monkeypatch, slow_smtp_server, settings):
    """What a worker process reads from its environment: the slow SMTP server, a slow pace, short claims."""
    monkeypatch.setenv("CAMPAIGNS_EMAIL_URL", settings.CAMPAIGNS_EMAIL_URL)
    monkeypatch.setenv("CAMPAIGNS_SEND_RATE", "10")  # with the slow answers, about 12 seconds for 40 messages
    monkeypatch.setenv("CAMPAIGNS_SEND_BATCH_SIZE", "5")
    monkeypatch.setenv("CAMPAIGNS_SEND_CLAIM_TIMEOUT", "3")
    settings.CAMPAIGNS_SEND_CLAIM_TIMEOUT = 3
    return slow_smtp_server


def worker_idle(worker_name):
    """Nothing waiting on the broker and nothing reserved or running in the worker."""
    from celery import current_app
    from kombu.exceptions import ChannelError

    with current_app.connection_for_write() as conn:
        try:
            if conn.default_channel.queue_declare(queue="celery", passive=True).message_count:
                return False
        except ChannelError:  # Redis keeps no empty list: no queue is an empty queue
            pass
    inspect = current_app.control.inspect(destination=[worker_name], timeout=1)
    active, reserved = inspect.active(), inspect.reserved()
    if not active or not reserved:  # the worker did not answer
        return False
    return not active.get(worker_name) and not reserved.get(worker_name)


# --- the browser (tests marked ``browser``): one Chromium for the whole run --------------------------------
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "test-artifacts"))
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    # Playwright runs its own event loop in this thread; Django must allow sync ORM calls beside it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
