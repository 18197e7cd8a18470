"""What the managers' dashboards show: the cycle, the AIDA funnel, the plan, transfer, after-sales and BONI.

Every dashboard is a :class:`Dashboard` of figures, :class:`Table` rows (each downloadable as CSV) and charts
(data for Chart.js). Figures over the big tables come from the rollups that ``cycle.services.rollups`` keeps
per day; ``live=True`` computes the same figures from the tables themselves (the benchmark's baseline, and a
check that both agree). Each dashboard costs a fixed number of queries whatever the size of the data.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.models import SurveyResponse, Ticket, TicketStatus
from aftersales.selectors import tickets_with_targets
from campaigns.models import AIDA_ORDER, AidaStep, Campaign, Touch
from campaigns.selectors import aida_funnel, aida_funnel_by_segment
from customers.models import Customer, CustomerHistory, LifecycleStage, ProfileAttribute, Segment, ValueTier
from customers.selectors import needs_board
from cycle.models import (
    Kpi,
    LoopRun,
    MarketingPlan,
    OrderDaily,
    PlanStatus,
    ProfileChangeDaily,
    RollupState,
    ServiceDaily,
    TouchDaily,
)
from cycle.selectors.kpis import kpi_values
from cycle.selectors.plans import (
    kpi_status,
    objectives_with_money,
    plan_milestones,
    plan_money,
    plan_people,
    plan_period,
)
from orders.models import Order, OrderStatus, Payment, PaymentStatus, SalesChannel, Shipment

SOLD = ~Q(status__in=[OrderStatus.CANCELLED, OrderStatus.RETURNED])
PAYMENT_SUCCEEDED = [PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED, PaymentStatus.REFUNDED]
OPEN_TICKETS = [TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING]
TWO = Decimal("0.01")
WEEKLY_AFTER_DAYS = 92
TABLE_ROWS_SHOWN = 50


@dataclass
class Filters:
    start: dt.date
    end: dt.date
    campaign_id: int | None = None
    segment_id: int | None = None
    plan_id: int | None = None

    @classmethod
    def default(cls, today: dt.date | None = None):
        today = today or timezone.localdate()
        return cls(start=today - dt.timedelta(days=29), end=today)

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        return (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
        )

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @property
    def weekly(self) -> bool:
        """Periods longer than a quarter are shown week by week."""
        return (self.end - self.start).days >= WEEKLY_AFTER_DAYS

    def bucket(self, day: dt.date) -> dt.date:
        """The first day of the row a day is shown in: the day itself, or its week (from Monday)."""
        return max(self.start, day - dt.timedelta(days=day.weekday())) if self.weekly else day

    def buckets(self) -> list[dt.date]:
        return list(dict.fromkeys(self.bucket(day) for day in self.days()))

    def per_bucket(self, per_day: dict) -> dict[dt.date, dict]:
        """Sum per-day counts (dicts of numbers) into the period's rows."""
        summed: dict[dt.date, dict] = {}
        for day, counts in per_day.items():
            row = summed.setdefault(self.bucket(day), {})
            for key, value in counts.items():
                row[key] = row.get(key, 0) + (value or 0)
        return summed


@dataclass
class Table:
    key: str
    title: str
    headers: list
    rows: list = field(default_factory=list)

    @property
    def shown_rows(self):
        """The rows the page shows; the CSV download has them all."""
        return self.rows[:TABLE_ROWS_SHOWN]

    @property
    def hidden(self):
        return max(len(self.rows) - TABLE_ROWS_SHOWN, 0)


@dataclass
class Dashboard:
    figures: list = field(default_factory=list)  # (label, value, hint)
    tables: list = field(default_factory=list)
    charts: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def table(self, key):
        return next((t for t in self.tables if t.key == key), None)


def percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part or 0) * 100 / Decimal(whole)).quantize(TWO, ROUND_HALF_UP)


def _number(value):
    return None if value is None else float(value)


def _chart(kind, labels, datasets, *, dates=False, stacked=False, percent_axis=False):
    return {
        "type": kind,
        "labels": [d.isoformat() if isinstance(d, dt.date) else str(d) for d in labels],
        "dates": dates,
        "stacked": stacked,
        "percent": percent_axis,
        "datasets": [{"label": str(label), "data": [_number(v) for v in data]} for label, data in datasets],
    }


