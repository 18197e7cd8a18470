"""Recording AIDA touches: one at a time for services, in bulk for the public tracking endpoints."""

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.agents import AgentKind, agent_kind
from campaigns.models import TOUCH_KIND_STEP, Campaign, Creative, Touch, TouchKind, TouchSource
from campaigns.services.screening import Hit, scanner_hits, touches_mark_bots
from emarketing.db import insert_once
from emarketing.streams import event_id, stream_publish

if TYPE_CHECKING:
    from customers.models import Customer

TEXT_LIMIT = 500
TOUCH_STREAM = "touches"
logger = logging.getLogger(__name__)

PREFETCH_HEADERS = ("HTTP_PURPOSE", "HTTP_SEC_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")


def request_agent(*, user_agent: str, meta: Mapping[str, str] | None = None) -> str:
    """The kind of agent behind an open or a click (``campaigns.agents.AgentKind``): what its ``User-Agent``
    names, and a bot when a browser fetched the page ahead (prefetch, preview) rather than a person following it.
    The timing of the hits (scanners) is judged later, where they are written in bulk (``touch_rows_insert``)."""
    kind = agent_kind(user_agent or "")
    if kind == AgentKind.PERSON and meta:
        for header in PREFETCH_HEADERS:
            if "prefetch" in meta.get(header, "").lower() or "preview" in meta.get(header, "").lower():
                return AgentKind.BOT.value
    return kind


def is_automated(*, user_agent: str, meta: Mapping[str, str] | None = None) -> bool:
    """True for an open or click made by a mail proxy, a bot, a link preview or a scanner rather than by a person
    (``campaigns.agents``), or fetched ahead by a browser's prefetch."""
    return request_agent(user_agent=user_agent, meta=meta) != AgentKind.PERSON


def agent_of(*, agent: str | None, is_automated: bool) -> str:
    """The agent a touch is stored with: the one given, else a bot for an automated touch and a person otherwise
    (``Touch.is_automated`` follows from it)."""
    if agent is None:
        return AgentKind.BOT.value if is_automated else AgentKind.PERSON.value
    if agent not in AGENTS:
        raise ValidationError({"agent": _("Unknown kind of visitor: a person, a mail proxy or a bot.")})
    return str(agent)


KINDS = frozenset(TouchKind.values)
SOURCES = frozenset(TouchSource.values)
AGENTS = frozenset(AgentKind.values)
STEP_OF = {str(kind): str(step) for kind, step in TOUCH_KIND_STEP.items()}
COLUMNS = (
    "customer_id",
    "campaign_id",
    "creative_id",
    "step",
    "kind",
    "source",
    "occurred_at",
    "is_automated",
    "user_agent",
    "referrer",
    "detail",
    "agent",
)
# A touch as the values of COLUMNS, in that order, then its hit id (None for a touch not made at a public endpoint).
TouchRow: TypeAlias = tuple[
    int | None, int | None, int | None, str, str, str, dt.datetime, bool, str, str, str, str, str | None
]


def _clip(value: object) -> str:
    return str(value or "")[:TEXT_LIMIT]


def touch_build(
    *,
    kind: str,
    source: str,
    customer_id: int | None = None,
    campaign_id: int | None = None,
    creative_id: int | None = None,
    occurred_at: dt.datetime | None = None,
    user_agent: str = "",
    referrer: str = "",
    detail: str = "",
    is_automated: bool = False,
    agent: str | None = None,
) -> Touch:
    """An unsaved Touch with its AIDA step derived from its kind; text is clipped, never interpreted.

    ``agent`` (``AgentKind``) says who made it; without it, ``is_automated`` makes it a bot (else a person)."""
    if kind not in KINDS:
        raise ValidationError({"kind": _("Unknown touch kind.")})
    if source not in SOURCES:
        raise ValidationError({"source": _("Unknown touch source.")})
    agent = agent_of(agent=agent, is_automated=is_automated)
    return Touch(
        kind=kind,
        step=TOUCH_KIND_STEP[TouchKind(kind)],
        source=source,
        customer_id=customer_id,
        campaign_id=campaign_id,
        creative_id=creative_id,
        occurred_at=occurred_at or timezone.now(),
        user_agent=_clip(user_agent),
        referrer=_clip(referrer),
        detail=_clip(detail),
        is_automated=agent != AgentKind.PERSON,
        agent=agent,
    )


@transaction.atomic
def touch_record(
    *,
    kind: str,
    source: str,
    customer: "Customer | None" = None,
    campaign: Campaign | None = None,
    creative: Creative | None = None,
    occurred_at: dt.datetime | None = None,
    user_agent: str = "",
    referrer: str = "",
    detail: str = "",
    is_automated: bool = False,
    agent: str | None = None,
) -> Touch:
    """Record one AIDA touch; the step follows from the kind (``TOUCH_KIND_STEP``), ``is_automated`` from the
    agent (see :func:`touch_build`)."""
    if creative is not None and campaign is None:
        campaign = creative.campaign
    touch = touch_build(
        kind=kind,
        source=source,
        customer_id=getattr(customer, "pk", None),
        campaign_id=getattr(campaign, "pk", None),
        creative_id=getattr(creative, "pk", None),
        occurred_at=occurred_at,
        user_agent=user_agent,
        referrer=referrer,
        detail=detail,
        is_automated=is_automated,
        agent=agent,
    )
    touch.customer, touch.campaign, touch.creative = customer, campaign, creative
    # The related rows were handed in as objects: no need to query their existence again.
    touch.full_clean(exclude=["customer", "campaign", "creative"], validate_constraints=False)
    touch.save()
    return touch


