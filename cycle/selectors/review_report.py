"""The six-monthly report of a plan review: every figure senior management and investors are shown.

All of it is read from the dashboards' rollups (``TouchDaily``, ``OrderDaily``, ``ServiceDaily``,
``ProfileChangeDaily``, the customers' rollup state) through :data:`~cycle.selectors.dashboards.sources.ROLLUPS`,
the same figure source as the managers' dashboards, and from the plan's own small tables: no query reads touches,
orders or customers row by row. A fixed number of queries whatever the size of the data.

The report covers the **six months before the review** (from the plan's start if that is later); each objective's
actual is over the plan's period up to the review, as on the plan's page, and its *trend* compares the KPI over the
report's six months with the six months before.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from campaigns.models import AIDA_ORDER, AidaStep
from customers.models import LifecycleStage, ProfileAttribute, ValueTier
from customers.selectors import needs_board
from cycle.models import REVIEW_INTERVAL, LoopRun, MarketingPlan, PlanReview
from cycle.selectors.dashboards.base import Filters, average, nps_score, percent
from cycle.selectors.dashboards.sources import ROLLUPS, service_totals
from cycle.selectors.money import return_on_spend
from cycle.selectors.plans import ObjectiveRow, plan_milestones, plan_money, plan_objectives_table, plan_people

UP, DOWN, FLAT = "up", "down", "flat"
NEEDS_LISTED = 10


@dataclass
class ObjectiveTrend:
    row: ObjectiveRow
    this_period: Decimal | None
    previous_period: Decimal | None

    @property
    def trend(self) -> str | None:
        """Up, down or flat from the six months before to the report's six months; None without both figures."""
        if self.this_period is None or self.previous_period is None:
            return None
        if self.this_period > self.previous_period:
            return UP
        return DOWN if self.this_period < self.previous_period else FLAT


@dataclass
class FunnelStep:
    step: AidaStep
    customers: int
    conversion: Decimal | None  # % of the step before; None for attention


@dataclass
class Move:
    old: str
    new: str
    customers: int


@dataclass
class ReportData:
    review: PlanReview
    plan: MarketingPlan
    since: dt.date
    until: dt.date
    objectives: list[ObjectiveTrend]
    funnel: list[FunnelStep]
    tiers: list[tuple[ValueTier, int, int]]  # tier, customers now, net change over the period
    stages: list[tuple[LifecycleStage, int, int]]  # stage, customers now, net change over the period
    tier_moves: list[Move]
    stage_moves: list[Move]
    at_risk: int
    revenue_by_month: list[tuple[dt.date, Decimal, int]]  # first day of the month, revenue, orders sold
    orders: dict[str, Any]
    money: dict[str, Any]
    service: dict[str, Decimal | int | None]
    loop: dict[str, int]
    needs: list[Any]
    people: list[Any]
    milestones: list[dict[str, Any]]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def customers(self) -> int:
        return sum(n for _t, n, _c in self.tiers)