def rollups_freshness() -> tuple[dt.datetime | None, dt.datetime | None]:
    """When the rollups were last refreshed (the oldest of their refresh times, what the figures are as of) and
    the newest refresh time, which changes with every refresh: one query."""
    times = list(RollupState.objects.values_list("refreshed_at", flat=True))
    if not times or None in times:
        return None, None
    return min(times), max(times)


def rollup_state(name: str) -> dict:
    return RollupState.objects.filter(name=name).values_list("figures", flat=True).first() or {}


# ---------------------------------------------------------------------------------------------------------------
# The cycle: the four stages now, the flow between them and what the loop brought back


def _customers_now(filters: Filters, live: bool) -> dict:
    if filters.segment_id is not None:
        members = Customer.objects.filter(memberships__segment_id=filters.segment_id).order_by()
        figures = members.aggregate(
            at_risk=Count("id", filter=Q(at_risk=True)),
            **{f"stage_{s}": Count("id", filter=Q(lifecycle_stage=s)) for s in LifecycleStage.values},
            **{f"tier_{t}": Count("id", filter=Q(value_tier=t)) for t in ValueTier.values},
        )
        return {
            "by_stage": {s: figures[f"stage_{s}"] for s in LifecycleStage.values},
            "by_tier": {t: figures[f"tier_{t}"] for t in ValueTier.values},
            "at_risk": figures["at_risk"],
        }
    if live:
        figures = Customer.objects.order_by().aggregate(
            at_risk=Count("id", filter=Q(at_risk=True)),
            **{f"stage_{s}": Count("id", filter=Q(lifecycle_stage=s)) for s in LifecycleStage.values},
            **{f"tier_{t}": Count("id", filter=Q(value_tier=t)) for t in ValueTier.values},
        )
        return {
            "by_stage": {s: figures[f"stage_{s}"] for s in LifecycleStage.values},
            "by_tier": {t: figures[f"tier_{t}"] for t in ValueTier.values},
            "at_risk": figures["at_risk"],
        }
    state = rollup_state("customers")
    return {
        "by_stage": state.get("by_stage", {}),
        "by_tier": state.get("by_tier", {}),
        "at_risk": state.get("at_risk", 0),
    }


def _profile_changes(filters: Filters, live: bool) -> list[tuple]:
    if live:
        lower, upper = filters.bounds
        rows = (
            CustomerHistory.objects.filter(changed_at__gte=lower, changed_at__lt=upper)
            .order_by()
            .values_list("attribute", "old_value", "new_value")
            .annotate(n=Count("id"))
        )
    else:
        rows = (
            ProfileChangeDaily.objects.filter(day__gte=filters.start, day__lte=filters.end)
            .order_by()
            .values_list("attribute", "old_value", "new_value")
            .annotate(n=Sum("changes"))
        )
    return list(rows)


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value


