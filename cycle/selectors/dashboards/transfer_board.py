"""Transfer: payment, delivery, orders by channel and agent."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from cycle.selectors.dashboards.base import Dashboard, Filters, Table, chart, choice_label, percent
from cycle.selectors.dashboards.sources import figure_source, service_totals
from orders.models import SalesChannel


def transfer_dashboard(filters: Filters, *, live: bool = False) -> Dashboard:
    source = figure_source(live=live)
    board = Dashboard()
    service = source.service_per_day(filters)
    totals = service_totals(service)
    by_channel: dict[str, list[Any]] = defaultdict(lambda: [0, 0, Decimal("0")])
    by_agent: dict[int, list[Any]] = {}
    for channel, agent_id, agent_name, n, sold, revenue in source.order_figures(filters):
        bucket = by_channel[channel]
        bucket[0] += n
        bucket[1] += sold or 0
        bucket[2] += revenue or 0
        if agent_id is not None:
            row = by_agent.setdefault(agent_id, [agent_name, 0, 0, Decimal("0")])
            row[1] += n
            row[2] += sold or 0
            row[3] += revenue or 0
    by_day = {
        day: (n, revenue or Decimal("0")) for day, n, _sold, revenue in source.order_figures(filters, per_day=True)
    }
    all_orders = sum(v[0] for v in by_channel.values())
    board.figures = [
        (_("Orders"), all_orders, ""),
        (_("Revenue"), sum((v[2] for v in by_channel.values()), Decimal("0")), ""),
        (_("Payment success (%)"), percent(totals["payments_succeeded"], totals["payments"]), ""),
        (_("On-time delivery (%)"), percent(totals["delivered_on_time"], totals["delivered"]), ""),
    ]
    channels = Table(
        "channels",
        _("Orders by sales channel"),
        [_("Channel"), _("Orders"), _("Sold"), _("Revenue"), _("Share of orders (%)")],
        [
            [choice_label(SalesChannel, c), v[0], v[1], v[2], percent(v[0], all_orders)]
            for c, v in sorted(by_channel.items(), key=lambda kv: -kv[1][0])
        ],
    )
    board.tables.append(channels)
    board.tables.append(
        Table(
            "agents",
            _("Orders by agent"),
            [_("Agent"), _("Orders"), _("Sold"), _("Revenue")],
            [v for _a, v in sorted(by_agent.items(), key=lambda kv: -kv[1][1])],
        )
    )
    days = filters.buckets()
    service = filters.per_bucket(service)
    orders_per = filters.per_bucket({day: {"orders": n, "revenue": r} for day, (n, r) in by_day.items()})
    daily = []
    for day in days:
        s, o = service.get(day, {}), orders_per.get(day, {})
        daily.append(
            [
                day,
                o.get("orders", 0),
                o.get("revenue", Decimal("0")),
                percent(s.get("payments_succeeded", 0), s.get("payments", 0)),
                percent(s.get("delivered_on_time", 0), s.get("delivered", 0)),
            ]
        )
    board.tables.append(
        Table(
            "daily",
            _("Transfer per week") if filters.weekly else _("Transfer per day"),
            [
                _("Week from") if filters.weekly else _("Day"),
                _("Orders"),
                _("Revenue"),
                _("Payment success (%)"),
                _("On-time delivery (%)"),
            ],
            daily,
        )
    )
    board.charts["orders"] = chart("bar", days, [(_("Orders"), [r[1] for r in daily])], dates=True)
    board.charts["rates"] = chart(
        "line",
        days,
        [(_("Payment success (%)"), [r[3] for r in daily]), (_("On-time delivery (%)"), [r[4] for r in daily])],
        dates=True,
        percent_axis=True,
    )
    board.charts["channels"] = chart(
        "doughnut", [r[0] for r in channels.rows], [(_("Orders"), [r[1] for r in channels.rows])]
    )
    return board
