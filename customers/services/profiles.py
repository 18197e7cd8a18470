"""Value tiers and lifecycle stages, written set-based in batches.

Each run walks the customers once in id-ordered batches. A value tier is computed in the database from the
customer's scores (``CustomerValue``, see ``customers.services.valuation``) by the tier rules
(``customers.valuation.tiers``); a lifecycle stage from the facts the transfer stage registers (see
``customers.registry``), turned into win-back where the scores say the customer is leaving. One more query reads
the batch's current values. Only customers whose value changed are written: one ``UPDATE`` per target value and
multi-row ``INSERT``s of history rows, each with why. A batch costs a bounded number of queries whatever its
size, and memory stays flat however many customers there are.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from customers.models import (
    Customer,
    CustomerHistory,
    CustomerValue,
    LifecycleStage,
    ProfileAttribute,
    TierPolicy,
    ValueTier,
)
from customers.registry import Scope, profile_sources
from customers.valuation.tiers import Rules, churn_q, scores_of, tier_case, tier_of, top_cut


@dataclass
class RefreshResult:
    changed: int = 0
    by_value: dict[str, int] = field(default_factory=dict)


def batches(customer_ids: Iterable[int] | None, batch_size: int) -> Iterator[Scope]:
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


def _joined(reason: str, why: str) -> str:
    return f"{reason}: {why}" if reason and why else reason or why


def _append_history(rows: list[tuple[int, str, str, str]], *, attribute: str, now: dt.datetime) -> None:
    """Multi-row INSERTs of a batch's history: the rows are plain tuples, never model instances."""
    meta = CustomerHistory._meta
    quote = connection.ops.quote_name
    columns = ["customer", "attribute", "old_value", "new_value", "changed_at", "reason"]
    names = ", ".join(quote(meta.get_field(c).column) for c in columns)  # type: ignore[union-attr,arg-type]
    per_statement = min(1000, (connection.features.max_query_params or 6000) // len(columns))
    stamp = connection.ops.adapt_datetimefield_value(now)
    values = [(pk, attribute, old, new, stamp, why[:120]) for pk, old, new, why in rows]
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
    explain: Callable[[list[int]], dict[int, str]] | None = None,
) -> RefreshResult:
    result = RefreshResult()
    for scope in batches(customer_ids, batch_size):
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
        # Why each one changed ("probability still a customer fell to 0.21"), after the run's own reason.
        whys = explain([pk for pk, _old, _new in rows]) if explain is not None else {}
        changes = [(pk, old, new, _joined(reason, whys.get(pk, ""))) for pk, old, new in rows]
        with transaction.atomic():
            by_value: dict[str, list[int]] = {}
            for pk, _old, new, _why in changes:
                by_value.setdefault(new, []).append(pk)
            for new, pks in by_value.items():
                # ``updated_at`` is left alone: the history row below is what tells segments this customer changed.
                Customer.objects.filter(pk__in=pks).update(**{attribute: new})
                result.by_value[new] = result.by_value.get(new, 0) + len(pks)
            _append_history(changes, attribute=attribute, now=now)
        result.changed += len(rows)
    return result


def _batch_size(batch_size: int | None) -> int:
    return batch_size or settings.CUSTOMER_REFRESH_BATCH_SIZE


def values_in(scope: Scope) -> "QuerySet[CustomerValue]":
    if isinstance(scope, tuple):
        return CustomerValue.objects.filter(pk__gt=scope[0], pk__lte=scope[1])
    return CustomerValue.objects.filter(pk__in=scope)


def customers_refresh_value_tiers(
    *,
    customer_ids: Iterable[int] | None = None,
    reason: str = "",
    batch_size: int | None = None,
    now: dt.datetime | None = None,
) -> RefreshResult:
    """Rate every customer (or ``customer_ids``) from their scores by the tier rules; return how many changed.

    Customers without scores (no sale) are unrated. The rule runs in the database (``tier_case``); each change
    is recorded with why. Idempotent: a second run with the same scores changes nothing and writes no history.
    """
    now = now or timezone.now()
    policy = TierPolicy.current()
    rules = Rules(policy=policy, top_cut=top_cut(policy))

    def compute(scope: Scope) -> Iterable[tuple[int, str]]:
        return values_in(scope).annotate(tier=tier_case(rules)).values_list("customer_id", "tier")

    def explain(pks: list[int]) -> dict[int, str]:
        return {value.customer_id: tier_of(value, rules)[1] for value in scores_of(values_in(pks))}

    return _refresh(
        attribute=ProfileAttribute.VALUE_TIER.value,
        compute=compute,
        default=ValueTier.UNRATED.value,
        customer_ids=customer_ids,
        reason=reason,
        batch_size=_batch_size(batch_size),
        now=now,
        explain=explain,
    )


def customers_refresh_lifecycle(
    *,
    customer_ids: Iterable[int] | None = None,
    reason: str = "",
    batch_size: int | None = None,
    now: dt.datetime | None = None,
) -> RefreshResult:
    """Move customers (all, or ``customer_ids``) to the lifecycle stage their behaviour shows.

    Selection, acquisition, retention and extension come from the orders and touches (the registered source);
    a buyer whose scores say the company is probably losing them (``churn_q``) is a win-back target instead.
    Without a registered source it raises ``ImproperlyConfigured`` before writing anything.
    """
    now = now or timezone.now()
    lifecycle_stages_of = profile_sources.get_lifecycle()
    policy = TierPolicy.current()
    buying = {LifecycleStage.RETENTION.value, LifecycleStage.EXTENSION.value}

    def compute(scope: Scope) -> Iterable[tuple[int, str]]:
        stages = dict(lifecycle_stages_of(scope, now=now))
        for pk in values_in(scope).filter(churn_q(policy)).values_list("customer_id", flat=True):
            if stages.get(pk) in buying:
                stages[pk] = LifecycleStage.WIN_BACK.value
        return stages.items()

    def explain(pks: list[int]) -> dict[int, str]:
        rules = Rules(policy=policy, top_cut=None)
        return {
            value.customer_id: tier_of(value, rules)[1] for value in scores_of(values_in(pks).filter(churn_q(policy)))
        }

    return _refresh(
        attribute=ProfileAttribute.LIFECYCLE_STAGE.value,
        compute=compute,
        default=LifecycleStage.SELECTION.value,
        customer_ids=customer_ids,
        reason=reason,
        batch_size=_batch_size(batch_size),
        now=now,
        explain=explain,
    )
