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
from typing import Any

from django.conf import settings
from django.db import transaction
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
from customers.valuation.tiers import Rules, Scores, churn_q, churning, scores_of, tier_case, tier_of, top_cut
from emarketing.bulk_insert import RowInserter


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


HISTORY_FIELDS = ("customer_id", "attribute", "old_value", "new_value", "changed_at", "reason")


def _append_history(rows: list[tuple[int, str, str, str, str]], *, now: dt.datetime) -> None:
    """A batch's history, ``(customer, attribute, old, new, why)``, in one multi-row INSERT (COPY on PostgreSQL):
    plain tuples, never model instances."""
    RowInserter(CustomerHistory, HISTORY_FIELDS).insert(
        [(pk, attribute, old, new, now, why[:120]) for pk, attribute, old, new, why in rows]
    )


def _scores(scope: Scope, pks: list[int]) -> Iterator[Scores]:
    """The scores of the customers ``pks`` of a batch: read by the batch's id range when they are many (no long
    list of ids to send), by their ids when few."""
    if isinstance(scope, tuple) and len(pks) > 500:
        wanted = set(pks)
        return (row for row in scores_of(values_in(scope)) if row.customer_id in wanted)
    return scores_of(values_in(pks))


@dataclass(frozen=True)
class Attribute:
    """One profile attribute a refresh sets: how a batch's values are computed (customers left out take
    ``default``), and why a customer's value changed (``explain``, optional)."""

    name: str
    compute: Callable[[Scope], Iterable[tuple[int, str]]]
    default: str
    explain: Callable[[Scope, list[int]], dict[int, str]] | None = None


def _refresh(
    *,
    attributes: list[Attribute],
    customer_ids: Iterable[int] | None,
    reason: str,
    batch_size: int,
    now: dt.datetime,
) -> dict[str, RefreshResult]:
    """Set ``attributes`` for every customer (or ``customer_ids``), batch by batch: a customer whose values change
    is written once, every changed attribute in the same UPDATE (customers with the same changes share one), with
    a history row per attribute."""
    results = {attribute.name: RefreshResult() for attribute in attributes}
    names = [attribute.name for attribute in attributes]
    for scope in batches(customer_ids, batch_size):
        customers = (
            Customer.objects.filter(pk__gt=scope[0], pk__lte=scope[1])
            if isinstance(scope, tuple)
            else Customer.objects.filter(pk__in=scope)
        )
        fresh = [dict(attribute.compute(scope)) for attribute in attributes]
        changed: list[list[tuple[int, str, str]]] = [[] for _ in attributes]
        updates: dict[tuple[tuple[str, str], ...], list[int]] = {}
        for pk, *olds in customers.order_by().values_list("pk", *names):
            change = []
            for i, attribute in enumerate(attributes):
                new = fresh[i].get(pk, attribute.default)
                if new != olds[i]:
                    changed[i].append((pk, olds[i], new))
                    change.append((attribute.name, new))
            if change:
                updates.setdefault(tuple(change), []).append(pk)
        if not updates:
            continue
        history = []
        for i, attribute in enumerate(attributes):
            if not changed[i]:
                continue
            # Why each one changed ("probability still a customer fell to 0.21"), after the run's own reason.
            pks = [pk for pk, _old, _new in changed[i]]
            whys = attribute.explain(scope, pks) if attribute.explain is not None else {}
            history += [
                (pk, attribute.name, old, new, _joined(reason, whys.get(pk, ""))) for pk, old, new in changed[i]
            ]
            results[attribute.name].changed += len(pks)
        with transaction.atomic():
            for changes, ids in updates.items():
                # ``updated_at`` is left alone: the history row below is what tells segments this customer changed.
                Customer.objects.filter(pk__in=ids).update(**dict(changes))
                for name, new in changes:
                    by_value = results[name].by_value
                    by_value[new] = by_value.get(new, 0) + len(ids)
            _append_history(history, now=now)
    return results


