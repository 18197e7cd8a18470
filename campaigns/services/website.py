"""Website events: made at the edge (the snippet's endpoint, the shop's backend), carried on the ``web`` stream and
written in bulk, each once, by :func:`web_events_write`.

A stream carries two types of entry, in the order they happened: ``event`` (one thing a visitor did) and
``identify`` (a visitor turned out to be a customer). The writer stores the visitors, gives each event the customer
its visitor is known as (events still in the stream when the visitor identified included), inserts the events once
each (``ON CONFLICT (hit_id, occurred_at) DO NOTHING``), records an AIDA touch for each event of a known customer
(the same hit id, so it too is stored once), gives the past events of a visitor who just identified the customer
(one bounded ``UPDATE`` by visitor id), and turns searches that found nothing into wants on the needs board.
"""

import datetime as dt
import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import DIRECT, WEB_EVENT_TOUCH, TouchSource, Visitor, VisitorConsent, WebEvent, WebEventKind
from campaigns.services.tracking import TouchRow, touch_row, touch_rows_insert
from customers.models import Customer
from customers.services.needs_searched import SearchHeard, needs_record_searches
from emarketing.db import insert_once
from emarketing.streams import event_id, stream_publish

WEB_STREAM = "web"
logger = logging.getLogger(__name__)

VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
KINDS = frozenset(WebEventKind.values)
# How long ago the snippet may say an event happened (it sends in batches): older claims are cut to this.
MAX_AGE = dt.timedelta(minutes=10)
MAX_VALUE = Decimal("999999999999.99")
COLUMNS = (
    "hit_id",
    "visitor_id",
    "customer_id",
    "kind",
    "path",
    "referrer",
    "source",
    "medium",
    "campaign_name",
    "product_ref",
    "product_id",
    "product_name",
    "query",
    "results",
    "value",
    "occurred_at",
)
_LIMITS = {
    "path": 500,
    "referrer": 500,
    "source": 100,
    "medium": 100,
    "campaign_name": 100,
    "product_ref": 100,
    "product_name": 200,
    "query": 200,
}


def _text(value: object, limit: int) -> str:
    return value[:limit].strip() if isinstance(value, str) else ""


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def own_hosts() -> frozenset[str]:
    """The shop's own hosts: those of ``WEBSITE_ALLOWED_ORIGINS``. A visit referred by one of them is a visitor
    moving inside the shop, not a source."""
    return frozenset(_host(origin) for origin in settings.WEBSITE_ALLOWED_ORIGINS) - {""}


def traffic_source(*, url: str, referrer: str) -> tuple[str, str, str]:
    """Where a visit came from, as (source, medium, campaign): the link's ``utm_*`` tags, else the host of the
    site that referred it, else ``direct`` (typed, a bookmark, or a move inside the shop)."""
    try:
        tags = parse_qs(urlsplit(url).query)
    except ValueError:
        tags = {}

    def tag(name: str) -> str:
        return (tags.get(name) or [""])[0].strip()[:100]

    if tag("utm_source"):
        return tag("utm_source").lower(), tag("utm_medium").lower(), tag("utm_campaign")
    host = _host(referrer)
    if host and host not in own_hosts() and host != _host(url):
        return host.removeprefix("www.")[:100], "referral", ""
    return DIRECT, "", ""


