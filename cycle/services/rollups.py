"""The dashboards' rollups: per-day figures of the big tables, kept fresh incrementally and rebuilt on demand.

* touches (append-only): new rows past the id watermark are added to :class:`~cycle.models.TouchDaily`;
  ``reached`` counts a customer on the day they first reached a step of a campaign, from people's touches only;
  ``proxied`` counts a customer on the day a mail proxy first fetched their message, and takes them off that day
  again when a person's attention comes later. Bots are never counted.
* customers' tier and stage history (append-only): added to :class:`~cycle.models.ProfileChangeDaily`.
* orders, payments, shipments, tickets and surveys change after they are written (a status moves, a ticket is
  answered): every day that holds a new row, a row whose status moved since the last run, or one of the last
  ``DASHBOARD_ROLLUP_RECENT_DAYS`` days is recomputed whole into :class:`~cycle.models.OrderDaily` and
  :class:`~cycle.models.ServiceDaily`.
* the customers of the moment (per lifecycle stage, per tier, at risk) are counted into the ``customers`` state.

A refresh holds a row lock on its states, so two overlapping runs do the work once.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Count,
    DateTimeField,
    Exists,
    Max,
    Min,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from aftersales.models import SurveyResponse, Ticket, TicketStatusChange
from aftersales.selectors import tickets_with_targets
from campaigns.models import PROXY_FETCH, AidaStep, Touch, person_looked
from customers.models import Customer, CustomerHistory
from cycle.models import OrderDaily, ProfileChangeDaily, RollupState, ServiceDaily, TouchDaily
from cycle.selectors.service_figures import (
    delivery_figures,
    payment_figures,
    survey_figures,
    ticket_figures,
    with_delivery_day,
)
from cycle.services.rollups_website import refresh_website
from emarketing.db import settled_max_id
from orders.models import Order, OrderStatusChange, Payment, PaymentStatusChange, Shipment, sale_q

ROLLUPS = ("touches", "history", "orders", "service", "customers", "website")

_M = TypeVar("_M", bound=Model)
_Daily = TypeVar("_Daily", TouchDaily, ProfileChangeDaily)


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    lower = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return lower, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def _in_days(field: str, days: Iterable[dt.date]) -> Q:
    """Rows whose ``field`` falls on one of ``days`` (contiguous days are merged into one range)."""
    q, ordered = Q(pk__in=[]), sorted(days)
    run_start: dt.date | None = None
    previous: dt.date | None = None
    for day in [*ordered, None]:
        if day is not None and previous is not None and day == previous + dt.timedelta(days=1):
            previous = day
            continue
        if run_start is not None and previous is not None:  # they are set together
            q |= Q(**{f"{field}__gte": _day_bounds(run_start)[0], f"{field}__lt": _day_bounds(previous)[1]})
        run_start = previous = day
    return q


def _days_of(queryset: QuerySet[Model], field: str) -> set[dt.date]:
    return set(queryset.order_by().annotate(_day=TruncDate(field)).values_list("_day", flat=True).distinct()) - {None}


def _lock_states(names: Collection[str]) -> dict[str, RollupState]:
    for name in names:
        RollupState.objects.get_or_create(name=name)
    return {s.name: s for s in RollupState.objects.select_for_update().filter(name__in=names)}


# ---------------------------------------------------------------------------------------------------------------
# Append-only tables: add what is past the watermark


def _touch_reach_sql(lower_id: int, upper_id: int) -> list[tuple[Any, ...]]:
    """Per (day, campaign, step): customers whose first counted touch of that campaign and step is in the range."""
    grouped = (
        Touch.objects.filter(
            is_automated=False, customer__isnull=False, campaign__isnull=False, id__gt=lower_id, id__lte=upper_id
        )
        .order_by()
        .values("campaign_id", "step", "customer_id")
        .annotate(first_day=TruncDate(Min("occurred_at")))
    )
    if lower_id > 0:
        earlier = Touch.objects.filter(
            is_automated=False,
            customer_id=OuterRef("customer_id"),
            campaign_id=OuterRef("campaign_id"),
            step=OuterRef("step"),
            id__lte=lower_id,
        )
        grouped = grouped.filter(~Exists(earlier.order_by()))
    sql, params = grouped.query.sql_with_params()
    outer = f"SELECT first_day, campaign_id, step, COUNT(*) FROM ({sql}) reach GROUP BY first_day, campaign_id, step"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def _grouped_sql(queryset: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """Per (day, campaign): distinct customers of a query of ``fetch_day``, ``campaign_id`` and ``customer_id``."""
    sql, params = queryset.query.sql_with_params()
    outer = (
        f"SELECT fetch_day, campaign_id, COUNT(DISTINCT customer_id) FROM ({sql}) q"  # noqa: S608
        " GROUP BY fetch_day, campaign_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def _touch_proxy_sql(lower_id: int, upper_id: int) -> list[tuple[Any, int, int]]:
    """Per (day, campaign): the change in customers whose message only a mail proxy opened, from the touches in
    the range. A customer is added on the day of the proxy's first fetch (the fetch with the lowest id, so that a
    later batch finds the same day) when no person looked up to the range's end, and taken off that day when a
    person's first attention is in the range and the first fetch came before it."""
    fetches = Touch.objects.filter(PROXY_FETCH)
    earlier_fetch = fetches.filter(
        customer_id=OuterRef("customer_id"), campaign_id=OuterRef("campaign_id"), id__lt=OuterRef("id")
    )
    added = (
        fetches.filter(id__gt=lower_id, id__lte=upper_id)
        .filter(~Exists(earlier_fetch.order_by()), ~person_looked(up_to_id=upper_id))
        .order_by()
        .annotate(fetch_day=TruncDate("occurred_at"))
        .values("fetch_day", "campaign_id", "customer_id")
    )
    changes = [(day, campaign_id, n) for day, campaign_id, n in _grouped_sql(added)]
    if lower_id > 0:
        first_fetch = fetches.filter(
            customer_id=OuterRef("customer_id"), campaign_id=OuterRef("campaign_id"), id__lte=lower_id
        )
        first_fetched_at = Subquery(first_fetch.order_by("id").values("occurred_at")[:1], output_field=DateTimeField())
        looked_now = (
            Touch.objects.filter(
                step=AidaStep.ATTENTION,
                is_automated=False,
                customer__isnull=False,
                campaign__isnull=False,
                id__gt=lower_id,
                id__lte=upper_id,
            )
            .filter(Exists(first_fetch.order_by()), ~person_looked(up_to_id=lower_id))
            .order_by()
            .annotate(fetch_day=TruncDate(first_fetched_at))
            .values("fetch_day", "campaign_id", "customer_id")
        )
        changes += [(day, campaign_id, -n) for day, campaign_id, n in _grouped_sql(looked_now)]
    return changes


