"""A strict Content-Security-Policy on every page: the admin, the dashboards, the public pages and forms, the error
pages. Scripts only from our own files, no plugins, no <base>, forms post only to us, no framing (banners excepted);
and no page of ours carries an inline script or handler that the policy would block."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from aftersales import services as aftersales
from aftersales.services.surveys import survey_token
from campaigns import tokens
from campaigns.models import Creative
from orders import services as orders
from tests.campaigns.factories import CreativeFactory, TopicFactory
from tests.customers.factories import CustomerFactory
from tests.factories import UserFactory
from tests.orders.factories import OrderLineFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
HEADER = "Content-Security-Policy"


def policy(response, header=HEADER):
    """The policy a response carries, as {directive: [sources]}."""
    value = response.get(header)
    assert value, f"no {header} on {response.status_code} {getattr(response, 'url', '')}"
    directives = {}
    for part in value.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_strict(response):
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"][0] == "'self'"
    for source in directives["script-src"]:
        assert source == "'self'" or source.startswith("'nonce-"), directives["script-src"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert set(directives["img-src"]) == {"'self'", "data:", "https:"}
    return directives


@pytest.fixture(autouse=True)
def _touches_written_at_once(settings):
    """Page views are written as they come, not left in a buffer that a later test's database would receive."""


@pytest.fixture
def info_page(db):
    return CreativeFactory(kind="info_page", topic=TopicFactory(slug="tea"), subject="Green tea", html_body="<p>x</p>")


def test_an_information_page_with_a_script_shows_none_of_it_under_a_policy_without_inline_scripts(client, info_page):
    Creative.objects.filter(pk=info_page.pk).update(
        html_body="<p>Steep it</p><script>alert(1)</script><img src=x onerror=alert(1)>"
    )

    response = client.get(reverse("campaigns:info_page", args=["tea", info_page.pk]))

    page = response.content.decode()
    assert "Steep it" in page
    assert "<script>alert(1)</script>" not in page and "onerror" not in page and "alert(1)" not in page
    directives = assert_strict(response)
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    # Marketers style their pages inline: style attributes pass, <style> elements do not.
    assert directives["style-src-attr"] == ["'unsafe-inline'"]


def _public_pages(info_page):
    customer = CustomerFactory()
    preferences = tokens.preferences_token(customer_id=customer.pk)
    desire = tokens.desire_token(campaign_id=info_page.campaign_id, customer_id=customer.pk, creative_id=info_page.pk)
    order = OrderLineFactory(order__customer=customer).order
    orders.order_confirm(order=order)
    orders.order_ship(order=order)
    orders.order_deliver(order=order)
    invitation = aftersales.survey_invitation_create(order=order)
    return [
        reverse("campaigns:topic", args=["tea"]),
        reverse("campaigns:info_page", args=["tea", info_page.pk]),
        reverse("campaigns:respond", args=[desire, "inquiry"]),
        reverse("campaigns:preferences", args=[preferences]),
        reverse("campaigns:unsubscribe", args=[preferences]),
        reverse("aftersales:contact"),
        reverse("aftersales:contact_thanks"),
        reverse("aftersales:survey", args=[survey_token(invitation)]),
    ]