def cycle_dashboard(filters: Filters, *, live: bool = False) -> Dashboard:
    """Customers in each lifecycle stage now, the moves between stages in the period, what the loop brought back."""
    board = Dashboard()
    now = _customers_now(filters, live)
    changes = _profile_changes(filters, live)
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
        .filter(
            Q(first_heard_at__gte=lower, first_heard_at__lt=upper)
            | Q(last_heard_at__gte=lower, last_heard_at__lt=upper)
        )
        .order_by("-mention_count", "id")[:10]
    )

    stages = [(s, now["by_stage"].get(s.value, 0)) for s in LifecycleStage]
    retiered = sum(n for attr, _old, _new, n in changes if attr == ProfileAttribute.VALUE_TIER)
    stage_moves = [(o, n_, n) for attr, o, n_, n in changes if attr == ProfileAttribute.LIFECYCLE_STAGE]
    board.figures = [
        (_("Customers"), sum(v for _s, v in stages), ""),
        (_("At risk now"), now["at_risk"], _("Detractors and unhappy customers to win back.")),
        (_("Moves between stages in the period"), sum(n for *_x, n in stage_moves), ""),
        (_("Customers re-tiered in the period"), retiered, ""),
        (_("Needs found by the loop"), loop["needs_created"], ""),
        (_("Needs heard again"), loop["needs_strengthened"], ""),
        (_("Customers updated by the loop"), loop["customers_updated"], ""),
    ]
    board.tables.append(
        Table(
            "stages",
            _("Customers in each lifecycle stage now"),
            [_("Stage"), _("Customers")],
            [[s.label, n] for s, n in stages],
        )
    )
    board.tables.append(
        Table(
            "tiers",
            _("Customers in each value tier now"),
            [_("Tier"), _("Customers")],
            [[t.label, now["by_tier"].get(t.value, 0)] for t in ValueTier],
        )
    )
    board.tables.append(
        Table(
            "flow",
            _("Flow between lifecycle stages in the period"),
            [_("From"), _("To"), _("Customers moved")],
            [[_label(LifecycleStage, o), _label(LifecycleStage, n_), n] for o, n_, n in sorted(stage_moves)],
        )
    )
    tier_moves = [(o, n_, n) for attr, o, n_, n in changes if attr == ProfileAttribute.VALUE_TIER]
    board.tables.append(
        Table(
            "retiered",
            _("Customers re-tiered in the period"),
            [_("From"), _("To"), _("Customers")],
            [[_label(ValueTier, o), _label(ValueTier, n_), n] for o, n_, n in sorted(tier_moves)],
        )
    )
    board.tables.append(
        Table(
            "loop",
            _("What the loop brought back in the period"),
            [_("Runs"), _("Feedback items read"), _("Needs found"), _("Needs heard again"), _("Customers updated")],
            [
                [
                    loop["runs"],
                    loop["read"],
                    loop["needs_created"],
                    loop["needs_strengthened"],
                    loop["customers_updated"],
                ]
            ],
        )
    )
    board.tables.append(
        Table(
            "needs",
            _("Needs heard in the period"),
            [_("Need"), _("Kind"), _("Category"), _("Times heard"), _("Status")],
            [
                [n.title, n.get_kind_display(), n.get_category_display(), n.mention_count, n.get_status_display()]
                for n in needs
            ],
        )
    )
    board.charts["stages"] = _chart("bar", [s.label for s, _n in stages], [(_("Customers"), [n for _s, n in stages])])
    moves_in = defaultdict(int)
    for _o, new, n in stage_moves:
        moves_in[new] += n
    board.charts["flow"] = _chart(
        "bar",
        [s.label for s in LifecycleStage],
        [(_("Customers who moved into the stage"), [moves_in.get(s.value, 0) for s in LifecycleStage])],
    )
    return board


# ---------------------------------------------------------------------------------------------------------------
# Communication: the AIDA funnel per campaign and per segment


def _funnel_rows(counts: dict) -> list:
    row, previous = [], None
    for step in AIDA_ORDER:
        n = counts.get(step.value, 0)
        conversion = None if not previous else percent(n, previous)
        row.append((step, n, conversion))
        previous = n
    return row


def _funnel_headers() -> list:
    headers = []
    for i, step in enumerate(AIDA_ORDER):
        headers.append(step.label)
        if i:
            headers.append(_("%(step)s: conversion (%%)") % {"step": step.label})
    return headers


def _funnel_cells(rows) -> list:
    """Customers at each step, and from the second step on the conversion from the step before."""
    cells = []
    for i, (_step, n, conversion) in enumerate(rows):
        cells.append(n)
        if i:
            cells.append(conversion)
    return cells


def _touch_figures(filters: Filters, live: bool) -> list[tuple]:
    """(campaign id, campaign name, step, touches, customers) over the period."""
    if live:
        lower, upper = filters.bounds
        qs = Touch.objects.filter(is_automated=False, occurred_at__gte=lower, occurred_at__lt=upper)
        if filters.campaign_id:
            qs = qs.filter(campaign_id=filters.campaign_id)
        rows = (
            qs.filter(campaign__isnull=False)
            .order_by()
            .values_list("campaign_id", "campaign__name", "step")
            .annotate(touches=Count("id"), customers=Count("customer_id", distinct=True))
        )
    else:
        qs = TouchDaily.objects.filter(day__gte=filters.start, day__lte=filters.end, campaign__isnull=False)
        if filters.campaign_id:
            qs = qs.filter(campaign_id=filters.campaign_id)
        rows = (
            qs.order_by()
            .values_list("campaign_id", "campaign__name", "step")
            .annotate(touches=Sum("touches"), customers=Sum("reached"))
        )
    return list(rows)


