"""What a plan's page shows: the objectives table with target and actual side by side, and the 3M."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from cycle.models import BudgetLine, MarketingPlan, Milestone, Objective, PlanPerson
from cycle.selectors.kpis import CUMULATIVE_KPIS, kpi_values

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

MONEY = DecimalField(max_digits=14, decimal_places=2)

ON_TRACK = "on_track"
BEHIND = "behind"
NO_DATA = "no_data"
KPI_STATUS_LABELS = {ON_TRACK: _("On track"), BEHIND: _("Behind"), NO_DATA: _("No data yet")}

MILESTONE_STATE_LABELS = {
    "ahead": _("Ahead"),
    "missed": _("Missed"),
    "done": _("Done"),
    "done_late": _("Done, late"),
}


@dataclass
class ObjectiveRow:
    objective: Objective
    actual: Decimal | None
    expected: Decimal
    status: str
    budget: Decimal
    lines_total: Decimal
    spent: Decimal

    @property
    def target(self) -> Decimal:
        return self.objective.target

    @property
    def status_label(self) -> Promise:
        return KPI_STATUS_LABELS[self.status]

    @property
    def over_budget(self) -> bool:
        return self.spent > self.budget

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.spent


def plan_period(plan: MarketingPlan, *, today: dt.date | None = None) -> tuple[dt.date, dt.date, Decimal]:
    """The plan's period so far (start, min(end, today)) and the share of the whole period elapsed (0–1)."""
    today = today or timezone.localdate()
    end = min(plan.ends_on, today)
    total_days = (plan.ends_on - plan.starts_on).days + 1
    elapsed = min(max((today - plan.starts_on).days + 1, 0), total_days)
    return plan.starts_on, max(end, plan.starts_on), Decimal(elapsed) / Decimal(total_days)


class ObjectiveMoney(TypedDict):
    spent_total: Decimal
    lines_total: Decimal


def objectives_with_money(plan: MarketingPlan) -> "QuerySet[WithAnnotations[Objective, ObjectiveMoney]]":
    """The plan's objectives, each with its campaigns' spending and its budget lines summed: one query."""
    spent = (
        Campaign.objects.filter(objective=OuterRef("pk"))
        .order_by()
        .values("objective")
        .annotate(total=Sum("cost"))
        .values("total")
    )
    lines = (
        BudgetLine.objects.filter(objective=OuterRef("pk"))
        .order_by()
        .values("objective")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        Objective.objects.filter(plan=plan)
        .annotate(
            spent_total=Coalesce(Subquery(spent, output_field=MONEY), Value(Decimal("0")), output_field=MONEY),
            lines_total=Coalesce(Subquery(lines, output_field=MONEY), Value(Decimal("0")), output_field=MONEY),
        )
        .order_by("position", "id")
    )


def kpi_status(kpi: str, *, target: Decimal, actual: Decimal | None, elapsed: Decimal) -> tuple[str, Decimal]:
    """On track or behind; a cumulative KPI is compared with its target pro-rated to the time elapsed."""
    expected = target * elapsed if kpi in CUMULATIVE_KPIS else target
    expected = expected.quantize(Decimal("0.01"))
    if actual is None:
        return NO_DATA, expected
    return (ON_TRACK if actual >= expected else BEHIND), expected


class KpiValuesOf(Protocol):
    def __call__(self, kpis: Iterable[str], *, start: dt.date, end: dt.date) -> dict[str, Decimal | None]: ...


def plan_objectives_table(
    plan: MarketingPlan, *, today: dt.date | None = None, kpi_values: KpiValuesOf = kpi_values
) -> list[ObjectiveRow]:
    """The objectives table: objective, motivation, strategy, KPI, target, actual, status, budget and spending.

    ``kpi_values`` reads the actuals: the KPI catalogue by default; the dashboards pass their figure source.
    A fixed number of queries: one for the objectives and one per distinct KPI in the plan.
    """
    start, end, elapsed = plan_period(plan, today=today)
    objectives = list(objectives_with_money(plan))
    actuals = kpi_values([o.kpi for o in objectives], start=start, end=end) if objectives else {}
    rows = []
    for objective in objectives:
        actual = actuals[objective.kpi]
        status, expected = kpi_status(objective.kpi, target=objective.target, actual=actual, elapsed=elapsed)
        rows.append(
            ObjectiveRow(
                objective=objective,
                actual=actual,
                expected=expected,
                status=status,
                budget=objective.budget,
                lines_total=objective.lines_total,
                spent=objective.spent_total,
            )
        )
    return rows


def plan_people(plan: MarketingPlan) -> QuerySet[PlanPerson]:
    return PlanPerson.objects.filter(plan=plan).select_related("user").order_by("role", "name")


def plan_milestones(plan: MarketingPlan) -> list[dict[str, Any]]:
    milestones = Milestone.objects.filter(plan=plan).select_related("objective", "owner").order_by("due_on", "id")
    return [{"milestone": m, "state": m.state, "state_label": MILESTONE_STATE_LABELS[m.state]} for m in milestones]


def plan_money(plan: MarketingPlan) -> dict[str, Decimal]:
    """Money at the plan level: every budget line, the objectives' budgets and what campaigns spent."""
    lines = BudgetLine.objects.filter(plan=plan).aggregate(total=Coalesce(Sum("amount"), Value(Decimal("0"))))
    objectives = Objective.objects.filter(plan=plan).aggregate(total=Coalesce(Sum("budget"), Value(Decimal("0"))))
    spent = Campaign.objects.filter(objective__plan=plan).aggregate(total=Coalesce(Sum("cost"), Value(Decimal("0"))))
    return {"lines": lines["total"], "objectives": objectives["total"], "spent": spent["total"]}


def plan_scoreboard(
    plan: MarketingPlan, *, today: dt.date | None = None, kpi_values: KpiValuesOf = kpi_values
) -> dict[str, Any]:
    """Everything the plan's page in the administration shows, in a constant number of queries; ``kpi_values``
    as in :func:`plan_objectives_table`."""
    return {
        "plan": plan,
        "rows": plan_objectives_table(plan, today=today, kpi_values=kpi_values),
        "people": list(plan_people(plan)),
        "milestones": plan_milestones(plan),
        "money": plan_money(plan),
        "open_reviews": list(plan.reviews.filter(closed_at__isnull=True).order_by("due_on")),
    }