def _path(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def web_event(
    *,
    raw: Mapping[str, Any],
    visitor_id: str,
    customer_id: int | None = None,
    landing: Mapping[str, Any] | None = None,
    consent: str = VisitorConsent.GRANTED,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """One event as the snippet or the shop's backend describes it (``raw``: ``kind``, ``url``, ``referrer``,
    ``ref``, ``id``, ``name``, ``q``, ``results``, ``value``, ``age`` in milliseconds), checked and clipped, with
    its id and time made here, as an entry of the ``web`` stream. Raises ValidationError for an unknown kind.

    The source is the landing page's (where this visit entered the shop) when the snippet sends one."""
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ValidationError({"kind": _("Unknown website event.")})
    now = now or timezone.now()
    try:
        age = dt.timedelta(milliseconds=min(max(int(raw.get("age") or 0), 0), 10**9))
    except (TypeError, ValueError):
        age = dt.timedelta(0)
    url, referrer = _text(raw.get("url"), 2000), _text(raw.get("referrer"), 2000)
    landing = landing or {}
    entry_url = _text(landing.get("url"), 2000) or url
    entry_referrer = _text(landing.get("referrer"), 2000) if landing.get("url") else referrer
    source, medium, campaign = traffic_source(url=entry_url, referrer=entry_referrer)
    product_id = raw.get("id")
    results = raw.get("results")
    try:
        value = Decimal(str(raw["value"])).quantize(Decimal("0.01")) if raw.get("value") not in (None, "") else None
        if value is not None and not (0 <= value <= MAX_VALUE):
            value = None
    except (InvalidOperation, ValueError):
        value = None
    event = {
        "type": "event",
        "hit_id": event_id(),
        "visitor_id": visitor_id,
        "customer_id": customer_id,
        "consent": consent,
        "kind": kind,
        "path": _path(url),
        "referrer": referrer,
        "source": source,
        "medium": medium,
        "campaign_name": campaign,
        "product_ref": _text(raw.get("ref"), 100),
        "product_id": product_id if isinstance(product_id, int) and 0 < product_id < 2**63 else None,
        "product_name": _text(raw.get("name"), 200),
        "query": _text(raw.get("q"), 200),
        "results": results if isinstance(results, int) and 0 <= results < 2**31 else None,
        "value": str(value) if value is not None else None,
        "occurred_at": (now - min(age, MAX_AGE)).isoformat(),
    }
    for column, limit in _LIMITS.items():
        event[column] = str(event[column] or "")[:limit]
    return event


def identify_event(*, visitor_id: str, customer_id: int) -> dict[str, Any]:
    """An entry of the ``web`` stream saying that ``visitor_id`` is this customer."""
    return {"type": "identify", "visitor_id": visitor_id, "customer_id": customer_id, "at": timezone.now().isoformat()}


def web_events_publish(entries: Sequence[dict[str, Any]]) -> None:
    """Put entries (:func:`web_event`, :func:`identify_event`) onto the ``web`` stream, in order; on embedded
    defaults each is written at once (``emarketing.streams``)."""
    for entry in entries:
        stream_publish(WEB_STREAM, entry)


def _row(event: Mapping[str, Any], customer_id: int | None) -> tuple[Any, ...]:
    adapt = connection.ops.adapt_datetimefield_value
    values = {**event, "customer_id": customer_id}
    values["hit_id"] = str(uuid.UUID(str(event["hit_id"])))
    values["occurred_at"] = adapt(dt.datetime.fromisoformat(event["occurred_at"]))
    values["value"] = connection.ops.adapt_decimalfield_value(
        Decimal(event["value"]) if event.get("value") is not None else None, 14, 2
    )
    return tuple(values[column] for column in COLUMNS)


def _insert(rows: list[tuple[Any, ...]]) -> int:
    return insert_once(WebEvent._meta.db_table, COLUMNS, rows, key=("hit_id", "occurred_at"))


def _visitors_seen(events: list[Mapping[str, Any]]) -> None:
    """Store the visitors of a batch (one prepared statement): new ones with their first and last event, known ones
    with their last event moved on."""
    seen: dict[str, list[Any]] = {}
    for event in events:
        at = dt.datetime.fromisoformat(event["occurred_at"])
        row = seen.get(event["visitor_id"])
        if row is None:
            seen[event["visitor_id"]] = [event["visitor_id"], event["consent"], at, at]
        else:
            row[2], row[3] = min(row[2], at), max(row[3], at)
    if not seen:
        return
    quote = connection.ops.quote_name
    table, last = quote(Visitor._meta.db_table), quote("last_seen_at")
    sql = (
        f"INSERT INTO {table} ({quote('visitor_id')}, {quote('consent')}, {quote('first_seen_at')}, {last})"  # noqa: S608
        f" VALUES (%s, %s, %s, %s) ON CONFLICT ({quote('visitor_id')}) DO UPDATE SET"
        f" {quote('consent')} = excluded.{quote('consent')},"
        f" {last} = CASE WHEN excluded.{last} > {table}.{last} THEN excluded.{last} ELSE {table}.{last} END"
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(v, c, adapt(first), adapt(last_at)) for v, c, first, last_at in seen.values()])


def _identified(identifies: list[Mapping[str, Any]]) -> dict[str, int]:
    """Store who each identified visitor is; returns visitor id -> customer id (customers that still exist)."""
    wanted = {str(i["visitor_id"]): int(i["customer_id"]) for i in identifies}
    alive = set(
        Customer.objects.filter(pk__in=set(wanted.values()), erased_at__isnull=True).values_list("pk", flat=True)
    )
    merged = {visitor: customer for visitor, customer in wanted.items() if customer in alive}
    now = timezone.now()
    Visitor.objects.bulk_create(
        [
            Visitor(
                visitor_id=visitor,
                customer_id=customer,
                consent=VisitorConsent.GRANTED,
                first_seen_at=now,
                last_seen_at=now,
                identified_at=now,
            )
            for visitor, customer in merged.items()
        ],
        update_conflicts=True,
        unique_fields=["visitor_id"],
        update_fields=["customer", "identified_at"],
    )
    return merged


def visitor_events_merge(*, visitor_id: str, customer_id: int, now: dt.datetime | None = None) -> list[TouchRow]:
    """Give the past events of a visitor who identified the customer: one ``UPDATE`` by visitor id, bounded to the
    last ``WEBSITE_MERGE_DAYS`` days (so on PostgreSQL only those months' partitions are read). Returns the
    touches those events now count as for the customer (not yet inserted)."""
    since = (now or timezone.now()) - dt.timedelta(days=settings.WEBSITE_MERGE_DAYS)
    events = WebEvent.objects.filter(visitor_id=visitor_id, customer__isnull=True, occurred_at__gte=since)
    merged = list(events.values_list("hit_id", "kind", "path", "referrer", "occurred_at")[:10_000])
    events.update(customer_id=customer_id)
    return [
        _touch(customer_id=customer_id, kind=kind, detail=path, referrer=referrer, at=at, hit_id=str(hit_id))
        for hit_id, kind, path, referrer, at in merged
    ]


def _touch(*, customer_id: int, kind: str, detail: str, referrer: str, at: dt.datetime, hit_id: str) -> TouchRow:
    return touch_row(
        kind=WEB_EVENT_TOUCH[WebEventKind(kind)],
        source=TouchSource.WEBSITE,
        customer_id=customer_id,
        referrer=referrer,
        detail=detail,
        occurred_at=at,
        hit_id=hit_id,
    )


def _search_id(hit_id: str) -> int:
    # The random low bits of the hit id: the same search delivered twice has the same number.
    return uuid.UUID(hit_id).int & (2**63 - 1)


@transaction.atomic
def web_events_write(entries: Sequence[Mapping[str, Any]]) -> int:
    """The ``web`` stream's writer (see the module's docstring); returns how many events it stored."""
    events: list[Mapping[str, Any]] = []
    identifies: list[Mapping[str, Any]] = []
    for entry in entries:
        try:
            if entry.get("type") == "identify":
                if VISITOR_ID.match(str(entry["visitor_id"])) and int(entry["customer_id"]) > 0:
                    identifies.append(entry)
            elif entry.get("kind") in KINDS and VISITOR_ID.match(str(entry.get("visitor_id") or "")):
                dt.datetime.fromisoformat(entry["occurred_at"])
                uuid.UUID(str(entry["hit_id"]))
                events.append(entry)
            elif entry.get("kind") in KINDS and entry.get("customer_id"):  # the shop's backend, no browser
                events.append({**entry, "visitor_id": ""})
            else:
                logger.error("Unreadable website event dropped: %r", entry)
        except (KeyError, TypeError, ValueError):
            logger.error("Unreadable website event dropped: %r", entry)
    if not events and not identifies:
        return 0
    _visitors_seen([e for e in events if e["visitor_id"]])
    merged = _identified(identifies)
    # Whom each event is: the customer it names, else the one its visitor is known as.
    visitor_ids = {e["visitor_id"] for e in events if e["visitor_id"] and not e.get("customer_id")}
    known = dict(
        Visitor.objects.filter(visitor_id__in=visitor_ids, customer__isnull=False).values_list(
            "visitor_id", "customer_id"
        )
    )
    named = {int(e["customer_id"]) for e in events if e.get("customer_id")}
    alive = set(Customer.objects.filter(pk__in=named, erased_at__isnull=True).values_list("pk", flat=True))
    rows, touches, searches = [], [], []
    for event in events:
        customer_id = int(event["customer_id"]) if event.get("customer_id") else known.get(event["visitor_id"])
        if customer_id is not None and event.get("customer_id") and customer_id not in alive:
            customer_id = None
        rows.append(_row(event, customer_id))
        at = dt.datetime.fromisoformat(event["occurred_at"])
        if customer_id is not None:
            touches.append(
                _touch(
                    customer_id=customer_id,
                    kind=event["kind"],
                    detail=event.get("product_ref") or event.get("query") or event["path"],
                    referrer=event["referrer"],
                    at=at,
                    hit_id=str(event["hit_id"]),
                )
            )
        if event["kind"] == WebEventKind.SEARCH and event.get("results") == 0 and event.get("query"):
            searches.append(
                SearchHeard(
                    query=event["query"],
                    search_id=_search_id(str(event["hit_id"])),
                    customer_id=customer_id,
                    searched_at=at,
                )
            )
    written = _insert(rows)
    for visitor_id, customer_id in merged.items():
        touches.extend(visitor_events_merge(visitor_id=visitor_id, customer_id=customer_id))
    touch_rows_insert(touches)
    if searches:
        needs_record_searches(searches=searches)
    return written