def funnel_dashboard(filters: Filters, *, live: bool = False) -> Dashboard:
    """The AIDA funnel of each campaign in the period, with conversion from step to step."""
    board = Dashboard()
    rows = _touch_figures(filters, live)
    per_campaign: dict[int, dict] = {}
    names, total, touches = {}, defaultdict(int), defaultdict(int)
    for campaign_id, name, step, n_touches, customers in rows:
        names[campaign_id] = name
        per_campaign.setdefault(campaign_id, {})[step] = customers or 0
        total[step] += customers or 0
        touches[step] += n_touches or 0
    overall = _funnel_rows(total)
    board.figures = [
        (step.label, n, _("%(p)s%% of the step before") % {"p": c} if c is not None else "") for step, n, c in overall
    ]
    table = Table("campaigns", _("AIDA funnel per campaign"), [_("Campaign"), *_funnel_headers()])
    for campaign_id in sorted(per_campaign, key=lambda c: (-(per_campaign[c].get(AidaStep.ATTENTION, 0)), c)):
        table.rows.append([names[campaign_id], *_funnel_cells(_funnel_rows(per_campaign[campaign_id]))])
    board.tables.append(table)
    board.tables.append(
        Table(
            "steps",
            _("The funnel, all campaigns shown"),
            [_("Step"), _("Customers"), _("Conversion from the step before (%)"), _("Touches")],
            [[s.label, n, c, touches.get(s.value, 0)] for s, n, c in overall],
        )
    )
    board.charts["funnel"] = _chart(
        "bar", [s.label for s, _n, _c in overall], [(_("Customers"), [n for _s, n, _c in overall])]
    )
    board.charts["conversion"] = _chart(
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
                [[s.label, s.customers, s.conversion] for s in funnel.steps],
            )
        )
    if filters.campaign_id:
        by_segment = aida_funnel_by_segment(campaign_id=filters.campaign_id)
        segment_names = dict(Segment.objects.filter(pk__in=list(by_segment)).values_list("pk", "name"))
        table = Table(
            "segments", _("The chosen campaign's funnel per target segment"), [_("Segment"), *_funnel_headers()]
        )
        for segment_id, funnel in sorted(by_segment.items(), key=lambda kv: segment_names.get(kv[0], "")):
            rows = [(s.step, s.customers, s.conversion) for s in funnel.steps]
            table.rows.append([segment_names.get(segment_id, segment_id), *_funnel_cells(rows)])
        board.tables.append(table)
    board.notes.append(
        _("Customers are counted per campaign on the day they first reached each step; automated touches are left out.")
    )
    return board


# ---------------------------------------------------------------------------------------------------------------
# Transfer: payment, delivery, orders by channel and agent


def _order_figures(filters: Filters, live: bool, *, per_day: bool = False) -> list[tuple]:
    """(channel, agent id, agent name, orders, sold, revenue) over the period; or (day, orders, sold, revenue)."""
    keys = ("day",) if per_day else ("channel", "agent_id", "agent__name")
    if live:
        lower, upper = filters.bounds
        rows = (
            Order.objects.filter(placed_at__gte=lower, placed_at__lt=upper)
            .order_by()
            .annotate(day=TruncDate("placed_at"))
            .values_list(*keys)
            .annotate(n=Count("id"), sold=Count("id", filter=SOLD), revenue=Sum("total", filter=SOLD))
        )
    else:
        rows = (
            OrderDaily.objects.filter(day__gte=filters.start, day__lte=filters.end)
            .order_by()
            .values_list(*keys)
            .annotate(n=Sum("orders"), sold=Sum("sold"), revenue=Sum("revenue"))
        )
    # Money in cents: SQLite's SUM of decimals comes back with a dozen decimal places.
    return [(*row[:-1], Decimal(row[-1] or 0).quantize(TWO)) for row in rows]


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