@transaction.atomic
def touches_record_bulk(*, touches: list[Touch]) -> int:
    """Insert many touches in a few statements; each gets its step from its kind and ``is_automated`` from its
    agent. Returns how many."""
    for touch in touches:
        if touch.kind not in KINDS or touch.source not in SOURCES:
            raise ValidationError(_("Unknown touch kind or source."))
        touch.step = TOUCH_KIND_STEP[TouchKind(touch.kind)]
        if touch.agent not in AGENTS:
            raise ValidationError(_("Unknown kind of visitor: a person, a mail proxy or a bot."))
        touch.is_automated = touch.agent != AgentKind.PERSON
        touch.user_agent, touch.referrer, touch.detail = (
            _clip(touch.user_agent),
            _clip(touch.referrer),
            _clip(touch.detail),
        )
    Touch.objects.bulk_create(touches, batch_size=1000)
    return len(touches)


def touch_row(
    *,
    kind: str,
    source: str,
    customer_id: int | None = None,
    campaign_id: int | None = None,
    creative_id: int | None = None,
    user_agent: str = "",
    referrer: str = "",
    detail: str = "",
    is_automated: bool = False,
    agent: str | None = None,
    occurred_at: dt.datetime | None = None,
    hit_id: str | None = None,
) -> TouchRow:
    """A touch as a row of values, for the public endpoints' fast path (see :func:`touch_rows_insert`)."""
    if kind not in KINDS or source not in SOURCES:
        raise ValidationError(_("Unknown touch kind or source."))
    agent = agent_of(agent=agent, is_automated=is_automated)
    return (
        customer_id,
        campaign_id,
        creative_id,
        STEP_OF[kind],
        str(kind),
        str(source),
        occurred_at or timezone.now(),
        agent != AgentKind.PERSON,
        _clip(user_agent),
        _clip(referrer),
        _clip(detail),
        agent,
        hit_id,
    )


def touch_rows_screen(rows: list[TouchRow]) -> tuple[list[TouchRow], list[int]]:
    """The rows with those that scanners made, by their timing, turned into a bot's; and the ids of stored
    touches that their burst takes in (``campaigns.services.screening``)."""
    bots, stored = scanner_hits([Hit(row[1], row[0], row[4], row[5], row[6], row[10]) for row in rows])
    if bots:
        rows = [
            (*row[:7], True, *row[8:11], AgentKind.BOT.value, row[12]) if i in bots else row
            for i, row in enumerate(rows)
        ]
    return rows, stored


def touch_rows_insert(rows: list[TouchRow]) -> int:
    """Insert touch rows in one transaction (one prepared statement); returns how many were stored.

    A row whose hit id is already stored (a stream delivering an event again after a consumer died before its
    acknowledgement) is skipped, so each hit is stored once; rows naming deleted rows are dropped. Opens and clicks
    that scanners made, by their timing, are stored as bots first, and the touches already stored that their burst
    takes in are turned into bots (``touch_rows_screen``: a fixed few queries per batch).
    """
    if not rows:
        return 0
    rows, stored = touch_rows_screen(rows)
    table, columns, key = Touch._meta.db_table, (*COLUMNS, "hit_id"), ("hit_id", "occurred_at")
    adapt = connection.ops.adapt_datetimefield_value
    values = [(*row[:6], adapt(row[6]), *row[7:]) for row in rows]
    try:
        with transaction.atomic():
            written = insert_once(table, columns, values, key=key)
            touches_mark_bots(touch_ids=stored)
        return written
    except IntegrityError:
        # A row a touch names was deleted meanwhile: keep the others.
        kept = 0
        for value in values:
            try:
                with transaction.atomic():
                    kept += insert_once(table, columns, [value], key=key)
            except IntegrityError:
                logger.warning("Touch dropped: %s of campaign %s names a deleted row", value[4], value[1])
        touches_mark_bots(touch_ids=stored)
        return kept


def touch_event(**fields: Any) -> dict[str, Any]:
    """A touch from a public endpoint as an event for the ``touches`` stream: its id and time made here, at the
    edge, so that however often the event is delivered it is stored once (fields as for :func:`touch_row`)."""
    row = touch_row(**fields)
    return {**dict(zip(COLUMNS, row[:12], strict=True)), "occurred_at": row[6].isoformat(), "hit_id": event_id()}


def touches_write_events(events: Sequence[Mapping[str, Any]]) -> int:
    """The ``touches`` stream's writer: the events as rows, inserted once each (see :func:`touch_rows_insert`)."""
    rows: list[TouchRow] = []
    for event in events:
        try:
            values = [event[column] for column in COLUMNS]
            values[6] = dt.datetime.fromisoformat(values[6])
            rows.append(cast(TouchRow, (*values, str(event["hit_id"]))))
        except (KeyError, TypeError, ValueError):
            logger.error("Unreadable touch event dropped: %r", event)
    return touch_rows_insert(rows)


def touch_enqueue(**fields: Any) -> None:
    """Record a touch from a public endpoint (fields as for :func:`touch_row`): onto the ``touches`` stream, whose
    consumers write it in bulk, or at once on embedded defaults (``emarketing.streams``)."""
    stream_publish(TOUCH_STREAM, touch_event(**fields))
