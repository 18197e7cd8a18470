"""The website: traffic per day, where visitors come from, and conversion by source (the customers who came from a
source and bought within the attribution window), from the daily rollup (``cycle.models.WebsiteDaily``); and the
conversion of each capture form (views, submissions, confirmations: preparation's daily counters)."""

from collections import defaultdict
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from campaigns.models import DIRECT
from customers.selectors import form_conversion
from cycle.models import WebsiteDaily
from cycle.selectors.dashboards.base import Dashboard, Filters, Table, chart, percent

FIELDS = ("visitors", "page_views", "product_views", "searches", "carts", "checkouts", "customers", "buyers")


def website_dashboard(filters: Filters, *, live: bool = False) -> Dashboard:
    """Two queries over the rollup and one over the capture forms' daily counters, whatever the traffic. ``live``
    is accepted for the common signature: the figures are the rollup's either way (refreshed by the dashboards'
    job)."""
    board = Dashboard()
    rows = WebsiteDaily.objects.filter(day__gte=filters.start, day__lte=filters.end)
    sums = {f: Sum(f) for f in FIELDS}
    by_source: list[dict[str, Any]] = [
        dict(row) for row in rows.values("source").annotate(**sums).order_by("-visitors", "source")
    ]
    per_day: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
    for row in rows.values("day").annotate(**sums):
        figures: dict[str, Any] = dict(row)
        bucket = per_day[filters.bucket(figures["day"])]
        for f in FIELDS:
            bucket[f] += figures[f] or 0
    totals = {f: sum(r[f] or 0 for r in by_source) for f in FIELDS}
    board.figures = [
        (_("Visitors (per day, added up)"), totals["visitors"], ""),
        (_("Page views"), totals["page_views"], ""),
        (_("Product views"), totals["product_views"], ""),
        (_("Searches"), totals["searches"], ""),
        (_("Added to cart"), totals["carts"], ""),
        (_("Checkouts started"), totals["checkouts"], ""),
        (_("Known customers who bought (%)"), percent(totals["buyers"], totals["customers"]), ""),
    ]
    board.tables.append(
        Table(
            "website_sources",
            _("Traffic and conversion by source"),
            [
                _("Source"),
                _("Visitors"),
                _("Page views"),
                _("Product views"),
                _("Added to cart"),
                _("Checkouts started"),
                _("Known customers"),
                _("Customers who bought"),
                _("Conversion (%)"),
            ],
            [
                [
                    _("Direct") if r["source"] == DIRECT else r["source"],
                    r["visitors"],
                    r["page_views"],
                    r["product_views"],
                    r["carts"],
                    r["checkouts"],
                    r["customers"],
                    r["buyers"],
                    percent(r["buyers"], r["customers"]),
                ]
                for r in by_source
            ],
        )
    )
    forms = form_conversion(start=filters.start, end=filters.end)
    board.tables.append(
        Table(
            "capture_forms",
            _("Conversion per capture form"),
            [
                _("Form"),
                _("Views"),
                _("Submissions"),
                _("Confirmed"),
                _("Submitted per view (%)"),
                _("Confirmed per submission (%)"),
            ],
            [
                [
                    f["name"],
                    f["views"],
                    f["submissions"],
                    f["confirmations"],
                    percent(f["submissions"], f["views"]),
                    percent(f["confirmations"], f["submissions"]),
                ]
                for f in forms
            ],
        )
    )
    buckets = filters.buckets()
    board.charts["website_traffic"] = chart(
        "line",
        buckets,
        [
            (_("Visitors"), [per_day[b]["visitors"] if b in per_day else 0 for b in buckets]),
            (_("Product views"), [per_day[b]["product_views"] if b in per_day else 0 for b in buckets]),
            (_("Added to cart"), [per_day[b]["carts"] if b in per_day else 0 for b in buckets]),
        ],
        dates=True,
    )
    board.notes.append(
        _(
            "Conversion counts the known customers who visited from a source and placed an order within the "
            "attribution window after it. Anonymous visitors count once they identify themselves."
        )
    )
    return board