def _service_live(filters: Filters) -> dict[dt.date, dict]:
    lower, upper = filters.bounds
    per_day: dict[dt.date, dict] = defaultdict(lambda: dict.fromkeys(SERVICE_FIELDS, 0))

    def add(queryset, field, **aggregates):
        rows = queryset.order_by().annotate(_day=TruncDate(field)).values("_day").annotate(**aggregates)
        for row in rows:
            day = row.pop("_day")
            per_day[day].update({k: v or 0 for k, v in row.items()})

    add(
        Payment.objects.filter(created_at__gte=lower, created_at__lt=upper),
        "created_at",
        payments=Count("id"),
        payments_succeeded=Count("id", filter=Q(status__in=PAYMENT_SUCCEEDED)),
        payments_failed=Count("id", filter=Q(status=PaymentStatus.FAILED)),
    )
    add(
        Shipment.objects.filter(delivered_at__gte=lower, delivered_at__lt=upper).annotate(
            delivered_on=TruncDate("delivered_at")
        ),
        "delivered_at",
        delivered=Count("id"),
        delivered_on_time=Count("id", filter=Q(delivered_on__lte=F("promised_on"))),
    )
    add(
        tickets_with_targets(Ticket.objects.filter(created_at__gte=lower, created_at__lt=upper)),
        "created_at",
        tickets_opened=Count("id"),
        tickets_answered_in_time=Count(
            "id", filter=Q(first_response_at__isnull=False, first_response_at__lte=F("first_response_due"))
        ),
    )
    add(
        SurveyResponse.objects.filter(created_at__gte=lower, created_at__lt=upper),
        "created_at",
        surveys=Count("id"),
        csat_total=Sum("csat"),
        nps_answers=Count("id", filter=Q(nps__isnull=False)),
        promoters=Count("id", filter=Q(nps__gte=9)),
        detractors=Count("id", filter=Q(nps__lte=6)),
    )
    return per_day


def service_per_day(filters: Filters, live: bool) -> dict[dt.date, dict]:
    """Payments, deliveries, tickets and surveys per day of the period."""
    if live:
        return _service_live(filters)
    rows = ServiceDaily.objects.filter(day__gte=filters.start, day__lte=filters.end).values("day", *SERVICE_FIELDS)
    return {row.pop("day"): row for row in rows}


def _totals(per_day: dict) -> dict:
    totals = dict.fromkeys(SERVICE_FIELDS, 0)
    for counts in per_day.values():
        for k in SERVICE_FIELDS:
            totals[k] += counts.get(k, 0) or 0
    return totals


def transfer_dashboard(filters: Filters, *, live: bool = False) -> Dashboard:
    board = Dashboard()
    service = service_per_day(filters, live)
    totals = _totals(service)
    by_channel, by_agent = defaultdict(lambda: [0, 0, Decimal("0")]), {}
    for channel, agent_id, agent_name, n, sold, revenue in _order_figures(filters, live):
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
        day: (n, revenue or Decimal("0")) for day, n, _sold, revenue in _order_figures(filters, live, per_day=True)
    }
    all_orders = sum(v[0] for v in by_channel.values())
    board.figures = [
        (_("Orders"), all_orders, ""),
        (_("Revenue"), sum((v[2] for v in by_channel.values()), Decimal("0")), ""),
        (_("Payment success (%)"), percent(totals["payments_succeeded"], totals["payments"]), ""),
        (_("On-time delivery (%)"), percent(totals["delivered_on_time"], totals["delivered"]), ""),
    ]
    board.tables.append(
        Table(
            "channels",
            _("Orders by sales channel"),
            [_("Channel"), _("Orders"), _("Sold"), _("Revenue"), _("Share of orders (%)")],
            [
                [_label(SalesChannel, c), v[0], v[1], v[2], percent(v[0], all_orders)]
                for c, v in sorted(by_channel.items(), key=lambda kv: -kv[1][0])
            ],
        )
    )
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
    board.charts["orders"] = _chart("bar", days, [(_("Orders"), [r[1] for r in daily])], dates=True)
    board.charts["rates"] = _chart(
        "line",
        days,
        [(_("Payment success (%)"), [r[3] for r in daily]), (_("On-time delivery (%)"), [r[4] for r in daily])],
        dates=True,
        percent_axis=True,
    )
    board.charts["channels"] = _chart(
        "doughnut",
        [r[0] for r in board.table("channels").rows],
        [(_("Orders"), [r[1] for r in board.table("channels").rows])],
    )
    return board


