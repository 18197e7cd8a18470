"""Needs heard in feedback: what the loop writes into preparation when a customer says what they lack."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Now

from customers.events import need_created
from customers.models import Need, NeedMention
from customers.need_classifier import TITLES


@dataclass(frozen=True)
class Mention:
    """One need heard in one feedback item, ready to become (or strengthen) a need. An item that names two
    needs gives two mentions."""

    kind: str
    category: str
    product_id: int | None
    source: str
    source_id: int
    customer_id: int | None
    excerpt: str
    heard_at: dt.datetime
    # A search that found nothing (normalised): a want of its own per query.
    query: str = ""

    @property
    def need_key(self) -> tuple[str, str, int | None, str]:
        return (self.kind, self.category, self.product_id, self.query)


@dataclass
class MentionResult:
    needs_created: int = 0
    needs_strengthened: int = 0
    mentions_created: int = 0


NeedKey = tuple[str, str, int | None, str]


def _needs_for_keys(keys: set[NeedKey]) -> dict[NeedKey, Need]:
    found = Need.objects.filter(
        kind__in={k for k, _, _, _ in keys},
        category__in={c for _, c, _, _ in keys},
        query__in={q for _, _, _, q in keys},
    ).filter(Q(product_id__in={p for _, _, p, _ in keys if p is not None}) | Q(product__isnull=True))
    return {(n.kind, n.category, n.product_id, n.query): n for n in found}


@transaction.atomic
def needs_record_mentions(*, mentions: list[Mention]) -> MentionResult:
    """Turn a batch of classified feedback into needs, set-based: a fixed number of queries per batch.

    A feedback item is counted once, ever, toward each need it names: an item already heard is skipped whole,
    the same need named twice in one item counts once, and the database keeps one NeedMention per
    (source, source_id, need), so a batch delivered twice changes nothing the second time.
    """
    result = MentionResult()
    if not mentions:
        return result
    by_source: dict[str, list[int]] = {}
    for m in mentions:
        by_source.setdefault(m.source, []).append(m.source_id)
    source_filter = Q()
    for source, ids in by_source.items():
        source_filter |= Q(source=source, source_id__in=ids)
    already = set(NeedMention.objects.filter(source_filter).values_list("source", "source_id"))
    fresh = [m for m in mentions if (m.source, m.source_id) not in already]
    # The same need named twice by one item (or the same item twice in one batch) counts once.
    fresh = list({(m.source, m.source_id, m.need_key): m for m in fresh}.values())
    if not fresh:
        return result

    keys = {m.need_key for m in fresh}
    needs = _needs_for_keys(keys)
    missing = keys - needs.keys()
    if missing:
        first: dict[NeedKey, Mention] = {}
        for m in fresh:
            if m.need_key in missing and m.need_key not in first:
                first[m.need_key] = m
        Need.objects.bulk_create(
            [
                Need(
                    kind=m.kind,
                    category=m.category,
                    product_id=m.product_id,
                    title=m.query or str(TITLES.get(m.category, m.category)),  # type: ignore[call-overload]
                    source=m.source,
                    query=m.query,
                    first_heard_at=m.heard_at,
                    last_heard_at=m.heard_at,
                )
                for m in first.values()
            ],
            ignore_conflicts=True,
        )
        needs = _needs_for_keys(keys)
        result.needs_created = len(missing)
        for key in sorted(missing, key=str):
            if key in needs:
                need_created(needs[key])
    result.needs_strengthened = len(keys - missing)

    NeedMention.objects.bulk_create(
        [
            NeedMention(
                need=needs[m.need_key],
                customer_id=m.customer_id,
                source=m.source,
                source_id=m.source_id,
                excerpt=m.excerpt[:500],
                heard_at=m.heard_at,
            )
            for m in fresh
        ],
        ignore_conflicts=True,
    )
    result.mentions_created = len(fresh)

    # Add what this batch heard to each need. Needs heard equally often share one UPDATE (a handful per
    # batch); the latest mention comes from the (need, heard_at) index, one seek per need.
    heard: dict[int, int] = {}
    for m in fresh:
        need_id = needs[m.need_key].pk
        heard[need_id] = heard.get(need_id, 0) + 1
    by_count: dict[int, list[int]] = {}
    for need_id, count in heard.items():
        by_count.setdefault(count, []).append(need_id)
    for count, need_ids in by_count.items():
        Need.objects.filter(pk__in=need_ids).update(mention_count=F("mention_count") + count, updated_at=Now())
    latest = NeedMention.objects.filter(need=OuterRef("pk")).order_by("-heard_at").values("heard_at")[:1]
    Need.objects.filter(pk__in=heard).update(last_heard_at=Subquery(latest))
    return result