def test_every_public_page_and_form_carries_the_policy(client, info_page):
    for url in _public_pages(info_page):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/t/i/no-such-topic/1/", 404),  # a public view's own 404
        ("/t/p/not-a-token/", 400),  # a tampered link
        ("/survey/not-a-token/", 404),
        ("/no/such/page/", 404),  # Django's page
    ],
)
def test_error_pages_carry_the_policy(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert_strict(response)


def test_a_refused_form_post_carries_the_policy(db):
    response = Client(enforce_csrf_checks=True).post(reverse("aftersales:contact"), {"email": "a@example.com"})
    assert response.status_code == 403
    assert_strict(response)


def test_the_admin_carries_the_policy(admin_client, info_page):
    customer = CustomerFactory()
    CreativeFactory(campaign=info_page.campaign, language="en")
    campaign = info_page.campaign_id
    for url in [
        reverse("admin:index"),
        reverse("admin:customers_customer_changelist"),
        reverse("admin:customers_customer_change", args=[customer.pk]),
        reverse("admin:campaigns_campaign_change", args=[campaign]),
        reverse("admin:campaigns_campaign_preview", args=[campaign]) + f"?customer={customer.pk}",
        reverse("admin:campaigns_creative_add"),
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)


def test_the_sign_in_page_and_the_locked_out_page_carry_the_policy(client, settings):
    settings.AXES_FAILURE_LIMIT = 1
    UserFactory(username="sara", is_staff=True)
    assert_strict(client.get(reverse("admin:login")))

    wrong = {"username": "sara", "password": "wrong", "next": "/admin/"}
    client.post(reverse("admin:login"), wrong, REMOTE_ADDR="203.0.113.7")
    locked = client.post(reverse("admin:login"), wrong, REMOTE_ADDR="203.0.113.7")

    assert locked.status_code == 429
    assert_strict(locked)


def test_every_dashboard_carries_the_policy(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for name in ("cycle", "funnel", "plan", "transfer", "aftersales", "boni"):
        response = client.get(reverse(f"dashboards:{name}"))
        assert response.status_code == 200, name
        assert_strict(response)


def test_a_banner_may_be_framed_by_the_sites_named_and_nothing_else_changes(client, settings, info_page):
    banner = CreativeFactory(campaign=info_page.campaign, kind="banner", alt_text="Spring")
    url = reverse("campaigns:banner", args=[tokens.banner_token(creative_id=banner.pk)])

    assert policy(client.get(url))["frame-ancestors"] == ["*"]

    settings.BANNER_FRAME_ANCESTORS = ["https://shop.example.com", "https://www.shop.example.com"]
    directives = policy(client.get(url))
    assert directives["frame-ancestors"] == ["https://shop.example.com", "https://www.shop.example.com"]
    assert directives["script-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    # Every other page still refuses to be framed.
    assert policy(client.get(reverse("campaigns:topic", args=["tea"])))["frame-ancestors"] == ["'none'"]


def test_report_only_mode_reports_instead_of_blocking(client, settings, info_page):
    banner = CreativeFactory(campaign=info_page.campaign, kind="banner", alt_text="Spring")
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None

    response = client.get(reverse("campaigns:info_page", args=["tea", info_page.pk]))

    assert HEADER not in response
    script_src = policy(response, f"{HEADER}-Report-Only")["script-src"]
    assert script_src[0] == "'self'" and all(source.startswith("'nonce-") for source in script_src[1:])
    banner_page = client.get(reverse("campaigns:banner", args=[tokens.banner_token(creative_id=banner.pk)]))
    assert policy(banner_page, f"{HEADER}-Report-Only")["frame-ancestors"] == ["*"]


def _settings_under(**env):
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.CONTENT_SECURITY_POLICY, s.CONTENT_SECURITY_POLICY_REPORT_ONLY], default=repr))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CSP_")}
    clean.update(DJANGO_SETTINGS_MODULE="emarketing.settings.test", **env)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_policy_is_enforced_unless_report_only_is_asked_for_and_reports_go_where_told():
    enforced, report_only = _settings_under()
    assert enforced["DIRECTIVES"]["script-src"][0] == "'self'" and report_only is None
    assert "report-uri" not in enforced["DIRECTIVES"]

    enforced, report_only = _settings_under(CSP_REPORT_ONLY="true", CSP_REPORT_URI="https://reports.example.com/csp")
    assert enforced is None
    assert report_only["DIRECTIVES"]["report-uri"] == ["https://reports.example.com/csp"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def test_no_page_of_ours_has_an_inline_script_handler_or_script_link(client, admin_client, info_page):
    """What the policy would block (and the browser test would see as a violation), caught without a browser."""
    pages = [(client, url) for url in _public_pages(info_page)]
    pages += [
        (admin_client, reverse("admin:index")),
        (admin_client, reverse("admin:customers_customer_changelist")),
        (admin_client, reverse("admin:campaigns_campaign_change", args=[info_page.campaign_id])),
        (admin_client, reverse("dashboards:cycle")),
    ]
    for who, url in pages:
        html = who.get(url).content.decode()
        assert not INLINE_SCRIPT.search(html), (url, INLINE_SCRIPT.search(html))
        assert not HANDLER.search(html), (url, HANDLER.search(html))
        assert "javascript:" not in html.lower(), url


INLINE_STYLE = re.compile(r"<style(?![^>]*\bnonce=)[^>]*>", re.IGNORECASE)


def test_no_template_of_ours_has_an_inline_script_or_style_element():
    """Every template, not only the pages above: a <style> or <script> element without the request's nonce is
    blocked by the policy (the sign-in page's once was)."""
    root = Path(__file__).resolve().parent.parent
    folders = [root / "templates", *(root / app / "templates" for app in ("customers", "campaigns", "orders"))]
    found = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for folder in folders
        if folder.is_dir()
        for path in folder.rglob("*.html")
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, HANDLER)
        for match in [pattern.search(path.read_text(encoding="utf-8"))]
        if match
    ]
    assert found == []
