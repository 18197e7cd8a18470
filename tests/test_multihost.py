"""Two web hosts, a worker and two event consumers behind one PostgreSQL, one Redis and one S3 bucket (a local moto
server): whatever a user does through one web process holds on the other (docs/deploy.md)."""

import io
import json
import os
import re
import sys
import time
import uuid
from html import unescape
from html.parser import HTMLParser

import boto3
import pytest
import redis
import requests
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import connection
from django.urls import reverse
from PIL import Image

from campaigns import tokens
from campaigns.models import CreativeKind, Touch
from customers.models import Customer, ImportJob, ImportJobStatus
from tests.campaigns.factories import CreativeFactory
from tests.campaigns.test_event_stream import BROWSER, Process
from tests.conftest import wait_until
from tests.customers.factories import CustomerFactory
from tests.smtp import free_port

pytestmark = pytest.mark.worker

PASSWORD = "a long password for both hosts"
RATE_LIMIT = 6


@pytest.fixture
def s3_server(tmp_path):
    """A local S3 (moto's server) on a free port, with an empty bucket."""
    port = free_port()
    server = Process(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], os.environ, tmp_path / "s3.log"
    )
    server.start()
    url = f"http://127.0.0.1:{port}"
    assert wait_until(lambda: _answers(f"{url}/moto-api/"), timeout=60), "the S3 server never started"
    bucket = f"media-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3", endpoint_url=url, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    client.create_bucket(Bucket=bucket)
    # What docs/deploy.md asks of the bucket: anyone may read what is under public/ (banners), nothing else.
    public_read = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/public/*",
            }
        ],
    }
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(public_read))
    yield {"S3_BUCKET": bucket, "S3_ENDPOINT_URL": url, "S3_ACCESS_KEY_ID": "test", "S3_SECRET_ACCESS_KEY": "test"}
    server.stop()


@pytest.fixture
def hosts(request, s3_server, settings, monkeypatch, tmp_path, transactional_db):
    """Two web processes on two ports, a Celery worker and two event consumers, all on the same PostgreSQL, the same
    Redis (cache, broker, event streams) and the same bucket; the test process reads what they share."""
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith(("redis://", "rediss://")) or connection.vendor == "sqlite":
        pytest.fail("multi-host tests need CELERY_BROKER_URL (Redis) and DATABASE_URL (PostgreSQL); see README")
    base = broker.rsplit("/", 1)[0]
    shared = {
        **s3_server,
        "S3_REGION": "us-east-1",
        "CACHE_URL": f"{base}/13",
        "EVENTS_TEST_REDIS_URL": f"{base}/14",
        "EVENTS_STREAM_PREFIX": f"test:{uuid.uuid4().hex}:",
        "EVENTS_BLOCK_SECONDS": "0.2",
        "IMPORT_BACKGROUND_ROWS": "2",
        "CAMPAIGNS_TRACKING_RATE_LIMIT": str(RATE_LIMIT),
    }
    for name, value in shared.items():
        monkeypatch.setenv(name, value)
    worker = request.getfixturevalue("celery_worker")  # started with the environment above: it reads the bucket
    env = worker.env

    options = {
        "bucket_name": s3_server["S3_BUCKET"],
        "endpoint_url": s3_server["S3_ENDPOINT_URL"],
        "access_key": "test",
        "secret_key": "test",
        "region_name": "us-east-1",
        "file_overwrite": False,
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
        "public": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**options, "location": "public", "querystring_auth": False},
        },
    }
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": shared["CACHE_URL"]}
    }
    settings.EVENTS_REDIS_URL = shared["EVENTS_TEST_REDIS_URL"]
    settings.EVENTS_STREAM_PREFIX = shared["EVENTS_STREAM_PREFIX"]
    cache.clear()

    started = []

    def start(args, name):
        process = Process(args, env, tmp_path / f"{name}.log").start()
        started.append(process)
        return process

    ports = {}
    for name in ("a", "b"):
        ports[name] = free_port()
        start([sys.executable, "manage.py", "runserver", f"127.0.0.1:{ports[name]}", "--noreload"], f"web-{name}")
    for name in ("first", "second"):
        start([sys.executable, "manage.py", "consume_events", "--name", f"{name}-{uuid.uuid4().hex[:6]}"], name)
    for port in ports.values():
        assert wait_until(lambda port=port: _answers(f"http://127.0.0.1:{port}/admin/login/"), timeout=60), (
            "a web process never started"
        )
    yield {
        "s3": f"{s3_server['S3_ENDPOINT_URL']}/{s3_server['S3_BUCKET']}/",
        **{name: f"http://127.0.0.1:{port}" for name, port in ports.items()},
    }
    for process in started:
        process.stop()
    cache.clear()
    client = redis.Redis.from_url(shared["EVENTS_TEST_REDIS_URL"])
    for key in client.scan_iter(f"{shared['EVENTS_STREAM_PREFIX']}*"):
        client.delete(key)


def _answers(url):
    try:
        requests.get(url, timeout=2)
    except requests.ConnectionError:
        return False
    return True


class _FormFields(HTMLParser):
    """The fields a browser would post with the form ``form_id`` as the page shows it (file inputs left out)."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        if tag == "input" and a.get("name") and a.get("type", "text") not in {"file", "submit", "button", "image"}:
            if a.get("type") not in {"checkbox", "radio"} or "checked" in a:
                self.fields.append((a["name"], a.get("value") or ("on" if a.get("type") == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea[0], self._textarea[1].removeprefix("\n")))
            self._textarea = None


def _form(html, form_id):
    parser = _FormFields(form_id)
    parser.feed(html)
    return parser.fields


def _hidden(html, name):
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} on the page"
    return unescape(match.group(1))


def _sign_in(host):
    browser = requests.Session()
    page = browser.get(f"{host}/admin/login/", timeout=30)
    answer = browser.post(
        f"{host}/admin/login/",
        data={
            "csrfmiddlewaretoken": _hidden(page.text, "csrfmiddlewaretoken"),
            "username": "manager",
            "password": PASSWORD,
            "next": "/admin/",
        },
        timeout=30,
    )
    assert answer.url.endswith("/admin/"), "the sign-in failed"
    return browser


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_two_web_hosts_share_sessions_uploads_rate_limits_and_tracking(hosts, django_user_model):
    a, b = hosts["a"], hosts["b"]
    django_user_model.objects.create_superuser("manager", "manager@example.com", PASSWORD)

    # Signed in on host A, the manager is signed in on host B as well: the session is in the shared database.
    on_a = _sign_in(a)
    on_b = requests.Session()
    on_b.cookies.update(on_a.cookies)
    dashboard = on_b.get(f"{b}/admin/", timeout=30, allow_redirects=False)
    assert dashboard.status_code == 200, "host B did not know the session signed in on host A"

    # A customer file uploaded on A is previewed there, applied from B (which reads it from the bucket) and imported
    # in the background by the worker, which reads it from the bucket too.
    upload = on_a.get(f"{a}{reverse('admin:customers_customer_import')}", timeout=30)
    text = "first_name,email\n" + "".join(f"Sara{i},sara{i}@example.com\n" for i in range(5))
    preview = on_a.post(
        f"{a}{reverse('admin:customers_customer_import')}",
        data={"csrfmiddlewaretoken": _hidden(upload.text, "csrfmiddlewaretoken"), "on_duplicate": "update"},
        files={"file": ("customers.csv", text.encode(), "text/csv")},
        timeout=60,
    )
    assert preview.status_code == 200
    stored = storages["default"].listdir("imports/customers/")[1]
    assert len(stored) == 1, "the upload did not reach the bucket"
    anonymous = requests.get(f"{hosts['s3']}imports/customers/{stored[0]}", timeout=30)
    assert anonymous.status_code == 403, "a customer file in the bucket could be read by anyone"
    applied = on_b.post(
        f"{b}{reverse('admin:customers_customer_import_apply')}",
        data={
            "csrfmiddlewaretoken": _hidden(preview.text, "csrfmiddlewaretoken"),
            "token": _hidden(preview.text, "token"),
        },
        timeout=60,
    )
    assert applied.status_code == 200
    assert wait_until(lambda: ImportJob.objects.filter(status=ImportJobStatus.APPLIED).exists(), timeout=60), (
        "the worker never applied the file uploaded on another host"
    )
    assert sorted(Customer.objects.values_list("email", flat=True)) == [f"sara{i}@example.com" for i in range(5)]
    assert wait_until(lambda: storages["default"].listdir("imports/customers/")[1] == [], timeout=30), (
        "the applied file was left in the bucket"
    )

    # A banner image uploaded in the admin on A is shown by B's banner page, straight from the bucket.
    creative = CreativeFactory(kind=CreativeKind.BANNER, name="Spring banner", alt_text="Spring")
    change = f"{reverse('admin:campaigns_creative_change', args=[creative.pk])}"
    form = on_a.get(f"{a}{change}", timeout=30)
    fields = [(n, v) for n, v in _form(form.text, "creative_form") if n not in {"_continue", "_addanother"}]
    image = _png()
    saved = on_a.post(f"{a}{change}", data=fields, files={"image": ("spring.png", image, "image/png")}, timeout=60)
    creative.refresh_from_db()
    assert creative.image, f"the banner was not saved: {re.findall(r'errorlist[^>]*>(.*?)</ul>', saved.text)}"
    page = requests.get(
        f"{b}{reverse('campaigns:banner', args=[tokens.banner_token(creative_id=creative.pk)])}", timeout=30
    )
    source = unescape(re.search(r'<img src="([^"]+)"', page.text).group(1))
    assert source.startswith(hosts["s3"]), f"the banner is not served from the bucket: {source}"
    shown = requests.get(source, timeout=30)
    assert shown.content == image, f"B's banner does not show the image uploaded on A ({shown.status_code} {source})"

    # The public endpoints' rate limit counts the hits on both hosts together, and every hit let through is stored
    # once by one of the two consumers.
    cache.clear()
    if time.time() % 60 > 45:  # the limit counts per minute: start a fresh minute rather than cross one
        time.sleep(61 - time.time() % 60)
    customer = CustomerFactory()
    pixel = reverse(
        "campaigns:open",
        args=[tokens.open_token(campaign_id=creative.campaign_id, customer_id=customer.pk, creative_id=creative.pk)],
    )
    answers = [
        requests.get(f"{host}{pixel}", headers={"User-Agent": BROWSER}, timeout=30).status_code
        for host in (a, b, a, b, a, b, a, b)
    ]
    assert answers == [200] * RATE_LIMIT + [429, 429], "each host counted its own hits"
    assert wait_until(lambda: Touch.objects.filter(customer_id=customer.pk).count() >= RATE_LIMIT, timeout=30)
    time.sleep(1)  # anything stored twice would show by now
    hits = list(Touch.objects.filter(customer_id=customer.pk).values_list("hit_id", flat=True))
    assert len(hits) == len(set(hits)) == RATE_LIMIT
