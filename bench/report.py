"""The six-monthly report of a plan over 1,000,000 customers and 10,000,000 touches, from the rollups.

    createdb -h 127.0.0.1 -U postgres h3_report
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h3_report .venv/bin/python bench/report.py   # full size
    .venv/bin/python bench/report.py --scale 0.01    # a hundredth, on SQLite under var/bench

The report reads the rollups only (``cycle.selectors.review_report``), so the benchmark builds the rollup rows that
the full-size company's year would leave — not the 10 million touches themselves: per day of the report's six
months and of the six before (for the trend), ``TouchDaily`` rows of 200 campaigns per half-year, each active a
month, with the funnel's shape of ``bench/dashboard_data.py`` and their touches summing to 10,000,000 per half-year;
``OrderDaily`` per channel and for 50 agents (1,000,000 orders a year); ``ServiceDaily``; ``ProfileChangeDaily``
moves between tiers and stages; the customers' rollup state (1,000,000 customers by tier and stage); a plan of
ten objectives (the rollups' KPIs), budget lines, people, deadlines and loop runs. No customer, touch or order
row exists: a report that read one of those tables would show nothing, and tests/cycle/test_review_report.py
checks that none of its queries names them.

Measured, ``--reps`` times each for English, Persian and Arabic: the figures (the selector's queries), the HTML
(figures, charts, template) and the whole report (HTML laid out as a PDF by WeasyPrint). The baseline is the HTML
alone, in the same run: the ratio says what the PDF costs on top.

Last line: ``report: SECONDS s worst PDF (under 30 s: yes|no), PDF/HTML RATIO x``.
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench' / 'report.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.dashboard_data import CHANNELS, KINDS, STAGES, TIERS, fresh_database, insert_rows, log  # noqa: E402
from campaigns.models import TOUCH_KIND_STEP, Campaign  # noqa: E402
from cycle.models import (  # noqa: E402
    BudgetLine,
    Kpi,
    LoopRun,
    MarketingPlan,
    Milestone,
    Objective,
    OrderDaily,
    PlanPerson,
    PlanReview,
    ProfileChangeDaily,
    RollupState,
    ServiceDaily,
    TouchDaily,
)
from cycle.selectors.review_report import review_report_data  # noqa: E402
from cycle.services.review_reports import review_report_html, review_report_pdf  # noqa: E402
from orders.models import Agent  # noqa: E402

REVIEW_ON = dt.date(2026, 7, 1)
DAYS = 362  # the report's six months and the six before them
N_CAMPAIGNS = 200
N_AGENTS = 50
TOUCHES = "touches in the report's six months"
DISTINCT = 0.6  # customers reaching a step per touch of it (repeat opens and clicks)


def build(scale: float, seed: int = 18) -> dict[str, int]:
    rng = random.Random(seed)
    n_customers = int(1_000_000 * scale)
    touches_per_half_year = int(10_000_000 * scale)
    orders_per_year = int(1_000_000 * scale)
    first = REVIEW_ON - dt.timedelta(days=DAYS)
    days = [first + dt.timedelta(days=d) for d in range(DAYS)]

    insert_rows(Agent, ["name", "kind", "email", "phone", "region", "commission_rate", "is_active"],
                ((f"Agent {a}", "agency", "", "", "", "5.00", True) for a in range(1, N_AGENTS + 1)))  # fmt: skip
    # 200 campaigns in each half-year, each active for 30 days within it
    half = DAYS // 2
    starts = {
        c: first + dt.timedelta(days=(half if c > N_CAMPAIGNS else 0) + rng.randrange(half - 30))
        for c in range(1, 2 * N_CAMPAIGNS + 1)
    }
    Campaign.objects.bulk_create(
        Campaign(name=f"Campaign {c}", channel="email", status="sent", budget=Decimal("1000"), cost=Decimal("400"),
                 created_at=dt.datetime.combine(starts[c], dt.time(), tzinfo=dt.UTC))
        for c in starts
    )  # fmt: skip
    campaign_ids = list(Campaign.objects.order_by("id").values_list("id", flat=True))
    steps: dict[str, float] = {}
    for kind, weight in KINDS:
        step = TOUCH_KIND_STEP[kind].value
        steps[step] = steps.get(step, 0.0) + weight
    total_weight = sum(steps.values())
    # A day of one campaign carries this share of its half-year's touches.
    per_campaign_day = touches_per_half_year / (N_CAMPAIGNS * 30)

    def touch_rows():
        for c, start in zip(campaign_ids, starts.values(), strict=True):
            for d in range(30):
                day = start + dt.timedelta(days=d)
                for step, weight in steps.items():
                    touches = round(per_campaign_day * weight / total_weight * rng.uniform(0.5, 1.5))
                    yield (day, c, step, touches, int(touches * DISTINCT), int(touches * 0.05) * (step == "attention"))

    n_touch_rows = insert_rows(TouchDaily, ["day", "campaign", "step", "touches", "reached", "proxied"], touch_rows())
    per_day_orders = orders_per_year / 365

    def order_rows():
        agent_ids = list(Agent.objects.values_list("id", flat=True))
        for day in days:
            for channel in dict.fromkeys(CHANNELS):
                if channel == "agent":
                    continue
                n = int(per_day_orders * CHANNELS.count(channel) / len(CHANNELS) * rng.uniform(0.7, 1.3))
                yield (day, channel, None, n, int(n * 0.85), f"{n * 0.85 * 255:.2f}")
            for agent in agent_ids:
                n = int(per_day_orders / len(CHANNELS) / len(agent_ids) * rng.uniform(0.5, 1.5))
                yield (day, "agent", agent, n, int(n * 0.85), f"{n * 0.85 * 255:.2f}")

    n_order_rows = insert_rows(OrderDaily, ["day", "channel", "agent", "orders", "sold", "revenue"], order_rows())

    def service_rows():
        for day in days:
            delivered = int(per_day_orders * 0.5)
            surveys = max(int(100_000 * scale / 365), 1)
            yield (day, int(per_day_orders), int(per_day_orders * 0.9), int(per_day_orders * 0.1), delivered,
                   int(delivered * rng.uniform(0.8, 0.95)), int(50_000 * scale / 365), int(45_000 * scale / 365),
                   surveys, surveys * 4, surveys, int(surveys * 0.45), int(surveys * 0.2))  # fmt: skip

    insert_rows(ServiceDaily, ["day", "payments", "payments_succeeded", "payments_failed", "delivered",
                               "delivered_on_time", "tickets_opened", "tickets_answered_in_time", "surveys",
                               "csat_total", "nps_answers", "promoters", "detractors"], service_rows())  # fmt: skip

    def change_rows():
        for day in days:
            for attribute, values in (("value_tier", TIERS), ("lifecycle_stage", STAGES)):
                for old in values:
                    for new in values:
                        if old != new:
                            yield (day, attribute, old, new, rng.randrange(int(200 * scale) + 2))

    n_change_rows = insert_rows(ProfileChangeDaily, ["day", "attribute", "old_value", "new_value", "changes"],
                                change_rows())  # fmt: skip
    share = n_customers // 4
    RollupState.objects.create(
        name="customers",
        figures={
            "by_tier": dict.fromkeys(TIERS, share),
            "by_stage": {**dict.fromkeys(STAGES, share), "win_back": n_customers - 4 * share},
            "at_risk": n_customers // 20,
        },
    )
    plan = MarketingPlan.objects.create(name="Bench plan", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31),
                                        status="under_review")  # fmt: skip
    kpis = [Kpi.REVENUE, Kpi.ON_TIME_DELIVERY, Kpi.CSAT, Kpi.NPS, Kpi.AIDA_CONVERSION] * 2
    for position, kpi in enumerate(kpis):
        objective = Objective.objects.create(
            plan=plan, title=f"Objective {position + 1}", kpi=kpi, target=Decimal("50"), budget=Decimal("5000"),
            position=position,
        )  # fmt: skip
        Campaign.objects.filter(id__in=campaign_ids[position::10]).update(objective=objective)
        BudgetLine.objects.create(plan=plan, objective=objective, description="Campaigns", amount=Decimal("5000"))
        Milestone.objects.create(plan=plan, objective=objective, title=f"Deadline {position + 1}",
                                 due_on=REVIEW_ON - dt.timedelta(days=30 * position))  # fmt: skip
    for n in range(5):
        PlanPerson.objects.create(plan=plan, name=f"Person {n + 1}", role="Marketer", allocation_percent=50)
    for d in range(0, 180, 7):
        at = dt.datetime.combine(REVIEW_ON - dt.timedelta(days=d + 1), dt.time(6), tzinfo=dt.UTC)
        LoopRun.objects.create(trigger="schedule", status="succeeded", started_at=at, finished_at=at,
                               surveys_read=40, tickets_read=20, needs_created=2, customers_updated=30)  # fmt: skip
    PlanReview.objects.create(plan=plan, due_on=REVIEW_ON, proposals="Move budget from banners to SMS.\n" * 5)
    report_half = TouchDaily.objects.filter(day__gte=REVIEW_ON - dt.timedelta(days=181))
    return {
        "customers (rollup)": n_customers,
        TOUCHES: sum(report_half.values_list("touches", flat=True)),
        "touch rollup rows": n_touch_rows,
        "order rollup rows": n_order_rows,
        "profile change rows": n_change_rows,
    }


def timed(function, reps):
    samples, result = [], None
    for _ in range(reps):
        started = time.perf_counter()
        result = function()
        samples.append(time.perf_counter() - started)
    return max(samples), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 1M customers, 10M touches in six months")
    parser.add_argument("--reps", type=int, default=3, help="reports per language")
    args = parser.parse_args()
    started = time.perf_counter()
    fresh_database()
    sizes = build(args.scale)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    log(f"built {sizes} on {connection.vendor} in {time.perf_counter() - started:.0f}s")
    review = PlanReview.objects.select_related("plan").get()
    today = REVIEW_ON + dt.timedelta(days=3)
    with CaptureQueriesContext(connection) as queries:
        review_report_data(review=review, today=today)
    worst_pdf = worst_html = 0.0
    for language in ("en", "fa", "ar"):
        figures, _data = timed(lambda: review_report_data(review=review, today=today), args.reps)
        html_time, _html = timed(
            lambda language=language: review_report_html(review=review, language=language, today=today), args.reps
        )
        pdf_time, (pdf, pages) = timed(
            lambda language=language: review_report_pdf(
                review_report_html(review=review, language=language, today=today)
            ),
            args.reps,
        )
        worst_pdf, worst_html = max(worst_pdf, pdf_time), max(worst_html, html_time)
        log(
            f"{language}: figures {figures:.3f}s, HTML {html_time:.3f}s, HTML+PDF {pdf_time:.3f}s "
            f"({pages} pages, {len(pdf) // 1024} KiB), worst of {args.reps}"
        )
    print(
        f"report: {worst_pdf:.2f} s worst PDF (under 30 s: {'yes' if worst_pdf < 30 else 'no'}), "
        f"PDF/HTML {worst_pdf / worst_html:.1f}x (HTML alone {worst_html:.3f} s; {len(queries)} queries for the "
        f"figures; {sizes[TOUCHES]:,} touches and {sizes['customers (rollup)']:,} "
        f"customers in the rollups)"
    )


if __name__ == "__main__":
    main()
