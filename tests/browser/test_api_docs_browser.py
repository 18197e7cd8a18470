"""The API docs (Swagger UI from the sidecar's static files) run under the strict Content-Security-Policy without a
single violation, and list the API's operations."""

import pytest

from tests.browser.test_content_security_policy import WATCH

pytestmark = pytest.mark.browser


def test_the_api_docs_run_without_a_csp_violation(page, live_server, transactional_db):
    violations, errors = [], []
    page.add_init_script(WATCH)
    page.on("console", lambda m: m.type == "error" and "Content Security Policy" in m.text and errors.append(m.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    violations = [v for frame in page.frames for v in (frame.evaluate("() => window.__violations || []") or [])]
    assert violations == []
    assert errors == []
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/orders/" in [p.replace("\u200b", "") for p in paths]
