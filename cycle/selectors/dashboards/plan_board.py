"""The plan: objectives against targets, the 3M and the next six-monthly review.

The objectives table is the plan's own (``cycle.selectors.plans.plan_objectives_table``), with its actuals read
from the dashboard's figure source.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cycle.models import MarketingPlan, PlanStatus
from cycle.selectors.dashboards.base import BUDGET_LINES_PERMISSION, Dashboard, Filters, Table, chart
from cycle.selectors.dashboards.sources import figure_source
from cycle.selectors.plans import BEHIND, ON_TRACK, plan_milestones, plan_money, plan_objectives_table, plan_people


def current_plan(plan_id: int | None) -> MarketingPlan | None:
    plans = MarketingPlan.objects.select_related("owner")
    if plan_id:
        return plans.filter(pk=plan_id).first()
    live = [PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW]
    return plans.filter(status__in=live).order_by("-starts_on", "-id").first() or plans.order_by("-starts_on").first()


def plan_dashboard(filters: Filters, *, live: bool = False, today: dt.date | None = None) -> Dashboard:
    """The objectives table (KPI against target, status), the 3M and the next six-monthly review."""
    board = Dashboard()
    today = today or timezone.localdate()
    plan = current_plan(filters.plan_id)
    board.extra["plan"] = plan
    if plan is None:
        board.notes.append(_("No marketing plan yet: create one in the administration."))
        return board
    objectives = plan_objectives_table(plan, today=today, kpi_values=figure_source(live=live).kpi_values)
    board.extra["statuses"] = [row.status for row in objectives]
    board.tables.append(
        Table(
            "objectives",
            _("Objectives table"),
            [
                _("Objective"),
                _("Motivation"),
                _("Strategy"),
                _("KPI"),
                _("Target"),
                _("Expected by now"),
                _("Actual"),
                _("Status"),
                _("Budget"),
                _("Spent"),
            ],
            [
                [
                    row.objective.title,
                    row.objective.motivation,
                    row.objective.strategy,
                    row.objective.get_kpi_display(),
                    row.target,
                    row.expected,
                    row.actual,
                    row.status_label,
                    row.budget,
                    row.spent,
                ]
                for row in objectives
            ],
        )
    )
    money = plan_money(plan)
    people = list(plan_people(plan))
    milestones = plan_milestones(plan)
    missed = [m for m in milestones if m["state"] == "missed"]
    ahead = [m for m in milestones if m["state"] == "ahead"]
    next_review = plan.next_review_on
    budget_planned = _("Budget planned")
    board.guard_figure(budget_planned, BUDGET_LINES_PERMISSION)  # the sum of the budget lines
    board.figures = [
        (_("Objectives on track"), board.extra["statuses"].count(ON_TRACK), ""),
        (_("Objectives behind"), board.extra["statuses"].count(BEHIND), ""),
        (budget_planned, money["lines"] or money["objectives"], ""),
        (_("Spent by campaigns"), money["spent"], ""),
        (_("People on the plan"), len(people), ""),
        (_("Deadlines ahead"), len(ahead), ""),
        (_("Deadlines missed"), len(missed), ""),
        (_("Next six-monthly review"), next_review, _("overdue") if next_review and next_review < today else ""),
    ]
    board.tables.append(
        Table(
            "money",
            _("Money: budget planned and spent"),
            [_("Budget lines"), _("Objectives' budgets"), _("Spent by campaigns"), _("Remaining")],
            [
                [
                    money["lines"],
                    money["objectives"],
                    money["spent"],
                    (money["lines"] or money["objectives"]) - money["spent"],
                ]
            ],
            permission=BUDGET_LINES_PERMISSION,
        )
    )
    board.tables.append(
        Table(
            "people",
            _("Men and women"),
            [_("Name"), _("Role"), _("Time on the plan (%)")],
            [[p.name, p.role, p.allocation_percent] for p in people],
        )
    )
    board.tables.append(
        Table(
            "deadlines",
            _("Minutes: deadlines ahead and missed"),
            [_("Milestone"), _("Deadline"), _("Done on"), _("State")],
            [
                [m["milestone"].title, m["milestone"].due_on, m["milestone"].done_on or "", m["state_label"]]
                for m in milestones
            ],
        )
    )
    board.charts["money"] = chart(
        "bar",
        [row.objective.title for row in objectives],
        [(_("Budget"), [row.budget for row in objectives]), (_("Spent"), [row.spent for row in objectives])],
    )
    return board
