"""Communication: the AIDA funnel per campaign and per segment."""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from campaigns.models import AIDA_ORDER, AidaStep
from campaigns.selectors import aida_funnel, aida_funnel_by_segment
from customers.models import Segment
from cycle.selectors.dashboards.base import Dashboard, Filters, Table, chart, percent
from cycle.selectors.dashboards.sources import figure_source

FunnelRow = tuple[AidaStep, int, Decimal | None]  # step, customers, conversion from the step before


def _funnel_rows(counts: dict[str, int]) -> list[FunnelRow]:
    row: list[FunnelRow] = []
    previous = None
    for step in AIDA_ORDER:
        n = counts.get(step.value, 0)
        conversion = None if not previous else percent(n, previous)
        row.append((step, n, conversion))
        previous = n
    return row


PROXY_OPENS = _("Opened by a mail proxy")
PROXY_HINT = _("Delivered and fetched by the mailbox provider; no person is known to have looked. Not in attention.")


def _funnel_headers() -> list[Any]:
    headers: list[Any] = []
    for i, step in enumerate(AIDA_ORDER):
        headers.append(step.label)
        if i:
            headers.append(_("%(step)s: conversion (%%)") % {"step": step.label})
        else:
            headers.append(PROXY_OPENS)
    return headers


def _funnel_cells(rows: Iterable[tuple[Any, int, Decimal | float | None]], proxy_opens: int) -> list[Any]:
    """Customers at each step (after attention, those whose message only a mail proxy opened), and from the
    second step on the conversion from the step before."""
    cells: list[Any] = []
    for i, (_step, n, conversion) in enumerate(rows):
        cells.append(n)
        cells.append(conversion if i else proxy_opens)
    return cells


def funnel_dashboard(filters: Filters, *, live: bool = False) -> Dashboard:
    """The AIDA funnel of each campaign in the period, with conversion from step to step; beside attention, the
    customers whose message only a mail proxy opened. People's touches only: bots are never counted."""
    board = Dashboard()
    rows = figure_source(live=live).touch_figures(filters)
    per_campaign: dict[int, dict[str, int]] = {}
    proxied: dict[int, int] = defaultdict(int)
    names: dict[int, str] = {}
    total: dict[str, int] = defaultdict(int)
    touches: dict[str, int] = defaultdict(int)
    for campaign_id, name, step, n_touches, customers, n_proxied in rows:
        names[campaign_id] = name
        per_campaign.setdefault(campaign_id, {})[step] = customers or 0
        proxied[campaign_id] += n_proxied or 0
        total[step] += customers or 0
        touches[step] += n_touches or 0
    overall = _funnel_rows(total)
    board.figures = [
        (step.label, n, _("%(p)s%% of the step before") % {"p": c} if c is not None else "") for step, n, c in overall
    ]
    board.figures.insert(1, (PROXY_OPENS, sum(proxied.values()), PROXY_HINT))
    table = Table("campaigns", _("AIDA funnel per campaign"), [_("Campaign"), *_funnel_headers()])
    for campaign_id in sorted(per_campaign, key=lambda c: (-(per_campaign[c].get(AidaStep.ATTENTION, 0)), c)):
        cells = _funnel_cells(_funnel_rows(per_campaign[campaign_id]), proxied[campaign_id])
        table.rows.append([names[campaign_id], *cells])
    board.tables.append(table)
    board.tables.append(
        Table(
            "steps",
            _("The funnel, all campaigns shown"),
            [_("Step"), _("Customers"), _("Conversion from the step before (%)"), _("Touches")],
            [[s.label, n, c, touches.get(s.value, 0)] for s, n, c in overall],
        )
    )
    board.charts["funnel"] = chart(
        "bar", [s.label for s, _n, _c in overall], [(_("Customers"), [n for _s, n, _c in overall])]
    )
    board.charts["conversion"] = chart(
        "line",
        [s.label for s, _n, _c in overall[1:]],
        [(_("Conversion from the step before (%)"), [c for _s, _n, c in overall[1:]])],
        percent_axis=True,
    )
    if filters.segment_id:
        lower, upper = filters.bounds
        funnel = aida_funnel(campaign_id=filters.campaign_id, segment_id=filters.segment_id, since=lower, until=upper)
        board.tables.append(
            Table(
                "segment",
                _("The funnel of the chosen segment's members"),
                [_("Step"), _("Customers"), _("Conversion from the step before (%)")],
                [
                    *([s.label, s.customers, s.conversion] for s in funnel.steps),
                    [PROXY_OPENS, funnel.proxy_opens, None],
                ],
            )
        )
    if filters.campaign_id:
        by_segment = aida_funnel_by_segment(campaign_id=filters.campaign_id)
        segment_names = dict(Segment.objects.filter(pk__in=list(by_segment)).values_list("pk", "name"))
        segments = Table(
            "segments", _("The chosen campaign's funnel per target segment"), [_("Segment"), *_funnel_headers()]
        )
        for segment_id, funnel in sorted(by_segment.items(), key=lambda kv: segment_names.get(kv[0], "")):
            steps = [(s.step, s.customers, s.conversion) for s in funnel.steps]
            segments.rows.append([segment_names.get(segment_id, segment_id), *_funnel_cells(steps, funnel.proxy_opens)])
        board.tables.append(segments)
    board.notes.append(
        _(
            "Customers are counted per campaign on the day they first reached each step, from people's opens and "
            "clicks only. Opens by a mail proxy (Apple Mail Privacy Protection, the providers' image proxies) are "
            "shown apart; bots, link previews and scanners are never counted."
        )
    )
    return board
