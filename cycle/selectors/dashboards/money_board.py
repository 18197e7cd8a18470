"""Money: per channel, campaign and journey what was spent and what came back (``cycle.selectors.finance``), and
the plan's budget lines with what is committed and spent, those at 90 % or more and those overspent."""

from decimal import ROUND_HALF_UP
from typing import Any

from django.utils.translation import gettext_lazy as _

from cycle.selectors.budget import NEAR, OVER
from cycle.selectors.dashboards.base import BUDGET_LINES_PERMISSION, Dashboard, Filters, Table, chart
from cycle.selectors.dashboards.plan_board import current_plan
from cycle.selectors.finance import FinanceRow, finance_summary
from cycle.selectors.money import TWO

NOT_MEASURABLE = _("not measurable")


def _headers() -> list[Any]:
    return [
        _("Name"),
        _("Cost recorded"),
        _("E-mails and SMS"),
        _("Agents' commissions"),
        _("Total cost"),
        _("Sales"),
        _("Attributed revenue"),
        _("Lift over the holdout group"),
        _("Return on spend (%)"),
    ]


def _row(row: FinanceRow) -> list[Any]:
    m = row.money
    return [
        row.name,
        m.recorded,
        (m.email_cost + m.sms_cost).quantize(TWO, ROUND_HALF_UP),
        m.commissions.quantize(TWO, ROUND_HALF_UP),
        m.cost,
        m.orders,
        m.revenue,
        m.lift,
        NOT_MEASURABLE if m.return_on_spend is None else m.return_on_spend,
    ]


def money_dashboard(filters: Filters, *, live: bool = False) -> Dashboard:
    """Cost, attributed revenue, lift and return on spend per channel, campaign and journey in the period (campaigns
    that began in it; journeys' e-mails and sales in it); the plan's budget lines. A fixed number of queries.
    ``live`` is accepted for the benchmark: these figures are always read from the tables."""
    board = Dashboard()
    plan = current_plan(filters.plan_id)
    summary = finance_summary(plan=None, since=filters.start, until=filters.end, lines=False)
    total = summary.total
    board.figures = [
        (_("Total cost"), total.cost, ""),
        (_("Attributed revenue"), total.revenue, ""),
        (
            _("Return on spend (%)"),
            total.return_on_spend,
            _("Not measurable: nothing spent.") if total.return_on_spend is None else "",
        ),
        (_("Lift over holdout groups"), total.lift, _("Only campaigns whose test keeps a holdout group.")),
    ]
    board.tables.append(Table("channels", _("Per channel"), [_("Channel"), *_headers()[1:]], []))
    board.tables[-1].rows = [_row(r) for r in summary.channels]
    board.tables.append(Table("campaigns", _("Per campaign (begun in the period)"), [_("Campaign"), *_headers()[1:]]))
    board.tables[-1].rows = [_row(r) for r in summary.campaigns]
    board.tables.append(Table("journeys", _("Per journey (in the period)"), [_("Journey"), *_headers()[1:]]))
    board.tables[-1].rows = [_row(r) for r in summary.journeys]
    board.extra["plan"] = plan
    if plan is not None:
        lines = finance_summary(plan=plan, since=None, until=None).lines
        near = [line for line in lines if line.state == NEAR]
        over = [line for line in lines if line.state == OVER]
        for label in (_("Budget lines at or above 90%"), _("Budget lines overspent")):
            board.guard_figure(label, BUDGET_LINES_PERMISSION)
        board.figures += [
            (_("Budget lines at or above 90%"), len(near), ""),
            (_("Budget lines overspent"), len(over), ""),
        ]
        board.tables.append(
            Table(
                "lines",
                _("The plan's money per budget line: budget, committed, spent"),
                [
                    _("Objective"),
                    _("Budget line"),
                    _("Budget"),
                    _("Committed"),
                    _("Spent"),
                    _("Remaining"),
                    _("Used (%)"),
                    _("State"),
                ],
                [
                    [
                        line.objective,
                        line.description,
                        line.amount,
                        line.committed,
                        line.spent,
                        line.remaining,
                        line.used_percent,
                        line.state_label,
                    ]
                    for line in lines
                ],
                permission=BUDGET_LINES_PERMISSION,
            )
        )
    else:
        board.notes.append(_("No marketing plan yet: its budget lines appear here once there is one."))
    board.charts["channels"] = chart(
        "bar",
        [r.name for r in summary.channels],
        [
            (_("Total cost"), [r.money.cost for r in summary.channels]),
            (_("Attributed revenue"), [r.money.revenue for r in summary.channels]),
        ],
    )
    return board