def report_period(review: PlanReview, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The six months before the review's date (up to today, if the report is prepared early), from the plan's start
    if that is later: a review due on 1 July covers 1 January to 30 June."""
    today = today or timezone.localdate()
    plan = review.plan
    since = max(plan.starts_on, review.due_on - REVIEW_INTERVAL)
    until = min(review.due_on - dt.timedelta(days=1), today, plan.ends_on)
    return since, max(until, since)


def _previous(since: dt.date, until: dt.date) -> tuple[dt.date, dt.date]:
    length = until - since
    return since - length - dt.timedelta(days=1), since - dt.timedelta(days=1)


def _objectives(plan: MarketingPlan, since: dt.date, until: dt.date) -> list[ObjectiveTrend]:
    rows = plan_objectives_table(plan, today=until, kpi_values=ROLLUPS.kpi_values)
    kpis = {row.objective.kpi for row in rows}
    if not kpis:
        return []
    now = ROLLUPS.kpi_values(kpis, start=since, end=until)
    start, end = _previous(since, until)
    before = ROLLUPS.kpi_values(kpis, start=start, end=end)
    return [ObjectiveTrend(row, now[row.objective.kpi], before[row.objective.kpi]) for row in rows]


def _funnel(filters: Filters) -> list[FunnelStep]:
    reached = ROLLUPS.steps_reached(filters)
    steps, previous = [], None
    for step in AIDA_ORDER:
        n = reached.get(step.value, 0) or 0
        steps.append(FunnelStep(step, n, None if previous is None else percent(n, previous)))
        previous = n
    return steps


def _moves(changes: list[tuple[str, str, str, int]], attribute: str) -> list[Move]:
    return sorted(
        (Move(old, new, n or 0) for attr, old, new, n in changes if attr == attribute),
        key=lambda m: (-m.customers, m.old, m.new),
    )


def _net(moves: list[Move]) -> dict[str, int]:
    net: dict[str, int] = defaultdict(int)
    for move in moves:
        net[move.new] += move.customers
        net[move.old] -= move.customers
    return net


def _revenue_by_month(filters: Filters) -> tuple[list[tuple[dt.date, Decimal, int]], dict[str, Any]]:
    months: dict[dt.date, list[Any]] = {}
    orders = sold = 0
    for day, n, n_sold, revenue in ROLLUPS.order_figures(filters, per_day=True):
        month = months.setdefault(day.replace(day=1), [Decimal("0"), 0])
        month[0] += revenue
        month[1] += n_sold or 0
        orders += n or 0
        sold += n_sold or 0
    rows = [(m, v[0], v[1]) for m, v in sorted(months.items())]
    revenue = sum((r for _m, r, _s in rows), Decimal("0"))
    return rows, {"orders": orders, "sold": sold, "revenue": revenue}


def _money_section(*, plan: MarketingPlan, since: dt.date, until: dt.date, revenue: Decimal) -> dict[str, Any]:
    """Money, the 3M's second M: budget, spent, revenue and return on spend, per objective and for the plan.

    The one place the report's money is computed: when ``cycle.selectors.finance.finance_summary(plan=, since=,
    until=)`` arrives it replaces this body. Budget is the plan's budget lines (or, without lines, its objectives'
    budgets); spent is what the campaigns serving the plan's objectives have cost; revenue is the sales in the
    report's period (``OrderDaily``); return on spend is the Money board's (``cycle.selectors.money``).
    """
    totals = plan_money(plan)
    budget = totals["lines"] or totals["objectives"]
    spent = totals["spent"]
    return {
        "budget": budget,
        "spent": spent,
        "remaining": budget - spent,
        "revenue": revenue,
        "return_on_spend": return_on_spend(revenue, spent),  # the Money board's rule: (revenue − spent) / spent
        "over_budget": spent > budget,
    }


def _service(filters: Filters) -> dict[str, Decimal | int | None]:
    s = service_totals(ROLLUPS.service_per_day(filters))
    return {
        "payments": s["payments"],
        "payments_succeeded": percent(s["payments_succeeded"], s["payments"]),
        "delivered": s["delivered"],
        "on_time": percent(s["delivered_on_time"], s["delivered"]),
        "tickets": s["tickets_opened"],
        "tickets_in_time": percent(s["tickets_answered_in_time"], s["tickets_opened"]),
        "surveys": s["surveys"],
        "csat": average(s["csat_total"], s["surveys"]),
        "nps": nps_score(s["promoters"], s["detractors"], s["nps_answers"]),
    }


def _loop(filters: Filters) -> tuple[dict[str, int], list[Any]]:
    lower, upper = filters.bounds
    loop = LoopRun.objects.filter(started_at__gte=lower, started_at__lt=upper).aggregate(
        runs=Count("id"),
        read=Coalesce(Sum(F("surveys_read") + F("tickets_read") + F("reviews_read")), 0),
        needs_created=Coalesce(Sum("needs_created"), 0),
        needs_strengthened=Coalesce(Sum("needs_strengthened"), 0),
        customers_updated=Coalesce(Sum("customers_updated"), 0),
    )
    needs = list(
        needs_board()
        .filter(Q(first_heard_at__gte=lower, first_heard_at__lt=upper))
        .order_by("-mention_count", "id")[:NEEDS_LISTED]
    )
    return loop, needs


def review_report_data(*, review: PlanReview, today: dt.date | None = None) -> ReportData:
    """Every figure of the review's report, from the rollups and the plan's own tables."""
    plan = review.plan
    since, until = report_period(review, today=today)
    filters = Filters(start=since, end=until)
    now = ROLLUPS.customers_now(filters)
    changes = ROLLUPS.profile_changes(filters)
    tier_moves = _moves(changes, ProfileAttribute.VALUE_TIER)
    stage_moves = _moves(changes, ProfileAttribute.LIFECYCLE_STAGE)
    tier_net, stage_net = _net(tier_moves), _net(stage_moves)
    revenue_by_month, orders = _revenue_by_month(filters)
    loop, needs = _loop(filters)
    return ReportData(
        review=review,
        plan=plan,
        since=since,
        until=until,
        objectives=_objectives(plan, since, until),
        funnel=_funnel(filters),
        tiers=[(t, now["by_tier"].get(t.value, 0), tier_net.get(t.value, 0)) for t in ValueTier],
        stages=[(s, now["by_stage"].get(s.value, 0), stage_net.get(s.value, 0)) for s in LifecycleStage],
        tier_moves=tier_moves,
        stage_moves=stage_moves,
        at_risk=now["at_risk"],
        revenue_by_month=revenue_by_month,
        orders=orders,
        money=_money_section(plan=plan, since=since, until=until, revenue=orders["revenue"]),
        service=_service(filters),
        loop=loop,
        needs=needs,
        people=list(plan_people(plan)),
        milestones=plan_milestones(plan),
    )