def _batch_size(batch_size: int | None) -> int:
    return batch_size or settings.CUSTOMER_REFRESH_BATCH_SIZE


def values_in(scope: Scope) -> "QuerySet[CustomerValue]":
    if isinstance(scope, tuple):
        return CustomerValue.objects.filter(pk__gt=scope[0], pk__lte=scope[1])
    return CustomerValue.objects.filter(pk__in=scope)


def _tier_attribute() -> Attribute:
    policy = TierPolicy.current()
    rules = Rules(policy=policy, top_cut=top_cut(policy))

    def compute(scope: Scope) -> Iterable[tuple[int, str]]:
        return values_in(scope).annotate(tier=tier_case(rules)).values_list("customer_id", "tier")

    def explain(scope: Scope, pks: list[int]) -> dict[int, str]:
        return {value.customer_id: tier_of(value, rules)[1] for value in _scores(scope, pks)}

    return Attribute(ProfileAttribute.VALUE_TIER.value, compute, ValueTier.UNRATED.value, explain)


def _stage_attribute(now: dt.datetime) -> Attribute:
    lifecycle_stages_of = profile_sources.get_lifecycle()
    policy = TierPolicy.current()
    buying = {LifecycleStage.RETENTION.value, LifecycleStage.EXTENSION.value}

    def compute(scope: Scope) -> Iterable[tuple[int, str]]:
        stages = dict(lifecycle_stages_of(scope, now=now))
        for pk in values_in(scope).filter(churn_q(policy)).values_list("customer_id", flat=True):
            if stages.get(pk) in buying:
                stages[pk] = LifecycleStage.WIN_BACK.value
        return stages.items()

    def explain(scope: Scope, pks: list[int]) -> dict[int, str]:
        rules = Rules(policy=policy, top_cut=None)
        return {value.customer_id: tier_of(value, rules)[1] for value in _scores(scope, pks) if churning(value, policy)}

    return Attribute(ProfileAttribute.LIFECYCLE_STAGE.value, compute, LifecycleStage.SELECTION.value, explain)


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
    attribute = _tier_attribute()
    results = _refresh(
        attributes=[attribute], customer_ids=customer_ids, reason=reason, batch_size=_batch_size(batch_size), now=now
    )
    return results[attribute.name]


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
    attribute = _stage_attribute(now)
    results = _refresh(
        attributes=[attribute], customer_ids=customer_ids, reason=reason, batch_size=_batch_size(batch_size), now=now
    )
    return results[attribute.name]


def customers_refresh_tiers_and_stages(
    *,
    customer_ids: Iterable[int] | None = None,
    reason: str = "",
    batch_size: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[RefreshResult, RefreshResult]:
    """Value tiers and lifecycle stages in one pass: a customer whose tier and stage both change is written once.
    What the nightly refresh runs after the scores."""
    now = now or timezone.now()
    tier, stage = _tier_attribute(), _stage_attribute(now)
    results = _refresh(
        attributes=[tier, stage], customer_ids=customer_ids, reason=reason, batch_size=_batch_size(batch_size), now=now
    )
    return results[tier.name], results[stage.name]


# The profile fields that a journey (or any bulk action) may set, with the values each takes.
SETTABLE_FLAGS = {"at_risk": (True, False), "referral_candidate": (True, False)}


@transaction.atomic
def customers_flag_set(*, customer_ids: "QuerySet[Any]", field: str, value: bool) -> int:
    """Set one of :data:`SETTABLE_FLAGS` on the customers ``customer_ids`` selects, in one UPDATE; returns how many
    changed."""
    if field not in SETTABLE_FLAGS or value not in SETTABLE_FLAGS[field]:
        raise ValueError(f"{field!r} = {value!r} is not a profile flag that can be set in bulk.")
    return (
        Customer.objects.filter(pk__in=customer_ids)
        .exclude(**{field: value})
        .update(**{field: value, "updated_at": timezone.now()})
    )
