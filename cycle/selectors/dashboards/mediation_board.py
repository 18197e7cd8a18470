"""Demand and capacity (mediation): demand against what the company can make, ship and serve, week by week.

Past weeks of the period show actual demand (units sold, orders per delivery region); the next weeks show the
forecast of the scheduled campaigns (``cycle.selectors.mediation``). The needs table says, for each need linked
to a product, whether stock and production cover the customers who want it.
"""

import datetime as dt
from collections import defaultdict
from fractions import Fraction
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.models import ServiceTeam, Ticket
from customers.selectors import needs_board
from cycle.selectors.dashboards.base import Dashboard, Filters, Table, chart
from cycle.selectors.mediation import (
    CapacityCheck,
    Forecast,
    RegionMap,
    campaign_forecasts,
    capacity_checks,
    journey_forecasts,
)
from orders.models import Order, OrderLine, ProductCapacity

FORECAST_WEEKS = 4
NEEDS_SHOWN = 20


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _round(value: Fraction | int | None) -> Any:
    return None if value is None else round(float(value), 1)


def _spread(forecast: Forecast, per_unit: Fraction) -> dict[dt.date, Fraction]:
    """``per_unit`` spread evenly over the forecast's days, summed per week (from Monday)."""
    weeks: dict[dt.date, Fraction] = defaultdict(Fraction)
    first = timezone.localdate(forecast.start)
    for n in range(forecast.days):
        weeks[_monday(first + dt.timedelta(days=n))] += per_unit / forecast.days
    return weeks


