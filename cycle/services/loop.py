"""The loop: what after-sales learns becomes the next preparation stage.

Survey responses, tickets and reviews that the loop has not read yet (``looped_at IS NULL``) are read in
id-ordered batches. Each item that says something about a need (a low score, or words about delivery, price,
quality…) becomes a mention of each Need it names in ``customers`` ("late and expensive": delivery and price);
each customer's satisfaction, last NPS and at-risk / referral flags are recomputed from all their answers (by
after-sales, which owns the answers and their bands). Everything is written through ``customers``' services.

Idempotent: a feedback item is counted once toward each need it names (one NeedMention per item and need,
enforced by the database), scores are recomputed from the source rather than incremented, and only one run is
under way at a time.
"""

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from aftersales.models import Review, SurveyResponse, Ticket, TicketMessage
from aftersales.selectors import satisfaction_scores
from aftersales.services import feedback_mark_looped
from customers.models import NeedCategory, NeedSource
from customers.need_classifier import classify_all, kind_for
from customers.services import (
    Mention,
    MentionResult,
    customers_refresh_lifecycle,
    customers_set_satisfaction,
    needs_record_mentions,
)
from cycle.models import LoopRun, LoopRunStatus
from orders.models import Order

logger = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(minutes=30)
_NOT_A_PROBLEM = {NeedCategory.INFORMATION, NeedCategory.PRODUCT_REQUEST, NeedCategory.OTHER}


@dataclass
class _Totals:
    surveys: int = 0
    tickets: int = 0
    reviews: int = 0
    needs_created: int = 0
    needs_strengthened: int = 0
    mentions: int = 0
    buyers: int = 0
    lifecycle_changed: int = 0
    customers_updated: int = 0


def _batches(queryset: "QuerySet[Any, Any]", size: int) -> Iterator[list[Any]]:
    """Id-ordered keyset pages of rows the loop has not read yet; memory stays flat."""
    last_id = 0
    while True:
        page = list(queryset.filter(looped_at__isnull=True, pk__gt=last_id).order_by("pk")[:size])
        if not page:
            return
        yield page
        last_id = page[-1]["pk"]


def _mentions(
    row: dict[str, Any], text: str, source: str, *, unhappy: bool | None, keep_praise: bool = False
) -> Iterator[Mention]:
    """A mention of each need the text names (``other`` when it names none). ``unhappy=None``: a ticket, a
    complaint when it is about a problem. Praise that names no need is left out unless ``keep_praise``."""
    categories = classify_all(text)
    if categories == (NeedCategory.OTHER,) and not (unhappy or keep_praise):
        return  # praise without a need in it
    for category in categories:
        yield Mention(
            kind=kind_for(category, unhappy=category not in _NOT_A_PROBLEM if unhappy is None else unhappy),
            category=category,
            product_id=row["product_id"],
            source=source,
            source_id=row["pk"],
            customer_id=row["customer_id"],
            excerpt=text,
            heard_at=row["created_at"],
        )


def _survey_mentions(rows: list[dict[str, Any]]) -> Iterator[Mention]:
    low_csat, low_nps = settings.LOOP_LOW_CSAT, settings.LOOP_LOW_NPS
    for row in rows:
        text = " ".join(t for t in (row["comment"], row["product_opinion"]) if t).strip()
        unhappy = row["csat"] <= low_csat or (row["nps"] is not None and row["nps"] <= low_nps)
        yield from _mentions(row, text, NeedSource.SURVEY, unhappy=unhappy)


def _ticket_mentions(rows: list[dict[str, Any]]) -> Iterator[Mention]:
    for row in rows:
        text = " ".join(t for t in (row["subject"], row["first_message"]) if t)
        yield from _mentions(row, text, NeedSource.TICKET, unhappy=None, keep_praise=True)


def _review_mentions(rows: list[dict[str, Any]]) -> Iterator[Mention]:
    for row in rows:
        text = " ".join(t for t in (row["title"], row["body"]) if t).strip()
        yield from _mentions(row, text, NeedSource.REVIEW, unhappy=row["rating"] <= 2)


def _record(totals: _Totals, result: MentionResult) -> None:
    totals.needs_created += result.needs_created
    totals.needs_strengthened += result.needs_strengthened
    totals.mentions += result.mentions_created