def _to_date(value: str | dt.date) -> dt.date:
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _refresh_touches(state: RollupState, *, full: bool) -> int:
    if full:
        TouchDaily.objects.all().delete()
        state.last_id = 0
    top = settled_max_id(
        Touch._meta.db_table, wait_seconds=settings.DASHBOARD_ROLLUP_SETTLE_SECONDS, fallback=state.last_id
    )
    # A rebuild reads the whole table in one pass: in batches, each batch would have to look back through all the
    # touches before it to tell a customer's first reach of a step from a later one.
    batch = top if full else settings.DASHBOARD_ROLLUP_TOUCH_BATCH
    read = 0
    while state.last_id < top:
        lower, upper = state.last_id, min(state.last_id + batch, top)
        figures: dict[tuple[dt.date, int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        rows = (
            Touch.objects.filter(is_automated=False, id__gt=lower, id__lte=upper)
            .order_by()
            .annotate(day=TruncDate("occurred_at"))
            .values_list("day", "campaign_id", "step")
            .annotate(n=Count("id"))
        )
        for day, campaign_id, step, n in rows:
            figures[(day, campaign_id, step)][0] += n
            read += n
        for day, campaign_id, step, n in _touch_reach_sql(lower, upper):
            figures[(_to_date(day), campaign_id, step)][1] += n
        for day, campaign_id, n in _touch_proxy_sql(lower, upper):
            figures[(_to_date(day), campaign_id, AidaStep.ATTENTION.value)][2] += n
        _merge(
            TouchDaily,
            ("day", "campaign_id", "step"),
            {key: {"touches": t, "reached": r, "proxied": p} for key, (t, r, p) in figures.items()},
        )
        state.last_id = upper
    return read


def _refresh_history(state: RollupState, *, full: bool) -> int:
    if full:
        ProfileChangeDaily.objects.all().delete()
        state.last_id = 0
    top = CustomerHistory.objects.aggregate(m=Max("id"))["m"] or 0
    if top <= state.last_id:
        return 0
    rows = (
        CustomerHistory.objects.filter(id__gt=state.last_id, id__lte=top)
        .order_by()
        .annotate(day=TruncDate("changed_at"))
        .values_list("day", "attribute", "old_value", "new_value")
        .annotate(n=Count("id"))
    )
    figures = {(day, attr, old, new): {"changes": n} for day, attr, old, new, n in rows}
    _merge(ProfileChangeDaily, ("day", "attribute", "old_value", "new_value"), figures)
    state.last_id = top
    return sum(f["changes"] for f in figures.values())


def _merge(
    model: type[_Daily],
    key_fields: tuple[str, ...],
    figures: Mapping[tuple[Any, ...], Mapping[str, int]],
) -> None:
    """Add ``figures`` (key → counts, some negative) to the rows of ``model``: existing rows grow or shrink,
    missing rows are created; no count goes below zero."""
    if not figures:
        return
    days = {key[0] for key in figures}
    existing = {tuple(getattr(row, f) for f in key_fields): row for row in model.objects.filter(day__in=days)}
    to_update: list[_Daily] = []
    to_create: list[_Daily] = []
    for key, counts in figures.items():
        row = existing.get(key)
        if row is None:
            to_create.append(
                model(**dict(zip(key_fields, key, strict=True)), **{name: max(n, 0) for name, n in counts.items()})
            )
        else:
            for name, n in counts.items():
                setattr(row, name, max(getattr(row, name) + n, 0))
            to_update.append(row)
    model.objects.bulk_create(to_create, batch_size=2000)
    if to_update:
        model.objects.bulk_update(to_update, list(next(iter(figures.values()))), batch_size=2000)


# ---------------------------------------------------------------------------------------------------------------
# Tables whose rows change: recompute the days that moved


def _recent_days(today: dt.date) -> set[dt.date]:
    return {today - dt.timedelta(days=n) for n in range(settings.DASHBOARD_ROLLUP_RECENT_DAYS)}


def _refresh_orders(state: RollupState, *, full: bool, now: dt.datetime) -> int:
    marks = state.figures or {}
    top = Order.objects.aggregate(m=Max("id"))["m"] or 0
    if full:
        days = None
    else:
        days = _days_of(Order.objects.filter(id__gt=marks.get("order", 0), id__lte=top), "placed_at")
        if state.last_seen_at:
            moved = Order.objects.filter(
                pk__in=OrderStatusChange.objects.filter(changed_at__gte=_since(state)).values("subject_id")
            )
            days |= _days_of(moved, "placed_at")
        days |= _recent_days(timezone.localdate(now))
    orders = Order.objects.all() if days is None else Order.objects.filter(_in_days("placed_at", days))
    rows = (
        orders.order_by()
        .annotate(day=TruncDate("placed_at"))
        .values_list("day", "channel", "agent_id")
        .annotate(n=Count("id"), sold=Count("id", filter=sale_q()), revenue=Sum("total", filter=sale_q()))
    )
    with transaction.atomic():
        (OrderDaily.objects.all() if days is None else OrderDaily.objects.filter(day__in=days)).delete()
        OrderDaily.objects.bulk_create(
            [
                OrderDaily(day=d, channel=c, agent_id=a, orders=n, sold=s, revenue=r or Decimal("0"))
                for d, c, a, n, s, r in rows
            ],
            batch_size=2000,
        )
    state.figures = {**marks, "order": top}
    return len(days) if days is not None else -1


def _since(state: RollupState) -> dt.datetime | None:
    """The last run's time, less a margin for changes committed while it was reading."""
    if state.last_seen_at is None:
        return None
    return state.last_seen_at - dt.timedelta(seconds=settings.DASHBOARD_ROLLUP_MARGIN_SECONDS)


def _service_days(state: RollupState, now: dt.datetime, tops: dict[str, int]) -> set[dt.date]:
    marks, since = state.figures or {}, _since(state)
    days = _recent_days(timezone.localdate(now))
    days |= _days_of(Payment.objects.filter(id__gt=marks.get("payment", 0), id__lte=tops["payment"]), "created_at")
    days |= _days_of(Ticket.objects.filter(id__gt=marks.get("ticket", 0), id__lte=tops["ticket"]), "created_at")
    days |= _days_of(SurveyResponse.objects.filter(id__gt=marks.get("survey", 0), id__lte=tops["survey"]), "created_at")
    if since:
        moved = PaymentStatusChange.objects.filter(changed_at__gte=since).values("subject_id")
        days |= _days_of(Payment.objects.filter(pk__in=moved), "created_at")
        days |= _days_of(Shipment.objects.filter(delivered_at__gte=since), "delivered_at")
        moved_tickets = TicketStatusChange.objects.filter(changed_at__gte=since).values("subject_id")
        days |= _days_of(Ticket.objects.filter(pk__in=moved_tickets), "created_at")
    return days


def _per_day(queryset: QuerySet[Model], field: str, **aggregates: Aggregate) -> dict[dt.date, dict[str, Any]]:
    rows = queryset.order_by().annotate(_day=TruncDate(field)).values("_day").annotate(**aggregates)
    return {row.pop("_day"): row for row in rows}


def _refresh_service(state: RollupState, *, full: bool, now: dt.datetime) -> int:
    tops = {
        "payment": Payment.objects.aggregate(m=Max("id"))["m"] or 0,
        "ticket": Ticket.objects.aggregate(m=Max("id"))["m"] or 0,
        "survey": SurveyResponse.objects.aggregate(m=Max("id"))["m"] or 0,
    }
    days = None if full else _service_days(state, now, tops)

    def within(qs: QuerySet[_M], field: str) -> QuerySet[_M]:
        return qs if days is None else qs.filter(_in_days(field, days))

    payments = _per_day(within(Payment.objects.all(), "created_at"), "created_at", **payment_figures())
    deliveries = _per_day(
        with_delivery_day(within(Shipment.objects.all(), "delivered_at")), "delivered_at", **delivery_figures()
    )
    tickets = _per_day(
        tickets_with_targets(within(Ticket.objects.all(), "created_at"), now=now), "created_at", **ticket_figures()
    )
    surveys = _per_day(within(SurveyResponse.objects.all(), "created_at"), "created_at", **survey_figures())
    merged: dict[dt.date, dict[str, Any]] = defaultdict(dict)
    for source in (payments, deliveries, tickets, surveys):
        for day, counts in source.items():
            merged[day].update({k: v or 0 for k, v in counts.items()})
    with transaction.atomic():
        (ServiceDaily.objects.all() if days is None else ServiceDaily.objects.filter(day__in=days)).delete()
        ServiceDaily.objects.bulk_create([ServiceDaily(day=d, **c) for d, c in merged.items()], batch_size=2000)
    state.figures = tops
    return len(merged)


def _refresh_customers(state: RollupState) -> int:
    """The customers of the moment: per lifecycle stage, per value tier, and those at risk."""
    by_stage = dict(Customer.objects.order_by().values_list("lifecycle_stage").annotate(n=Count("id")))
    by_tier = dict(Customer.objects.order_by().values_list("value_tier").annotate(n=Count("id")))
    total: int = sum(by_stage.values())
    state.figures = {
        "by_stage": by_stage,
        "by_tier": by_tier,
        "at_risk": Customer.objects.filter(at_risk=True).count(),
        "total": total,
    }
    return total


@transaction.atomic
def rollups_refresh(
    *, full: bool = False, now: dt.datetime | None = None, only: Collection[str] = ROLLUPS
) -> dict[str, int]:
    """Bring every dashboard rollup up to date; ``full`` rebuilds them from the whole tables.

    Returns, per rollup, how much it read. Safe to run twice: each run continues from the watermarks the last
    one stored, under a row lock that a concurrent run waits on.
    """
    now = now or timezone.now()
    states = _lock_states(only)
    done: dict[str, int] = {}
    for name in only:
        state = states[name]
        if name == "touches":
            done[name] = _refresh_touches(state, full=full)
        elif name == "history":
            done[name] = _refresh_history(state, full=full)
        elif name == "orders":
            done[name] = _refresh_orders(state, full=full, now=now)
        elif name == "service":
            done[name] = _refresh_service(state, full=full, now=now)
        elif name == "customers":
            done[name] = _refresh_customers(state)
        elif name == "website":
            done[name] = refresh_website(
                state, full=full, now=now, days_in=_in_days, recent=_recent_days(timezone.localdate(now))
            )
        state.last_seen_at = now
        state.refreshed_at = now
        state.save(update_fields=["last_id", "last_seen_at", "refreshed_at", "figures"])
    return done


def rollups_rebuild(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Forget every rollup and compute it again from the whole tables."""
    return rollups_refresh(full=True, now=now)