# ---------------------------------------------------------------------------------------------------------------
# After-sales: open tickets, SLA breaches, CSAT and NPS over time


def nps_score(promoters, detractors, answers):
    return percent((promoters or 0) - (detractors or 0), answers)


def aftersales_dashboard(filters: Filters, *, live: bool = False) -> Dashboard:
    board = Dashboard()
    open_now = dict.fromkeys(("open", "first_breached", "resolution_breached", "urgent"), 0)
    groups = (
        tickets_with_targets(Ticket.objects.filter(status__in=OPEN_TICKETS))
        .order_by()
        .values_list("priority", "first_response_breached", "resolution_breached")
        .annotate(n=Count("id"))
    )
    for priority, first_breached, resolution_breached, n in groups:
        open_now["open"] += n
        open_now["urgent"] += n if priority == "urgent" else 0
        open_now["first_breached"] += n if first_breached else 0
        open_now["resolution_breached"] += n if resolution_breached else 0
    service = service_per_day(filters, live)
    totals = _totals(service)
    board.figures = [
        (_("Open tickets now"), open_now["open"], ""),
        (_("Open tickets past their first-response target"), open_now["first_breached"], ""),
        (_("Open tickets past their resolution target"), open_now["resolution_breached"], ""),
        (_("Tickets opened in the period"), totals["tickets_opened"], ""),
        (
            _("Answered within the target (%)"),
            percent(totals["tickets_answered_in_time"], totals["tickets_opened"]),
            "",
        ),
        (_("Average satisfaction (CSAT)"), _avg(totals["csat_total"], totals["surveys"]), ""),
        (_("Net promoter score"), nps_score(totals["promoters"], totals["detractors"], totals["nps_answers"]), ""),
    ]
    days = filters.buckets()
    service = filters.per_bucket(service)
    daily = []
    for day in days:
        s = service.get(day, {})
        daily.append(
            [
                day,
                s.get("tickets_opened", 0),
                percent(s.get("tickets_answered_in_time", 0), s.get("tickets_opened", 0)),
                s.get("surveys", 0),
                _avg(s.get("csat_total", 0), s.get("surveys", 0)),
                nps_score(s.get("promoters", 0), s.get("detractors", 0), s.get("nps_answers", 0)),
            ]
        )
    board.tables.append(
        Table(
            "daily",
            _("After-sales per week") if filters.weekly else _("After-sales per day"),
            [
                _("Week from") if filters.weekly else _("Day"),
                _("Tickets opened"),
                _("Answered within the target (%)"),
                _("Survey answers"),
                _("CSAT"),
                _("NPS"),
            ],
            daily,
        )
    )
    board.tables.append(
        Table(
            "sla",
            _("Open tickets and their service-level targets"),
            [_("Open tickets"), _("Urgent"), _("Past the first-response target"), _("Past the resolution target")],
            [[open_now["open"], open_now["urgent"], open_now["first_breached"], open_now["resolution_breached"]]],
        )
    )
    board.charts["satisfaction"] = _chart("line", days, [(_("CSAT"), [r[4] for r in daily])], dates=True)
    board.charts["nps"] = _chart("line", days, [(_("NPS"), [r[5] for r in daily])], dates=True)
    board.charts["tickets"] = _chart("bar", days, [(_("Tickets opened"), [r[1] for r in daily])], dates=True)
    return board


