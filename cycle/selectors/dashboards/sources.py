"""Where a dashboard's figures come from: the rollups a job keeps per day, or the tables themselves.

The boards ask a :class:`FigureSource` for grouped figures and never ask which one they have.
:class:`RollupSource` reads the per-day rollups that ``cycle.services.rollups`` refreshes (what managers see);
:class:`LiveSource` computes the same figures from the tables (the benchmark's baseline, and the check that both
agree). Each method is one query, or a fixed few, whatever the size of the data.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate

from aftersales.models import SurveyResponse, Ticket
from aftersales.selectors import tickets_with_targets
from campaigns.models import AidaStep, Touch, proxy_open
from customers.models import Customer, CustomerHistory, LifecycleStage, ValueTier
from cycle.models import Kpi, OrderDaily, ProfileChangeDaily, ServiceDaily, TouchDaily
from cycle.selectors.dashboards.base import TWO, Counts, Filters, average, nps_score, percent, rollup_state
from cycle.selectors.kpis import kpi_values
from cycle.selectors.service_figures import (
    delivery_figures,
    payment_figures,
    survey_figures,
    ticket_figures,
    with_delivery_day,
)
from orders.models import Order, Payment, Shipment, sale_q

SERVICE_FIELDS = (
    "payments",
    "payments_succeeded",
    "payments_failed",
    "delivered",
    "delivered_on_time",
    "tickets_opened",
    "tickets_answered_in_time",
    "surveys",
    "csat_total",
    "nps_answers",
    "promoters",
    "detractors",
)
# KPIs whose actuals the rollups hold; the others come from the KPI catalogue's own query either way.
ROLLUP_KPIS = {Kpi.REVENUE, Kpi.ON_TIME_DELIVERY, Kpi.CSAT, Kpi.NPS, Kpi.AIDA_CONVERSION}

ProfileChange = tuple[str, str, str, int]  # attribute, old value, new value, customers
# campaign id, campaign name, step, people's touches, customers, and (attention only) customers whose message only
# a mail proxy opened (``campaigns.models.proxy_open``); bots are in none of them
TouchFigure = tuple[int, str, str, int, int, int]
KpiValues = dict[str, Decimal | None]


class FigureSource(Protocol):
    def customers_now(self, filters: Filters) -> Counts: ...
    def profile_changes(self, filters: Filters) -> list[ProfileChange]: ...
    def touch_figures(self, filters: Filters) -> list[TouchFigure]: ...
    def order_figures(self, filters: Filters, *, per_day: bool = False) -> list[tuple[Any, ...]]: ...
    def service_per_day(self, filters: Filters) -> dict[dt.date, Counts]: ...
    def steps_reached(self, filters: Filters) -> dict[str, int]: ...
    def orders_by_channel(self, filters: Filters) -> dict[str, int]: ...
    def kpi_values(self, kpis: Iterable[str], *, start: dt.date, end: dt.date) -> KpiValues: ...


def _customer_counts(customers: QuerySet[Customer]) -> Counts:
    figures = customers.order_by().aggregate(
        at_risk=Count("id", filter=Q(at_risk=True)),
        **{f"stage_{s}": Count("id", filter=Q(lifecycle_stage=s)) for s in LifecycleStage.values},
        **{f"tier_{t}": Count("id", filter=Q(value_tier=t)) for t in ValueTier.values},
    )
    return {
        "by_stage": {s: figures[f"stage_{s}"] for s in LifecycleStage.values},
        "by_tier": {t: figures[f"tier_{t}"] for t in ValueTier.values},
        "at_risk": figures["at_risk"],
    }


def _money(rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    # Money in cents: SQLite's SUM of decimals comes back with a dozen decimal places.
    return [(*row[:-1], Decimal(row[-1] or 0).quantize(TWO)) for row in rows]


def _order_keys(per_day: bool) -> tuple[str, ...]:
    return ("day",) if per_day else ("channel", "agent_id", "agent__name")


def service_totals(per_day: dict[dt.date, Counts]) -> Counts:
    totals = dict.fromkeys(SERVICE_FIELDS, 0)
    for counts in per_day.values():
        for k in SERVICE_FIELDS:
            totals[k] += counts.get(k, 0) or 0
    return totals


class LiveSource:
    """Every figure computed from the tables themselves."""

    def customers_now(self, filters: Filters) -> Counts:
        customers = Customer.objects.all()
        if filters.segment_id is not None:
            customers = customers.filter(memberships__segment_id=filters.segment_id)
        return _customer_counts(customers)

    def profile_changes(self, filters: Filters) -> list[ProfileChange]:
        lower, upper = filters.bounds
        rows = (
            CustomerHistory.objects.filter(changed_at__gte=lower, changed_at__lt=upper)
            .order_by()
            .values_list("attribute", "old_value", "new_value")
            .annotate(n=Count("id"))
        )
        return list(rows)

    def touch_figures(self, filters: Filters) -> list[TouchFigure]:
        lower, upper = filters.bounds
        touches = Touch.objects.filter(is_automated=False, occurred_at__gte=lower, occurred_at__lt=upper)
        if filters.campaign_id:
            touches = touches.filter(campaign_id=filters.campaign_id)
        rows = (
            touches.filter(campaign__isnull=False)
            .order_by()
            .values_list("campaign_id", "campaign__name", "step")
            .annotate(touches=Count("id"), customers=Count("customer_id", distinct=True))
        )
        figures = {(c, name, step): [n, customers, 0] for c, name, step, n, customers in rows}
        proxied = (
            Touch.objects.filter(proxy_open(), occurred_at__gte=lower, occurred_at__lt=upper)
            .filter(**({"campaign_id": filters.campaign_id} if filters.campaign_id else {}))
            .order_by()
            .values_list("campaign_id", "campaign__name")
            .annotate(n=Count("customer_id", distinct=True))
        )
        for c, name, n in proxied:
            figures.setdefault((c, name, AidaStep.ATTENTION.value), [0, 0, 0])[2] = n
        return [(c, name, step, n, customers, p) for (c, name, step), (n, customers, p) in figures.items()]

    def order_figures(self, filters: Filters, *, per_day: bool = False) -> list[tuple[Any, ...]]:
        lower, upper = filters.bounds
        rows = (
            Order.objects.filter(placed_at__gte=lower, placed_at__lt=upper)
            .order_by()
            .annotate(day=TruncDate("placed_at"))
            .values_list(*_order_keys(per_day))
            .annotate(n=Count("id"), sold=Count("id", filter=sale_q()), revenue=Sum("total", filter=sale_q()))
        )
        return _money(rows)

    def service_per_day(self, filters: Filters) -> dict[dt.date, Counts]:
        lower, upper = filters.bounds
        per_day: dict[dt.date, Counts] = defaultdict(lambda: dict.fromkeys(SERVICE_FIELDS, 0))

        def add(queryset: QuerySet[Any], field: str, **aggregates: Any) -> None:
            rows = queryset.order_by().annotate(_day=TruncDate(field)).values("_day").annotate(**aggregates)
            for row in rows:
                day = row.pop("_day")
                per_day[day].update({k: v or 0 for k, v in row.items()})

        add(Payment.objects.filter(created_at__gte=lower, created_at__lt=upper), "created_at", **payment_figures())
        add(
            with_delivery_day(Shipment.objects.filter(delivered_at__gte=lower, delivered_at__lt=upper)),
            "delivered_at",
            **delivery_figures(),
        )
        add(
            tickets_with_targets(Ticket.objects.filter(created_at__gte=lower, created_at__lt=upper)),
            "created_at",
            **ticket_figures(),
        )
        add(
            SurveyResponse.objects.filter(created_at__gte=lower, created_at__lt=upper),
            "created_at",
            **survey_figures(),
        )
        return per_day

    def steps_reached(self, filters: Filters) -> dict[str, int]:
        steps: dict[str, int] = defaultdict(int)
        for _c, _n, step, _t, customers, _p in self.touch_figures(Filters(filters.start, filters.end)):
            steps[step] += customers or 0
        return steps

    def orders_by_channel(self, filters: Filters) -> dict[str, int]:
        channels: dict[str, int] = defaultdict(int)
        for channel, _a, _an, n, _s, _r in self.order_figures(filters):
            channels[channel] += n
        return channels

    def kpi_values(self, kpis: Iterable[str], *, start: dt.date, end: dt.date) -> KpiValues:
        return kpi_values(set(kpis), start=start, end=end)


class RollupSource(LiveSource):
    """Figures over the big tables from the per-day rollups; the few that are cheap live stay live."""

    def customers_now(self, filters: Filters) -> Counts:
        if filters.segment_id is not None:  # segments are not rolled up: their members are counted live
            return super().customers_now(filters)
        state = rollup_state("customers")
        return {
            "by_stage": state.get("by_stage", {}),
            "by_tier": state.get("by_tier", {}),
            "at_risk": state.get("at_risk", 0),
        }

    def profile_changes(self, filters: Filters) -> list[ProfileChange]:
        rows = (
            ProfileChangeDaily.objects.filter(day__gte=filters.start, day__lte=filters.end)
            .order_by()
            .values_list("attribute", "old_value", "new_value")
            .annotate(n=Sum("changes"))
        )
        return list(rows)

    def touch_figures(self, filters: Filters) -> list[TouchFigure]:
        daily = TouchDaily.objects.filter(day__gte=filters.start, day__lte=filters.end, campaign__isnull=False)
        if filters.campaign_id:
            daily = daily.filter(campaign_id=filters.campaign_id)
        rows = (
            daily.order_by()
            .values_list("campaign_id", "campaign__name", "step")
            .annotate(touches=Sum("touches"), customers=Sum("reached"), proxied=Sum("proxied"))
        )
        return list(rows)

    def order_figures(self, filters: Filters, *, per_day: bool = False) -> list[tuple[Any, ...]]:
        rows = (
            OrderDaily.objects.filter(day__gte=filters.start, day__lte=filters.end)
            .order_by()
            .values_list(*_order_keys(per_day))
            .annotate(n=Sum("orders"), sold=Sum("sold"), revenue=Sum("revenue"))
        )
        return _money(rows)

    def service_per_day(self, filters: Filters) -> dict[dt.date, Counts]:
        rows = ServiceDaily.objects.filter(day__gte=filters.start, day__lte=filters.end).values("day", *SERVICE_FIELDS)
        return {row.pop("day"): row for row in rows}

    def steps_reached(self, filters: Filters) -> dict[str, int]:
        steps: dict[str, int] = defaultdict(int)
        steps.update(
            TouchDaily.objects.filter(day__gte=filters.start, day__lte=filters.end, campaign__isnull=False)
            .order_by()
            .values_list("step")
            .annotate(n=Sum("reached"))
        )
        return steps

    def orders_by_channel(self, filters: Filters) -> dict[str, int]:
        return dict(
            OrderDaily.objects.filter(day__gte=filters.start, day__lte=filters.end)
            .order_by()
            .values_list("channel")
            .annotate(n=Sum("orders"))
        )

    def kpi_values(self, kpis: Iterable[str], *, start: dt.date, end: dt.date) -> KpiValues:
        """KPI actuals: from the rollups where they hold the figure, else from the KPI catalogue's own query."""
        kpis = set(kpis)
        from_rollups = kpis & ROLLUP_KPIS
        values = _kpis_from_rollups(from_rollups, start, end) if from_rollups else {}
        values.update(super().kpi_values(kpis - from_rollups, start=start, end=end))
        return values


