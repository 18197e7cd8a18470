"""The customer's change page with its 360° profile (cards and a page of the timeline) against Django's plain
change page of the same customer (a bare ``ModelAdmin``, no inlines, no profile), in the same run.

    .venv/bin/python bench/admin_profile.py                     # SQLite under var/bench, about a minute
    .venv/bin/python bench/admin_profile.py --touches 100000    # a customer with a hundred thousand touches
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_profile .venv/bin/python bench/admin_profile.py \\
        --customers 1000000 --background-touches 10000000      # full size on PostgreSQL (takes a while)
    ... --reuse                                                  # keep the data of the last run

Data: ``--customers`` customers, ``--background-touches`` touches spread over them, and the customer measured,
with ``--touches`` touches, 200 orders (a shipment each, some late), 300 campaign messages, 20 tickets, 20 survey
answers and 20 needs heard. Each page is requested ``--reps`` times through Django's test client, signed in as a
superuser (after two warm-up requests); p50 and p95 times and query counts are reported, for the first page of the
timeline and for a page deep in it (followed by cursor).

Last line: ``admin_profile: RATIO x (details)``, RATIO being the profile page's p95 over the plain page's p95.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
import types
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench' / 'admin_profile.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from aftersales.models import SurveyResponse, Ticket, TicketStatus  # noqa: E402
from bench.dashboard_data import fresh_database, insert_rows, log  # noqa: E402
from campaigns.models import AidaStep, Campaign, Message, MessageStatus, Touch, TouchKind, TouchSource  # noqa: E402
from customers.models import Customer, Need, NeedCategory, NeedMention, NeedSource  # noqa: E402
from customers.timeline import customer_timeline  # noqa: E402
from orders.models import Order, Shipment, ShipmentStatus  # noqa: E402

SUBJECT_EMAIL = "subject@example.com"


def generate(*, customers: int, background: int, touches: int, seed: int = 14) -> None:
    rng = random.Random(seed)
    now = timezone.now()
    log(f"{customers:,} customers")
    made = 0
    while made < customers:
        size = min(10_000, customers - made)
        Customer.objects.bulk_create(
            Customer(
                first_name=f"First{i}",
                last_name=f"Last{i}",
                email=f"c{i}@example.com",
                preferred_language="fa",
                country="IR",
                time_zone="Asia/Tehran",
            )
            for i in range(made, made + size)
        )
        made += size
    subject = Customer.objects.create(
        first_name="زهرا", last_name="محمدی", email=SUBJECT_EMAIL, preferred_language="fa", country="IR"
    )
    campaigns = Campaign.objects.bulk_create(Campaign(name=f"Campaign {i}", budget=Decimal(1000)) for i in range(300))
    first_id = Customer.objects.order_by("pk").values_list("pk", flat=True).first() or 1
    kinds = [(AidaStep.ATTENTION, TouchKind.EMAIL_OPEN), (AidaStep.INFORMATION, TouchKind.CLICK)]

    def touch_rows(n: int, customer_id: int | None):
        for _ in range(n):
            step, kind = rng.choice(kinds)
            yield (
                customer_id if customer_id is not None else first_id + rng.randrange(customers),
                rng.choice(campaigns).pk,
                step,
                kind,
                TouchSource.EMAIL,
                now - dt.timedelta(seconds=rng.randrange(365 * 86400)),
                False,
                "",
                "",
                "",
            )

    columns = [
        "customer",
        "campaign",
        "step",
        "kind",
        "source",
        "occurred_at",
        "is_automated",
        "user_agent",
        "referrer",
        "detail",
    ]
    log(f"{background:,} touches of other customers, {touches:,} of the one measured")
    insert_rows(Touch, columns, touch_rows(background, None))
    insert_rows(Touch, columns, touch_rows(touches, subject.pk))
    orders = Order.objects.bulk_create(
        Order(
            number=f"ORD-BENCH-{i:05d}",
            customer=subject,
            total=Decimal("120.00"),
            placed_at=now - dt.timedelta(days=rng.randrange(365)),
        )
        for i in range(200)
    )
    Shipment.objects.bulk_create(
        Shipment(
            order=order,
            promised_on=(order.placed_at + dt.timedelta(days=3)).date(),
            status=ShipmentStatus.SHIPPED,
            shipped_at=order.placed_at + dt.timedelta(days=1),
        )
        for order in orders
    )
    Message.objects.bulk_create(
        Message(campaign=c, customer=subject, status=MessageStatus.SENT, created_at=now - dt.timedelta(days=i))
        for i, c in enumerate(campaigns)
    )
    Ticket.objects.bulk_create(
        Ticket(customer=subject, subject=f"Question {i}", status=TicketStatus.OPEN) for i in range(20)
    )
    SurveyResponse.objects.bulk_create(
        SurveyResponse(customer=subject, csat=1 + i % 5, nps=i % 11, comment="دیر و گران") for i in range(20)
    )
    needs = [
        Need.objects.create(category=category, title=str(category.label), source="survey") for category in NeedCategory
    ]
    NeedMention.objects.bulk_create(
        NeedMention(need=needs[i % len(needs)], customer=subject, source=NeedSource.SURVEY, source_id=i)
        for i in range(20)
    )


def plain_urls():
    """A second admin site with Django's plain ``ModelAdmin`` for customers, beside the project's own URLs (the
    project's site class, for the pages its templates link to: two-factor sign-in)."""
    from customers.admin.customers import CustomerAdmin
    from customers.admin.profile360 import CustomerProfileMixin
    from emarketing.admin_site import CycleAdminSite

    class WithoutProfile(CustomerAdmin):
        """The project's customer page as it was before the profile: the same form and inlines."""

        def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
            return super(CustomerProfileMixin, self).render_change_form(request, context, add, change, form_url, obj)

    site = CycleAdminSite(name="plain")
    site.register(Customer)
    without = CycleAdminSite(name="without")
    without.register(Customer, WithoutProfile)
    module = types.ModuleType("bench_admin_profile_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("plain-admin/", site.urls),
        path("without-profile/", without.urls),
        path("", include(settings.ROOT_URLCONF)),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


def measure(client: Client, url: str, reps: int) -> tuple[float, float, int]:
    for _ in range(2):
        assert client.get(url).status_code == 200, url
    times, queries = [], 0
    for _ in range(reps):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, url
        queries = len(captured.captured_queries)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--background-touches", type=int, default=200_000)
    parser.add_argument("--touches", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if not args.reuse or not Customer.objects.filter(email=SUBJECT_EMAIL).exists():
        fresh_database()
        started = time.perf_counter()
        generate(customers=args.customers, background=args.background_touches, touches=args.touches)
        log(f"data made in {time.perf_counter() - started:.1f} s")
    subject = Customer.objects.get(email=SUBJECT_EMAIL)
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True, "email": "bench@example.com"}
    )
    settings.ROOT_URLCONF = plain_urls()
    client = Client()
    client.force_login(user)

    profile_url = reverse("admin:customers_customer_change", args=[subject.pk])
    plain_url = reverse("plain:customers_customer_change", args=[subject.pk])
    page = customer_timeline(customer_id=subject.pk, viewer=user)
    deep = profile_url
    for _ in range(20):  # twenty pages down the timeline, by cursor
        if page.older is None:
            break
        deep = f"{profile_url}?timeline={page.older}"
        page = customer_timeline(customer_id=subject.pk, viewer=user, before=page.older)

    without_url = reverse("without:customers_customer_change", args=[subject.pk])
    results = {
        "plain Django change page": measure(client, plain_url, args.reps),
        "project's page without the profile": measure(client, without_url, args.reps),
        "change page with the profile": measure(client, profile_url, args.reps),
        "… twenty pages down the timeline": measure(client, deep, args.reps),
    }
    print(f"\n{connection.vendor}, {args.customers:,} customers, a customer with {args.touches:,} touches")
    print(f"{'page':36} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for name, (p50, p95, queries) in results.items():
        print(f"{name:36} {p50:8.1f} {p95:8.1f} {queries:8d}")
    plain, before, full, deeper = results.values()
    ratio = full[1] / plain[1]
    print(
        f"admin_profile: {ratio:.2f}x (profile p95 {full[1]:.1f} ms, {full[2]} queries; plain p95 {plain[1]:.1f} ms, "
        f"{plain[2]} queries; without the profile p95 {before[1]:.1f} ms, {before[2]} queries; "
        f"deep page p95 {deeper[1]:.1f} ms, {deeper[2]} queries)"
    )


if __name__ == "__main__":
    main()