def _avg(total, n):
    return None if not n else (Decimal(total) / Decimal(n)).quantize(TWO, ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------------------------
# BONI: Benefit, Online service, Navigation, Integration


def boni_dashboard(filters: Filters, *, live: bool = False) -> Dashboard:
    """The four success factors, each a 0–100 score from figures the product keeps (see docs/dashboards.md)."""
    board = Dashboard()
    steps = defaultdict(int)
    if live:
        for _c, _n, step, _t, customers in _touch_figures(Filters(filters.start, filters.end), live):
            steps[step] += customers or 0
        channels = defaultdict(int)
        for channel, _a, _an, n, _s, _r in _order_figures(filters, live):
            channels[channel] += n
    else:
        steps.update(
            TouchDaily.objects.filter(day__gte=filters.start, day__lte=filters.end, campaign__isnull=False)
            .order_by()
            .values_list("step")
            .annotate(n=Sum("reached"))
        )
        channels = dict(
            OrderDaily.objects.filter(day__gte=filters.start, day__lte=filters.end)
            .order_by()
            .values_list("channel")
            .annotate(n=Sum("orders"))
        )
    service = _totals(service_per_day(filters, live))
    orders = sum(channels.values())

    csat = _avg(service["csat_total"], service["surveys"])
    nps = nps_score(service["promoters"], service["detractors"], service["nps_answers"])
    answered = percent(service["tickets_answered_in_time"], service["tickets_opened"])
    paid = percent(service["payments_succeeded"], service["payments"])
    information = percent(steps[AidaStep.INFORMATION], steps[AidaStep.ATTENTION])
    desire = percent(steps[AidaStep.DESIRE], steps[AidaStep.INFORMATION])
    offline = percent(orders - channels.get(SalesChannel.WEB, 0), orders)
    on_time = percent(service["delivered_on_time"], service["delivered"])

    def mean(*values):
        known = [Decimal(v) for v in values if v is not None]
        return (sum(known) / len(known)).quantize(TWO, ROUND_HALF_UP) if known else None

    factors = [
        (
            _("Benefit to the customer"),
            mean(None if csat is None else (csat - 1) * 25, None if nps is None else (nps + 100) / 2),
            [(_("Average satisfaction (CSAT)"), csat), (_("Net promoter score"), nps)],
        ),
        (
            _("Online service and information"),
            mean(answered, paid),
            [(_("Tickets answered within the target (%)"), answered), (_("Payment success (%)"), paid)],
        ),
        (
            _("Navigation"),
            mean(information, desire),
            [
                (_("Attention → information: customers who chose to read on (%)"), information),
                (_("Information → desire (%)"), desire),
            ],
        ),
        (
            _("Integration"),
            mean(on_time, offline),
            [(_("On-time delivery (%)"), on_time), (_("Orders through agents, phone and stores (%)"), offline)],
        ),
    ]
    board.figures = [(name, score, "") for name, score, _f in factors]
    board.tables.append(
        Table(
            "boni",
            _("BONI scorecard"),
            [_("Factor"), _("Score (0–100)"), _("Figure"), _("Value")],
            [[name, score, label, value] for name, score, figures in factors for label, value in figures],
        )
    )
    board.charts["boni"] = _chart(
        "radar", [name for name, _s, _f in factors], [(_("Score (0–100)"), [s for _n, s, _f in factors])]
    )
    return board


# ---------------------------------------------------------------------------------------------------------------
# The plan: objectives against targets, the 3M and the next review

ROLLUP_KPIS = {Kpi.REVENUE, Kpi.ON_TIME_DELIVERY, Kpi.CSAT, Kpi.NPS, Kpi.AIDA_CONVERSION}


def _kpis_from_rollups(kpis: set, start: dt.date, end: dt.date) -> dict:
    filters = Filters(start=start, end=end)
    values = {}
    if kpis & {Kpi.ON_TIME_DELIVERY, Kpi.CSAT, Kpi.NPS}:
        s = ServiceDaily.objects.filter(day__gte=start, day__lte=end).aggregate(
            **{
                k: Coalesce(Sum(k), 0)
                for k in (
                    "delivered",
                    "delivered_on_time",
                    "surveys",
                    "csat_total",
                    "nps_answers",
                    "promoters",
                    "detractors",
                )
            }
        )
        values[Kpi.ON_TIME_DELIVERY] = percent(s["delivered_on_time"], s["delivered"])
        values[Kpi.CSAT] = _avg(s["csat_total"], s["surveys"])
        values[Kpi.NPS] = nps_score(s["promoters"], s["detractors"], s["nps_answers"])
    if Kpi.REVENUE in kpis:
        revenue = OrderDaily.objects.filter(day__gte=start, day__lte=end).aggregate(v=Sum("revenue"))["v"]
        values[Kpi.REVENUE] = Decimal(revenue or 0).quantize(TWO)
    if Kpi.AIDA_CONVERSION in kpis:
        reached = dict(
            TouchDaily.objects.filter(
                day__gte=filters.start, day__lte=filters.end, step__in=[AidaStep.ATTENTION, AidaStep.ACTION]
            )
            .order_by()
            .values_list("step")
            .annotate(n=Sum("reached"))
        )
        values[Kpi.AIDA_CONVERSION] = percent(reached.get(AidaStep.ACTION, 0), reached.get(AidaStep.ATTENTION, 0))
    return {k: values[k] for k in kpis}


def dashboard_kpi_values(kpis, *, start: dt.date, end: dt.date, live: bool = False) -> dict:
    """KPI actuals: from the rollups where they hold the figure, else from the KPI catalogue's own query."""
    kpis = set(kpis)
    if live:
        return kpi_values(kpis, start=start, end=end)
    from_rollups = kpis & ROLLUP_KPIS
    values = _kpis_from_rollups(from_rollups, start, end) if from_rollups else {}
    values.update(kpi_values(kpis - from_rollups, start=start, end=end))
    return values


def plan_choices():
    return list(MarketingPlan.objects.order_by("-starts_on", "-id").values_list("pk", "name"))


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
    start, end, elapsed = plan_period(plan, today=today)
    objectives = list(objectives_with_money(plan))
    actuals = dashboard_kpi_values([o.kpi for o in objectives], start=start, end=end, live=live) if objectives else {}
    status_labels = {"on_track": _("On track"), "behind": _("Behind"), "no_data": _("No data yet")}
    rows = []
    for o in objectives:
        status, expected = kpi_status(o.kpi, target=o.target, actual=actuals.get(o.kpi), elapsed=elapsed)
        rows.append(
            [
                o.title,
                o.motivation,
                o.strategy,
                o.get_kpi_display(),
                o.target,
                expected,
                actuals.get(o.kpi),
                status_labels[status],
                o.budget,
                o.spent_total,
            ]
        )
    board.extra["statuses"] = [r[7] for r in rows]
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
            rows,
        )
    )
    money = plan_money(plan)
    people = list(plan_people(plan))
    milestones = plan_milestones(plan)
    missed = [m for m in milestones if m["state"] == "missed"]
    ahead = [m for m in milestones if m["state"] == "ahead"]
    next_review = plan.next_review_on
    board.figures = [
        (_("Objectives on track"), sum(1 for r in board.extra["statuses"] if r == status_labels["on_track"]), ""),
        (_("Objectives behind"), sum(1 for r in board.extra["statuses"] if r == status_labels["behind"]), ""),
        (_("Budget planned"), money["lines"] or money["objectives"], ""),
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
    board.charts["money"] = _chart(
        "bar",
        [o.title for o in objectives],
        [(_("Budget"), [o.budget for o in objectives]), (_("Spent"), [o.spent_total for o in objectives])],
    )
    return board


DASHBOARDS = {
    "cycle": cycle_dashboard,
    "funnel": funnel_dashboard,
    "plan": plan_dashboard,
    "transfer": transfer_dashboard,
    "aftersales": aftersales_dashboard,
    "boni": boni_dashboard,
}


def filter_choices(*, campaigns: bool = True, segments: bool = True) -> dict:
    """The campaigns and segments the filters offer (a query each)."""
    choices = {}
    if campaigns:
        choices["campaigns"] = list(Campaign.objects.order_by("-created_at", "-id").values_list("pk", "name")[:500])
    if segments:
        choices["segments"] = list(Segment.objects.order_by("name").values_list("pk", "name")[:500])
    return choices
