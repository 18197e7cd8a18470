"""Value tiers (recency, frequency, monetary) and lifecycle stages, written set-based in batches.

Each run walks the customers once in id-ordered batches. For a batch, the registered profile source (see
``customers.registry``; the transfer stage registers it, since it owns the orders) yields every customer's new
value in a bounded number of grouped queries; one more query reads the batch's current values. Only customers
whose value changed are written: one ``UPDATE`` per target value and multi-row ``INSERT``s of history rows.
A batch costs a bounded number of queries whatever its size, and memory stays flat however many customers
there are. The thresholds of the tiers are preparation's rule (:class:`TierThresholds`).
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from customers.models import Customer, CustomerHistory, LifecycleStage, ProfileAttribute, ValueTier
from customers.registry import Scope, profile_sources


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
    def from_settings(cls) -> "TierThresholds":
        return cls(
            window_days=int(settings.CUSTOMER_TIER_WINDOW_DAYS),
            most_valuable_recency_days=int(settings.CUSTOMER_TIER_MOST_VALUABLE_RECENCY_DAYS),
            most_valuable_min_orders=int(settings.CUSTOMER_TIER_MOST_VALUABLE_MIN_ORDERS),
            most_valuable_min_spend=Decimal(settings.CUSTOMER_TIER_MOST_VALUABLE_MIN_SPEND),
            potential_recency_days=int(settings.CUSTOMER_TIER_POTENTIAL_RECENCY_DAYS),
            potential_min_orders=int(settings.CUSTOMER_TIER_POTENTIAL_MIN_ORDERS),
            potential_min_spend=Decimal(settings.CUSTOMER_TIER_POTENTIAL_MIN_SPEND),
        )

    def tier_of(
        self,
        *,
        last_order_at: dt.datetime | None,
        orders_in_window: int,
        spend_in_window: Decimal,
        now: dt.datetime,
    ) -> ValueTier:
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
    by_value: dict[str, int] = field(default_factory=dict)


def _batches(customer_ids: Iterable[int] | None, batch_size: int) -> Iterator[Scope]:
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


def _append_history(rows: list[tuple[int, str, str]], *, attribute: str, reason: str, now: dt.datetime) -> None:
    """Multi-row INSERTs of a batch's history: the rows are plain tuples, never model instances."""
    meta = CustomerHistory._meta
    quote = connection.ops.quote_name
    columns = ["customer", "attribute", "old_value", "new_value", "changed_at", "reason"]
    names = ", ".join(quote(meta.get_field(c).column) for c in columns)  # type: ignore[union-attr,arg-type]
    per_statement = min(1000, (connection.features.max_query_params or 6000) // len(columns))
    stamp = connection.ops.adapt_datetimefield_value(now)
    values = [(pk, attribute, old, new, stamp, reason[:120]) for pk, old, new in rows]
    with connection.cursor() as cursor:
        for i in range(0, len(values), per_statement):
            chunk = values[i : i + per_statement]
            marks = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
            sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES {marks}"  # noqa: S608 - names from the model
            cursor.execute(sql, [v for row in chunk for v in row])


def _refresh(
    *,
    attribute: str,
    compute: Callable[[Scope], Iterable[tuple[int, str]]],
    default: str,
    customer_ids: Iterable[int] | None,
    reason: str,
    batch_size: int,
    now: dt.datetime,
) -> RefreshResult:
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
            by_value: dict[str, list[int]] = {}
            for pk, _old, new in rows:
                by_value.setdefault(new, []).append(pk)
            for new, pks in by_value.items():
                # ``updated_at`` is left alone: the history row below is what tells segments this customer changed.
                Customer.objects.filter(pk__in=pks).update(**{attribute: new})
                result.by_value[new] = result.by_value.get(new, 0) + len(pks)
            _append_history(rows, attribute=attribute, reason=reason, now=now)
        result.changed += len(rows)
    return result


def _batch_size(batch_size: int | None) -> int:
    return batch_size or settings.CUSTOMER_REFRESH_BATCH_SIZE


def customers_refresh_value_tiers(
    *,
    customer_ids: Iterable[int] | None = None,
    reason: str = "",
    batch_size: int | None = None,
    now: dt.datetime | None = None,
) -> RefreshResult:
    """Recompute the value tier of every customer (or of ``customer_ids``); return how many changed.

    Customers the registered source does not rate (no sale) are unrated. Idempotent: a second run with the
    same data changes nothing and writes no history. Without a registered source it raises
    ``ImproperlyConfigured`` before writing anything.
    """
    now = now or timezone.now()
    thresholds = TierThresholds.from_settings()
    value_tiers_of = profile_sources.get_value_tiers()
    return _refresh(
        attribute=ProfileAttribute.VALUE_TIER.value,
        compute=lambda scope: value_tiers_of(scope, now=now, thresholds=thresholds),
        default=ValueTier.UNRATED.value,
        customer_ids=customer_ids,
        reason=reason,
        batch_size=_batch_size(batch_size),
        now=now,
    )


def customers_refresh_lifecycle(
    *,
    customer_ids: Iterable[int] | None = None,
    reason: str = "",
    batch_size: int | None = None,
    now: dt.datetime | None = None,
) -> RefreshResult:
    """Move customers (all, or ``customer_ids``) to the lifecycle stage their orders and touches show.

    Customers the registered source does not place are in selection. Without a registered source it raises
    ``ImproperlyConfigured`` before writing anything.
    """
    now = now or timezone.now()
    lifecycle_stages_of = profile_sources.get_lifecycle()
    return _refresh(
        attribute=ProfileAttribute.LIFECYCLE_STAGE.value,
        compute=lambda scope: lifecycle_stages_of(scope, now=now),
        default=LifecycleStage.SELECTION.value,
        customer_ids=customer_ids,
        reason=reason,
        batch_size=_batch_size(batch_size),
        now=now,
    )
