"""Segment rules and membership: saved validated, refreshed by a job — incrementally when few customers changed.

A refresh remembers when it ran (``Segment.refreshed_at``). The next one asks which customers changed since
then — their own row (``updated_at``) or a timestamped row of a registered change source that matters to the
rules' fields (``customers.registry.change_sources``: consents, needs heard, tier and stage changes, scores here;
touches and orders registered by their own stages) — and re-evaluates only those. Rules that move with the
calendar ("ordered in the last 90 days", upcoming occasions) add the customers an edge of their window passed
over since the last refresh (``customers.segments.moved_by_calendar``): a customer leaves "the last 90 days"
when the 91st day starts in their time zone, though nothing of theirs changed. When too many changed, or the
rules changed, it rebuilds the whole membership instead, still set-based.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, Max, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from customers.models import Customer, Segment, SegmentCondition, SegmentDeparture, SegmentMembership
from customers.registry import change_sources
from customers.segments import Calendar, compile_rules, fields_of, matching_customers, moved_by_calendar, validate_rules


@dataclass
class SegmentRefreshResult:
    mode: str
    added: int = 0
    removed: int = 0
    examined: int = 0


def _rows_from_rules(segment: Segment, rules: dict[str, Any]) -> list[SegmentCondition]:
    rows = []
    for number, group in enumerate(rules.get("any", []), start=1):
        for cond in group["all"]:
            value = cond.get("value", "")
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            rows.append(
                SegmentCondition(
                    segment=segment,
                    group=number,
                    field=cond["field"],
                    lookup=cond["lookup"],
                    value=str(value),
                    campaign_id=cond.get("campaign"),
                )
            )
    return rows


@transaction.atomic
def segment_save_rules(*, segment: Segment, rules: Any, sync_conditions: bool = True) -> Segment:
    """Validate and store a segment's rules (RuleError names the fault); the next refresh rebuilds it in full.

    A segment with rules is refreshed by the jobs; one without keeps the members picked by hand.

    With ``sync_conditions`` the rows of the admin form are rewritten to show the same rules.
    """
    rules = validate_rules(rules)
    segment.rules = rules
    segment.is_dynamic = bool(rules)  # without rules, members are picked by hand
    segment.refreshed_at = None
    segment.full_clean()
    segment.save()
    if sync_conditions:
        SegmentCondition.objects.filter(segment=segment).delete()
        SegmentCondition.objects.bulk_create(_rows_from_rules(segment, rules))
    return segment


def changed_since(since: dt.datetime, fields: set[str] | None = None) -> list["QuerySet[Any]"]:
    """The ids of the customers whose data changed after ``since``, one query per source: their own row, then each
    timestamped source hanging off them that matters to ``fields`` (every source when None)."""
    own = Customer.objects.filter(updated_at__gt=since).order_by().values("pk")
    sources = change_sources.values() if fields is None else change_sources.for_fields(fields)
    return [own, *(source(since).order_by() for source in sources)]


def _changed_rows(
    segment: Segment, rules: dict[str, Any], since: dt.datetime, now: dt.datetime, limit: int
) -> list[tuple[int, bool, bool]] | None:
    """For each changed customer, whether the rules select them and whether they are a member.

    Changed: since ``since`` by their data, or since the last refresh by the calendar. The ids come from the
    sources' own indexes (one UNION), then the customers are read by primary key. Returns None when more than
    ``limit`` customers changed: one pass over everyone is then cheaper.
    """
    assert segment.refreshed_at is not None
    calendar = Calendar(now)
    q = compile_rules(rules, calendar=calendar)
    assert q is not None  # only segments with rules are refreshed incrementally
    sources = changed_since(since, fields_of(rules))
    sources += moved_by_calendar(rules, Calendar(segment.refreshed_at, calendar.time_zones), calendar)
    # The ids first, from the sources' own indexes; then the customers by primary key, a known number of them (a
    # planner guessing how many the sources give could scan every customer to join them).
    ids = sorted({next(iter(row.values())) for row in sources[0].union(*sources[1:])[: limit + 1]})
    if len(ids) > limit:
        return None
    selected = ExpressionWrapper(q, output_field=BooleanField())
    member = Exists(SegmentMembership.objects.filter(segment=segment, customer=OuterRef("pk")))
    rows: list[tuple[int, bool, bool]] = []
    for i in range(0, len(ids), 5000):
        rows += (
            Customer.objects.filter(pk__in=ids[i : i + 5000])
            .order_by()
            .annotate(selected=selected, member=member)
            .values_list("pk", "selected", "member")
        )
    return rows


def _incremental(segment: Segment, rows: list[tuple[int, bool, bool]], now: dt.datetime) -> SegmentRefreshResult:
    """Only the customers whose two answers differ lead to a write."""
    leaving = [pk for pk, is_selected, is_member in rows if is_member and not is_selected]
    joining = [pk for pk, is_selected, is_member in rows if is_selected and not is_member]
    for i in range(0, len(leaving), 5000):
        SegmentMembership.objects.filter(segment=segment, customer_id__in=leaving[i : i + 5000]).delete()
    SegmentDeparture.objects.bulk_create(
        [SegmentDeparture(segment=segment, customer_id=pk, left_at=now) for pk in leaving], batch_size=5000
    )
    SegmentMembership.objects.bulk_create(
        [SegmentMembership(segment=segment, customer_id=pk, added_at=now) for pk in joining],
        ignore_conflicts=True,
        batch_size=5000,
    )
    return SegmentRefreshResult(mode="incremental", examined=len(rows), added=len(joining), removed=len(leaving))


def _insert_members(segment: Segment, customer_ids: "QuerySet[Any]", now: dt.datetime) -> int:
    """``INSERT … SELECT`` of the customers ``customer_ids`` selects (one column): the rules are evaluated once, in
    the database, and no id travels to Python."""
    sql, params = customer_ids.query.sql_with_params()
    meta = SegmentMembership._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in ("customer", "segment", "added_at"))  # type: ignore[union-attr,arg-type]
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT joining.*, %s, %s FROM ({sql}) joining",  # noqa: S608 - the ORM's own SQL and the model's names
            [segment.pk, stamp, *params],
        )
        return max(int(cursor.rowcount), 0)


def _leave(segment: Segment, leaving: "QuerySet[SegmentMembership]", now: dt.datetime) -> int:
    """Delete the memberships ``leaving`` selects, recording each departure first (``INSERT … SELECT``)."""
    sql, params = leaving.order_by().values_list("customer_id").query.sql_with_params()
    meta = SegmentDeparture._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in ("customer", "segment", "left_at"))  # type: ignore[union-attr,arg-type]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT gone.*, %s, %s FROM ({sql}) gone",  # noqa: S608 - the ORM's own SQL and the model's names
            [segment.pk, connection.ops.adapt_datetimefield_value(now), *params],
        )
    return leaving.delete()[0]


def _full(segment: Segment, rules: dict[str, Any], now: dt.datetime) -> SegmentRefreshResult:
    """Every customer re-evaluated, only the difference written: one ``DELETE`` of those who left, one
    ``INSERT … SELECT`` of those who joined."""
    result = SegmentRefreshResult(mode="full")
    stale = SegmentMembership.objects.filter(segment=segment)
    if not rules:
        result.removed = _leave(segment, stale, now)
        return result
    members = matching_customers(rules, calendar=Calendar(now)).order_by()
    # NOT EXISTS, not NOT IN: PostgreSQL answers it with an anti-join however many members there are.
    result.removed = _leave(segment, stale.exclude(Exists(members.filter(pk=OuterRef("customer_id")))), now)
    existing = SegmentMembership.objects.filter(segment=segment, customer=OuterRef("pk"))
    result.added = _insert_members(segment, members.exclude(Exists(existing)).values("pk"), now)
    return result


@transaction.atomic
def segment_refresh(*, segment: Segment, full: bool = False, now: dt.datetime | None = None) -> SegmentRefreshResult:
    """Bring a rule-based segment's membership up to date; hand-picked segments are left as they are."""
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if not segment.is_dynamic:
        return SegmentRefreshResult(mode="manual")
    now = now or timezone.now()
    rules = validate_rules(segment.rules)
    limit = incremental_limit()
    margin = dt.timedelta(seconds=settings.CUSTOMER_SEGMENT_WATERMARK_MARGIN_SECONDS)
    rows = None
    if not full and rules and segment.refreshed_at is not None and segment.refreshed_at <= now:
        rows = _changed_rows(segment, rules, segment.refreshed_at - margin, now, limit)
    if rows is not None:
        result = _incremental(segment, rows, now)
        count = segment.member_count + result.added - result.removed
    else:
        result = _full(segment, rules, now)
        count = SegmentMembership.objects.filter(segment=segment).count()
    Segment.objects.filter(pk=segment.pk).update(member_count=count, refreshed_at=now, updated_at=now)
    return result