def _process(totals: _Totals, batch_size: int) -> None:
    surveys = SurveyResponse.objects.values(
        "pk", "customer_id", "product_id", "csat", "nps", "comment", "product_opinion", "created_at"
    )
    for rows in _batches(surveys, batch_size):
        with transaction.atomic():
            _record(totals, needs_record_mentions(mentions=list(_survey_mentions(rows))))
            customer_ids = {row["customer_id"] for row in rows}
            scores = satisfaction_scores(customer_ids=customer_ids)
            totals.customers_updated += customers_set_satisfaction(scores=scores)
            feedback_mark_looped(surveys=[row["pk"] for row in rows])
        totals.surveys += len(rows)

    first_message = (
        TicketMessage.objects.filter(ticket=OuterRef("pk"), author_kind="customer").order_by("pk").values("body")[:1]
    )
    tickets = Ticket.objects.annotate(first_message=Subquery(first_message)).values(
        "pk", "customer_id", "product_id", "subject", "first_message", "created_at"
    )
    for rows in _batches(tickets, batch_size):
        with transaction.atomic():
            _record(totals, needs_record_mentions(mentions=list(_ticket_mentions(rows))))
            feedback_mark_looped(tickets=[row["pk"] for row in rows])
        totals.tickets += len(rows)

    reviews = Review.objects.values("pk", "customer_id", "product_id", "rating", "title", "body", "created_at")
    for rows in _batches(reviews, batch_size):
        with transaction.atomic():
            _record(totals, needs_record_mentions(mentions=list(_review_mentions(rows))))
            feedback_mark_looped(reviews=[row["pk"] for row in rows])
        totals.reviews += len(rows)


def _buyers(since: dt.datetime, batch_size: int, totals: _Totals) -> None:
    """Customers who ordered since the last run move along the lifecycle: a repeat purchase means extension."""
    recent = Order.objects.filter(placed_at__gte=since).order_by("customer_id").values_list("customer_id", flat=True)
    last_id = 0
    while True:
        ids = list(recent.filter(customer_id__gt=last_id).distinct()[:batch_size])
        if not ids:
            return
        result = customers_refresh_lifecycle(customer_ids=ids, reason="orders seen by the loop")
        totals.buyers += len(ids)
        totals.lifecycle_changed += result.changed
        last_id = ids[-1]


def _since_last_run(run: LoopRun) -> dt.datetime:
    """Orders are read from the start of the last successful run (a day back on the very first run)."""
    previous = LoopRun.objects.filter(status=LoopRunStatus.SUCCEEDED).exclude(pk=run.pk).order_by("-started_at").first()
    return previous.started_at if previous else run.started_at - dt.timedelta(days=1)


def _claim(trigger: str) -> LoopRun | None:
    """Start a run, or return None when another one is under way (a stale one is closed first)."""
    LoopRun.objects.filter(status=LoopRunStatus.RUNNING, started_at__lt=timezone.now() - STALE_AFTER).update(
        status=LoopRunStatus.FAILED, finished_at=timezone.now(), error="Interrupted: the worker stopped mid-run."
    )
    try:
        with transaction.atomic():
            return LoopRun.objects.create(trigger=trigger)
    except IntegrityError:
        return None


def loop_run(*, trigger: str, batch_size: int | None = None) -> LoopRun | None:
    """Run the loop once and record what it read and changed. None when another run is under way."""
    run = _claim(trigger)
    if run is None:
        logger.info("Loop already running; this trigger (%s) is left to it.", trigger)
        return None
    totals = _Totals()
    try:
        _process(totals, batch_size or settings.LOOP_BATCH_SIZE)
        _buyers(_since_last_run(run), batch_size or settings.LOOP_BATCH_SIZE, totals)
    except Exception as exc:
        run.status = LoopRunStatus.FAILED
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
        raise
    else:
        run.status = LoopRunStatus.SUCCEEDED
    finally:
        run.finished_at = timezone.now()
        run.surveys_read, run.tickets_read, run.reviews_read = totals.surveys, totals.tickets, totals.reviews
        run.needs_created, run.needs_strengthened = totals.needs_created, totals.needs_strengthened
        run.customers_updated = totals.customers_updated
        run.details = {
            "mentions_recorded": totals.mentions,
            "buyers_seen": totals.buyers,
            "lifecycle_stages_changed": totals.lifecycle_changed,
        }
        run.save()
    return run
