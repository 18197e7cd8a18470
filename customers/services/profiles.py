"""Value tiers (recency, frequency, monetary) and lifecycle stages, computed set-based in SQL.

Each run walks the customers once in id-ordered batches. For a batch, one grouped query over the batch's orders
computes in the database every customer's recency, frequency, spend and, from them, the tier (a ``CASE``); a
second reads the batch's current tiers. Only customers whose tier changed are written: one ``UPDATE`` per target
tier and multi-row ``INSERT``s of history rows. A batch costs a bounded number of queries whatever its size,
and memory stays flat however many customers there are. Lifecycle stages are computed the same way.

Orders and touches are read through Customer's reverse relations (``orders``, ``touches``), so preparation
imports no later stage.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, Max, Q, Sum, Value, When
from django.utils import timezone

from customers.models import Customer, CustomerHistory, LifecycleStage, ProfileAttribute, ValueTier

# Orders that did not end in a sale do not count towards value or lifecycle (codes of orders.OrderStatus).
UNCOUNTED_ORDER_STATUSES = ("cancelled", "returned")


@dataclass(frozen=True)
class TierThresholds:
    """Where the tiers begin; every figure comes from settings (``CUSTOMER_TIER_*``) with these defaults."""

    window_days: int = 730
    most_valuable_recency_days: int = 180
    most_valuable_min_orders: int = 3
    most_valuable_min_spend: Decimal = Decimal("500")
    potential_recency_days: int = 365
    potential_min_orders: int = 2
    potential_min_spend: Decimal = Decimal("100")

    @classmethod
    def from_settings(cls):
        def get(name, default, cast):
            return cast(getattr(settings, f"CUSTOMER_TIER_{name.upper()}", default))

        d = cls()
        return cls(
            window_days=get("window_days", d.window_days, int),
            most_valuable_recency_days=get("most_valuable_recency_days", d.most_valuable_recency_days, int),
            most_valuable_min_orders=get("most_valuable_min_orders", d.most_valuable_min_orders, int),
            most_valuable_min_spend=get("most_valuable_min_spend", d.most_valuable_min_spend, Decimal),
            potential_recency_days=get("potential_recency_days", d.potential_recency_days, int),
            potential_min_orders=get("potential_min_orders", d.potential_min_orders, int),
            potential_min_spend=get("potential_min_spend", d.potential_min_spend, Decimal),
        )

    def tier_of(self, *, last_order_at, orders_in_window, spend_in_window, now):
        """The same rule in Python, for one customer: what the SQL computes for all of them."""
        if last_order_at is None:
            return ValueTier.UNRATED
        if (
            last_order_at >= now - dt.timedelta(days=self.most_valuable_recency_days)
            and orders_in_window >= self.most_valuable_min_orders
            and spend_in_window >= self.most_valuable_min_spend
        ):
            return ValueTier.MOST_VALUABLE
        if last_order_at >= now - dt.timedelta(days=self.potential_recency_days) and (
            orders_in_window >= self.potential_min_orders or spend_in_window >= self.potential_min_spend
        ):
            return ValueTier.POTENTIAL
        return ValueTier.LOW_VALUE


@dataclass
class RefreshResult:
    changed: int = 0
    by_value: dict = field(default_factory=dict)


def _related(name):
    """A later stage's model, reached through Customer's reverse relation (no import of that stage)."""
    return Customer._meta.get_field(name).related_model._default_manager


def _scoped(manager, scope):
    """Rows of ``manager`` belonging to the customers of a batch: an id range ``(low, high]`` or a list of ids."""
    if isinstance(scope, tuple):
        return manager.filter(customer_id__gt=scope[0], customer_id__lte=scope[1])
    return manager.filter(customer_id__in=scope)


def _counted_orders(scope):
    return _scoped(_related("orders"), scope).exclude(status__in=UNCOUNTED_ORDER_STATUSES).order_by()


def value_tiers_of(scope, *, now, thresholds: TierThresholds):
    """(customer id, tier) for every customer of ``scope`` who has a counted order; the others are unrated.

    One grouped query over the orders: recency (``MAX(placed_at)``), frequency and spend in the window
    (``COUNT``/``SUM`` with ``FILTER``) and, from them, the tier as a ``CASE`` — all computed by the database.
    """
    in_window = Q(placed_at__gte=now - dt.timedelta(days=thresholds.window_days))
    tier = Case(
        When(
            rfm_last__gte=now - dt.timedelta(days=thresholds.most_valuable_recency_days),
            rfm_orders__gte=thresholds.most_valuable_min_orders,
            rfm_spend__gte=thresholds.most_valuable_min_spend,
            then=Value(ValueTier.MOST_VALUABLE.value),
        ),
        When(
            Q(rfm_last__gte=now - dt.timedelta(days=thresholds.potential_recency_days))
            & (Q(rfm_orders__gte=thresholds.potential_min_orders) | Q(rfm_spend__gte=thresholds.potential_min_spend)),
            then=Value(ValueTier.POTENTIAL.value),
        ),
        default=Value(ValueTier.LOW_VALUE.value),
    )
    return (
        _counted_orders(scope)
        .values("customer_id")
        .annotate(
            rfm_last=Max("placed_at"),
            rfm_orders=Count("pk", filter=in_window),
            rfm_spend=Sum("total", filter=in_window),
        )
        .annotate(tier=tier)
        .values_list("customer_id", "tier")
    )


def lifecycle_stages_of(scope, *, now):
    """(customer id, stage) for the customers of ``scope`` who bought or engaged; the others are in selection.

    Selection: nothing yet; acquisition: engaged with a campaign (a touch not from a bot or a mail proxy);
    retention: one purchase; extension: two or more. Two grouped queries per batch.
    """
    purchases = _counted_orders(scope).values("customer_id").annotate(n=Count("pk")).values_list("customer_id", "n")
    stages = {pk: LifecycleStage.EXTENSION.value if n >= 2 else LifecycleStage.RETENTION.value for pk, n in purchases}
    engaged = _scoped(_related("touches"), scope).filter(is_automated=False).order_by().values_list("customer_id")
    for (pk,) in engaged.distinct():
        stages.setdefault(pk, LifecycleStage.ACQUISITION.value)
    return stages.items()


def _batches(customer_ids, batch_size):
    """(low, high] id bounds of consecutive batches, each found from the previous one: never all ids at once."""
    if customer_ids is not None:
        ids = sorted(set(customer_ids))
        for i in range(0, len(ids), batch_size):
            yield ids[i : i + batch_size]
        return
    last = 0
    while True:
        bound = list(
            Customer.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[batch_size - 1 : batch_size]
        )
        if not bound:
            rest = Customer.objects.filter(pk__gt=last).order_by().aggregate(m=Max("pk"))["m"]
            if rest is not None:
                yield (last, rest)
            return
        yield (last, bound[0])
        last = bound[0]


def _append_history(rows, *, attribute, reason, now):
    """Multi-row INSERTs of a batch's history: the rows are plain tuples, never model instances."""
    meta = CustomerHistory._meta
    quote = connection.ops.quote_name
    columns = ["customer", "attribute", "old_value", "new_value", "changed_at", "reason"]
    names = ", ".join(quote(meta.get_field(c).column) for c in columns)
    per_statement = min(1000, (connection.features.max_query_params or 6000) // len(columns))
    stamp = connection.ops.adapt_datetimefield_value(now)
    values = [(pk, attribute, old, new, stamp, reason[:120]) for pk, old, new in rows]
    with connection.cursor() as cursor:
        for i in range(0, len(values), per_statement):
            chunk = values[i : i + per_statement]
            marks = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
            sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES {marks}"  # noqa: S608 - names from the model
            cursor.execute(sql, [v for row in chunk for v in row])


def _refresh(*, attribute, compute, default, customer_ids, reason, batch_size, now):
    result = RefreshResult()
    for scope in _batches(customer_ids, batch_size):
        customers = (
            Customer.objects.filter(pk__gt=scope[0], pk__lte=scope[1])
            if isinstance(scope, tuple)
            else Customer.objects.filter(pk__in=scope)
        )
        fresh = dict(compute(scope))
        rows = [
            (pk, old, fresh.get(pk, default))
            for pk, old in customers.order_by().values_list("pk", attribute)
            if fresh.get(pk, default) != old
        ]
        if not rows:
            continue
        with transaction.atomic():
            by_value = {}
            for pk, _old, new in rows:
                by_value.setdefault(new, []).append(pk)
            for new, pks in by_value.items():
                # ``updated_at`` is left alone: the history row below is what tells segments this customer changed.
                Customer.objects.filter(pk__in=pks).update(**{attribute: new})
                result.by_value[new] = result.by_value.get(new, 0) + len(pks)
            _append_history(rows, attribute=attribute, reason=reason, now=now)
        result.changed += len(rows)
    return result


def _batch_size(batch_size):
    return batch_size or getattr(settings, "CUSTOMER_REFRESH_BATCH_SIZE", 5000)


def customers_refresh_value_tiers(*, customer_ids=None, reason="", batch_size=None, now=None) -> RefreshResult:
    """Recompute the value tier of every customer (or of ``customer_ids``); return how many changed.

    Idempotent: a second run with the same data changes nothing and writes no history.
    """
    now = now or timezone.now()
    thresholds = TierThresholds.from_settings()
    return _refresh(
        attribute=ProfileAttribute.VALUE_TIER.value,
        compute=lambda scope: value_tiers_of(scope, now=now, thresholds=thresholds),
        default=ValueTier.UNRATED.value,
        customer_ids=customer_ids,
        reason=reason,
        batch_size=_batch_size(batch_size),
        now=now,
    )


def customers_refresh_lifecycle(*, customer_ids=None, reason="", batch_size=None, now=None) -> RefreshResult:
    """Move customers (all, or ``customer_ids``) to the lifecycle stage their orders and touches show."""
    now = now or timezone.now()
    return _refresh(
        attribute=ProfileAttribute.LIFECYCLE_STAGE.value,
        compute=lambda scope: lifecycle_stages_of(scope, now=now),
        default=LifecycleStage.SELECTION.value,
        customer_ids=customer_ids,
        reason=reason,
        batch_size=_batch_size(batch_size),
        now=now,
    )