def _can_serve(wanting: int, capacity: ProductCapacity | None) -> str:
    if capacity is None:
        return str(_("Unknown: no capacity entered"))
    if wanting <= capacity.stock_on_hand:
        return str(_("Yes: in stock"))
    if capacity.production_per_week:
        weeks = -(-(wanting - capacity.stock_on_hand) // capacity.production_per_week)
        return str(_("Yes, within %(weeks)d weeks of production") % {"weeks": weeks})
    return str(_("No: not enough stock and nothing made"))


def _forecast_row(check: CapacityCheck) -> list[Any]:
    f = check.forecast
    history = f.history
    if history.rate is None:
        expected: Any = _("No history: no earlier campaign of this kind")
    else:
        expected = _round(f.expected)
    if not check.shortfalls:
        verdict: Any = _("Fits") if history.rate is not None else "—"
    else:
        verdict = _("Over capacity: %(what)s") % {"what": ", ".join(s.what for s in check.shortfalls)}
    return [
        f.name,
        _("Journey (next week)") if f.kind == "journey" else _("Campaign"),
        timezone.localdate(f.start),
        f.days,
        f.audience,
        None if history.rate is None else _round(history.rate * 100),
        None
        if history.low is None or history.high is None
        else f"{_round(history.low * 100)}–{_round(history.high * 100)}",
        None if history.stdev is None else round(history.stdev * 100, 1),
        history.campaigns,
        expected,
        verdict,
        check.slower_send_days,
        check.audience_that_fits,
    ]


def mediation_dashboard(filters: Filters, *, live: bool = False) -> Dashboard:
    """Demand against capacity per product and per delivery region, week by week; what each need would take."""
    board = Dashboard()
    today = timezone.localdate()
    lower, upper = filters.bounds
    regions = RegionMap()
    forecasts = campaign_forecasts(regions=regions)
    checks = capacity_checks(forecasts, regions=regions) + [CapacityCheck(f, []) for f in journey_forecasts()]
    capacities = {c.product_id: c for c in ProductCapacity.objects.select_related("product")}

    # Actual demand: units sold per product, orders per delivery region, per day of the period (a query each).
    sold: dict[tuple[int, dt.date], int] = defaultdict(int)
    names: dict[int, str] = {c.product_id: str(c.product) for c in capacities.values()}
    lines = (
        OrderLine.objects.sold()
        .filter(order__placed_at__gte=lower, order__placed_at__lt=upper)
        .annotate(day=TruncDate("order__placed_at"))
        .values_list("product_id", "product__name", "day")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    for product_id, name, day, units in lines:
        sold[(product_id, _monday(day))] += units or 0
        names.setdefault(product_id, name)
    shipped: dict[tuple[int | None, dt.date], int] = defaultdict(int)
    orders = (
        Order.objects.sales()
        .filter(placed_at__gte=lower, placed_at__lt=upper)
        .annotate(day=TruncDate("placed_at"))
        .values_list("customer__country", "customer__region", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for country, province, day, n in orders:
        shipped[(regions(country, province), _monday(day))] += n

    # Forecast demand of the scheduled campaigns, spread over their windows.
    future: dict[tuple[int, dt.date], Fraction] = defaultdict(Fraction)
    future_region: dict[tuple[int | None, dt.date], Fraction] = defaultdict(Fraction)
    for check in checks:
        f = check.forecast
        if f.kind != "campaign" or f.expected is None:
            continue
        for product_id in f.product_ids:
            for week, value in _spread(f, f.expected).items():
                future[(product_id, week)] += value
        rate = f.history.rate or Fraction(0)
        for key, audience in f.audience_by_region.items():
            for week, value in _spread(f, audience * rate).items():
                future_region[(key, week)] += value
        for product_id in f.product_ids:
            names.setdefault(product_id, str(product_id))

    past_weeks = list(dict.fromkeys(_monday(d) for d in filters.days() if d <= today))
    next_weeks = [_monday(today) + dt.timedelta(weeks=n) for n in range(1, FORECAST_WEEKS + 1)]

    product_rows: list[list[Any]] = []
    for product_id, name in sorted(names.items(), key=lambda kv: kv[1]):
        capacity = capacities.get(product_id)
        made = capacity.production_per_week if capacity else None
        product_rows.extend([name, w, _("Actual"), sold.get((product_id, w), 0), made, None] for w in past_weeks)
        left = Fraction(capacity.stock_on_hand) if capacity else None
        for week in next_weeks:
            demand = future.get((product_id, week), Fraction(0))
            if left is not None and made is not None:
                left += made - demand
            product_rows.append([name, week, _("Forecast"), _round(demand), made, _round(left)])
    board.tables.append(
        Table(
            "products",
            _("Demand and capacity per product, week by week"),
            [
                _("Product"),
                _("Week from"),
                _("Demand"),
                _("Units"),
                _("Production per week"),
                _("Left in stock at the week's end"),
            ],
            product_rows,
        )
    )

    region_rows: list[list[Any]] = []
    for key in [*regions.regions, None]:
        per_week = regions.regions[key].shipments_per_day * 7 if key is not None else None
        if key is None and not any(k == key for k, _w in (*shipped, *future_region)):
            continue
        region_rows.extend([regions.name(key), w, _("Actual"), shipped.get((key, w), 0), per_week] for w in past_weeks)
        for week in next_weeks:
            demand = _round(future_region.get((key, week), Fraction(0)))
            region_rows.append([regions.name(key), week, _("Forecast"), demand, per_week])
    board.tables.append(
        Table(
            "regions",
            _("Orders to ship and shipping capacity per delivery region, week by week"),
            [_("Delivery region"), _("Week from"), _("Demand"), _("Orders"), _("Shipments per week")],
            region_rows,
        )
    )

    board.tables.append(
        Table(
            "forecasts",
            _("Forecast for scheduled campaigns and live journeys"),
            [
                _("Campaign or journey"),
                _("Kind"),
                _("Starts"),
                _("Days"),
                _("Audience"),
                _("Conversion rate (%)"),
                _("Range (%)"),
                _("Standard deviation (points)"),
                _("Earlier campaigns behind it"),
                _("Expected orders"),
                _("Capacity"),
                _("Slower send: over days"),
                _("Smaller audience: at most"),
            ],
            [_forecast_row(c) for c in checks],
        )
    )

    needs = list(
        needs_board()
        .annotate(wanting=Count("mentions__customer", distinct=True))
        .order_by("-wanting", "-mention_count", "id")[:NEEDS_SHOWN]
    )
    board.tables.append(
        Table(
            "needs",
            _("Needs and whether the company can serve them"),
            [_("Need"), _("Product"), _("Customers who want it"), _("Stock on hand"), _("Can the company serve it?")],
            [
                [
                    n.title,
                    n.product.local_name if n.product else "—",
                    n.wanting,
                    capacities[n.product_id].stock_on_hand if n.product_id in capacities else None,
                    _can_serve(n.wanting, capacities.get(n.product_id)) if n.product_id else _("Unknown"),
                ]
                for n in needs
            ],
        )
    )

    days = max((filters.end - filters.start).days + 1, 1)
    tickets = Ticket.objects.filter(created_at__gte=lower, created_at__lt=upper).count()
    teams = list(ServiceTeam.objects.order_by("name").values_list("name", "tickets_per_day", "chats_at_once"))
    team_capacity = sum(t[1] for t in teams)
    board.tables.append(
        Table(
            "service",
            _("Service teams"),
            [_("Team"), _("Tickets per day"), _("Chats at once")],
            [list(t) for t in teams],
        )
    )
    per_day = round(tickets / days, 1)
    expected_total = sum((c.forecast.expected or 0 for c in checks if c.forecast.kind == "campaign"), Fraction(0))
    board.figures = [
        (_("Scheduled campaigns forecast"), sum(1 for c in checks if c.forecast.kind == "campaign"), ""),
        (_("Expected orders from them"), _round(expected_total), ""),
        (
            _("Over capacity"),
            sum(1 for c in checks if c.shortfalls),
            _("Campaigns whose expected orders exceed stock or shipping in their window."),
        ),
        (_("Tickets per day in the period"), per_day, ""),
        (_("Tickets the teams can answer per day"), team_capacity, ""),
    ]
    if team_capacity and per_day > team_capacity:
        board.notes.append(_("The contact line receives more tickets a day than the service teams can answer."))
    board.charts["forecast"] = chart(
        "bar",
        next_weeks,
        [(_("Expected orders"), [sum(v for (_p, w), v in future_region.items() if w == week) for week in next_weeks])],
        dates=True,
    )
    return board