def incremental_limit() -> int:
    """How many changed customers a refresh still examines one by one: ``CUSTOMER_SEGMENT_INCREMENTAL_LIMIT``,
    or ``CUSTOMER_SEGMENT_INCREMENTAL_SHARE`` of the customers when that is more (the highest id stands for
    their number: one index lookup)."""
    highest = Customer.objects.aggregate(highest=Max("pk"))["highest"] or 0
    share = float(settings.CUSTOMER_SEGMENT_INCREMENTAL_SHARE)
    return max(int(settings.CUSTOMER_SEGMENT_INCREMENTAL_LIMIT), int(highest * share))


def segments_rebuild_next() -> int:
    """Have the next refresh of every rule-based segment rebuild it in full: after a change that no change source
    dates (an order history import brings orders placed in the past)."""
    return Segment.objects.filter(is_dynamic=True).update(refreshed_at=None)


def segments_refresh_all(*, full: bool = False) -> dict[int, SegmentRefreshResult]:
    """Refresh every rule-based segment, each in its own transaction."""
    return {
        pk: segment_refresh(segment=Segment(pk=pk), full=full)
        for pk in Segment.objects.filter(is_dynamic=True).order_by("pk").values_list("pk", flat=True)
    }


@transaction.atomic
def segment_members_add(*, segment: Segment, customer_ids: "QuerySet[Any]", now: dt.datetime | None = None) -> int:
    """Add the customers ``customer_ids`` selects (one column) to a hand-kept segment, set-based; those already in it
    stay as they are. A segment refreshed by rules is refused: its members are the rules' to choose."""
    if segment.is_dynamic:
        raise ValidationError(gettext("The members of a segment refreshed by rules follow its rules."))
    now = now or timezone.now()
    fresh = Customer.objects.filter(pk__in=customer_ids).exclude(
        Exists(SegmentMembership.objects.filter(segment=segment, customer=OuterRef("pk")))
    )
    added = _insert_members(segment, fresh.order_by().values("pk"), now)
    Segment.objects.filter(pk=segment.pk).update(member_count=segment.memberships.count())
    return added


@transaction.atomic
def segment_members_remove(*, segment: Segment, customer_ids: "QuerySet[Any]") -> int:
    """Take the customers ``customer_ids`` selects out of a hand-kept segment (refused for one refreshed by rules)."""
    if segment.is_dynamic:
        raise ValidationError(gettext("The members of a segment refreshed by rules follow its rules."))
    removed = _leave(
        segment, SegmentMembership.objects.filter(segment=segment, customer_id__in=customer_ids), timezone.now()
    )
    Segment.objects.filter(pk=segment.pk).update(member_count=segment.memberships.count())
    return removed
