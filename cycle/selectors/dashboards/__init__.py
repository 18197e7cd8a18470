"""What the managers' dashboards show: the cycle, the AIDA funnel, the plan, transfer, after-sales, BONI,
the website, content, demand against capacity (mediation) and money.

One module per board; ``base`` holds what they share (filters, figures, tables, charts) and ``sources`` where
their figures come from (the rollups, or ``live=True`` the tables themselves). Each dashboard costs a fixed
number of queries whatever the size of the data.
"""

from collections.abc import Callable

from cycle.selectors.dashboards.aftersales_board import aftersales_dashboard
from cycle.selectors.dashboards.base import (
    Dashboard,
    Filters,
    Table,
    filter_choices,
    percent,
    plan_choices,
    rollups_freshness,
)
from cycle.selectors.dashboards.boni_board import boni_dashboard
from cycle.selectors.dashboards.content_board import content_dashboard
from cycle.selectors.dashboards.cycle_board import cycle_dashboard
from cycle.selectors.dashboards.funnel_board import funnel_dashboard
from cycle.selectors.dashboards.mediation_board import mediation_dashboard
from cycle.selectors.dashboards.money_board import money_dashboard
from cycle.selectors.dashboards.plan_board import current_plan, plan_dashboard
from cycle.selectors.dashboards.transfer_board import transfer_dashboard
from cycle.selectors.dashboards.website_board import website_dashboard

DASHBOARDS: dict[str, Callable[..., Dashboard]] = {
    "cycle": cycle_dashboard,
    "funnel": funnel_dashboard,
    "plan": plan_dashboard,
    "transfer": transfer_dashboard,
    "aftersales": aftersales_dashboard,
    "boni": boni_dashboard,
    "website": website_dashboard,
    "content": content_dashboard,
    "mediation": mediation_dashboard,
    "money": money_dashboard,
}

__all__ = [
    "DASHBOARDS",
    "Dashboard",
    "Filters",
    "Table",
    "aftersales_dashboard",
    "boni_dashboard",
    "content_dashboard",
    "current_plan",
    "cycle_dashboard",
    "filter_choices",
    "funnel_dashboard",
    "mediation_dashboard",
    "money_dashboard",
    "percent",
    "plan_choices",
    "plan_dashboard",
    "rollups_freshness",
    "transfer_dashboard",
    "website_dashboard",
]
