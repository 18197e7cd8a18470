"""The website snippet in a real browser, on a shop page of another origin: nothing leaves before consent; once
the visitor consents, a product view and a search that found nothing arrive, and the search is on the needs
board."""

import http.server
import threading

import pytest
from django.db import OperationalError

from campaigns.models import Visitor, WebEvent, WebEventKind
from customers.models import Need, NeedSource

pytestmark = pytest.mark.browser


def _stored():
    # The live server writes in another thread; SQLite's shared in-memory database is locked while it does.
    try:
        return WebEvent.objects.count()
    except OperationalError:
        return -1


@pytest.fixture
def shop():
    """The shop: a server of its own on 127.0.0.1 (another origin than the platform's), answering one page."""
    pages = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages["page"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()
    server.server_close()


def test_the_snippet_sends_nothing_before_consent_then_the_events_arrive(
    page, live_server, settings, transactional_db, shop
):
    origin, pages = shop
    settings.WEBSITE_ALLOWED_ORIGINS = [origin]
    settings.WEBSITE_CONSENT_REQUIRED = True
    settings.EVENTS_REDIS_URL = ""
    pages["page"] = (
        "<!doctype html><html><head><title>Shop</title>"
        f'<script src="{live_server.url}/static/js/emk.js" data-endpoint="{live_server.url}/t/w/"></script>'
        "</head><body><h1>Blue shoes</h1></body></html>"
    )
    failed = []
    page.on("requestfailed", lambda request: failed.append((request.url, request.failure)))
    sent = []
    page.on("request", lambda request: sent.append(request.url) if "/t/w/" in request.url else None)

    page.goto(f"{origin}/p/SKU-1?utm_source=newsletter")
    assert page.evaluate("() => typeof window.emk") == "object", failed
    page.evaluate("() => { emk.product('SKU-1', 'Blue shoes'); }")
    page.wait_for_timeout(1500)
    assert sent == [] and "emk_vid" not in page.evaluate("() => document.cookie")

    # The test reads the database only once the platform has answered the beacon: SQLite's shared in-memory
    # database refuses the live server's write, rather than waiting, while this thread reads it.
    with page.expect_response(lambda response: "/t/w/" in response.url, timeout=60_000) as beacon:
        page.evaluate("() => { emk.consent(true); emk.search('red kettle', 0); }")
    assert beacon.value.status == 202, (sent, failed)
    assert _stored() == 3
    kinds = sorted(WebEvent.objects.values_list("kind", flat=True))
    assert kinds == sorted([WebEventKind.PAGE_VIEW, WebEventKind.PRODUCT_VIEW, WebEventKind.SEARCH])
    visitor_id = page.evaluate("() => document.cookie.match(/emk_vid=([^;]+)/)[1]")
    assert Visitor.objects.get().visitor_id == visitor_id
    assert set(WebEvent.objects.values_list("source", flat=True)) == {"newsletter"}
    assert WebEvent.objects.get(kind=WebEventKind.PRODUCT_VIEW).product_ref == "SKU-1"
    assert Need.objects.get(source=NeedSource.SEARCH).query == "red kettle"