def _kpis_from_rollups(kpis: set[str], start: dt.date, end: dt.date) -> KpiValues:
    values: KpiValues = {}
    if kpis & {Kpi.ON_TIME_DELIVERY, Kpi.CSAT, Kpi.NPS}:
        fields = ("delivered", "delivered_on_time", "surveys", "csat_total", "nps_answers", "promoters", "detractors")
        s = ServiceDaily.objects.filter(day__gte=start, day__lte=end).aggregate(
            **{k: Coalesce(Sum(k), 0) for k in fields}
        )
        values[Kpi.ON_TIME_DELIVERY] = percent(s["delivered_on_time"], s["delivered"])
        values[Kpi.CSAT] = average(s["csat_total"], s["surveys"])
        values[Kpi.NPS] = nps_score(s["promoters"], s["detractors"], s["nps_answers"])
    if Kpi.REVENUE in kpis:
        revenue = OrderDaily.objects.filter(day__gte=start, day__lte=end).aggregate(v=Sum("revenue"))["v"]
        values[Kpi.REVENUE] = Decimal(revenue or 0).quantize(TWO)
    if Kpi.AIDA_CONVERSION in kpis:
        reached = dict(
            TouchDaily.objects.filter(day__gte=start, day__lte=end, step__in=[AidaStep.ATTENTION, AidaStep.ACTION])
            .order_by()
            .values_list("step")
            .annotate(n=Sum("reached"))
        )
        values[Kpi.AIDA_CONVERSION] = percent(reached.get(AidaStep.ACTION, 0), reached.get(AidaStep.ATTENTION, 0))
    return {k: values[k] for k in kpis}


ROLLUPS: FigureSource = RollupSource()
LIVE: FigureSource = LiveSource()


def figure_source(*, live: bool = False) -> FigureSource:
    """The rollups (what managers see), or the tables themselves."""
    return LIVE if live else ROLLUPS
