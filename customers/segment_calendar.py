"""Segment conditions in the customer's own days: "ordered in the last 90 days" is counted from midnight where the
customer lives (``Customer.time_zone``), and moves with the calendar.

A condition on a date is a window of local days ``[low, high)`` (either end may be open) that depends on
today's date. :class:`Calendar` is the moment a segment is evaluated; :class:`Edges` gives each end of a window as
the instant it falls at for each customer: a ``CASE`` on the customer's time zone over the few instants the zones
in use share (Tehran, Riyadh and London are three; every UTC+3 zone is one). The database only compares
timestamps and never converts a time zone — SQLite runs the same query as PostgreSQL — and a condition on a
customer's orders stays one ``EXISTS`` probing the (customer, placed at) index.

:meth:`Calendar.moved` answers the other question of an incremental refresh: between two moments, which
customers may have crossed a window's edge with nothing but the calendar moving (their last order left "the last
90 days" when the 91st day started): those with a timestamp between the edge's two positions.
"""

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Case, DateTimeField, Value, When
from django.db.models.lookups import In

# A window of local days: ``[low, high)``, either end open (None).
Window = tuple[dt.date | None, dt.date | None]
# The same window as instants in one time zone.
Instants = tuple[dt.datetime | None, dt.datetime | None]


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def start_of(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """Midnight at the start of ``day`` in ``zone``, in UTC (a day without a midnight starts at its first hour)."""
    local = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    return local.astimezone(dt.UTC)


class Calendar:
    """The moment a segment is evaluated, and the time zones its customers live in.

    ``time_zones`` is read from the customers once, when a condition first needs it; tests and the refresh may
    hand it in.
    """

    def __init__(self, now: dt.datetime, time_zones: Iterable[str] | None = None) -> None:
        self.now = now
        if time_zones is not None:
            self.__dict__["time_zones"] = tuple(sorted(set(time_zones)))

    @cached_property
    def time_zones(self) -> tuple[str, ...]:
        return distinct_time_zones()

    def today(self, zone_name: str) -> dt.date:
        return self.now.astimezone(_zone(zone_name)).date()

    def instants(self, zone_name: str, window: Callable[[dt.date], Window]) -> Instants:
        zone = _zone(zone_name)
        low, high = window(self.now.astimezone(zone).date())
        return (start_of(low, zone) if low else None, start_of(high, zone) if high else None)

    def moved(self, later: "Calendar", window: Callable[[dt.date], Window]) -> list[tuple[dt.datetime, dt.datetime]]:
        """The spans of time ``[a, b)`` that one of the window's edges passed over from this moment to ``later``,
        in any of the time zones: a customer with a timestamp in one of them is the only kind whose answer the
        calendar alone can change. One span per edge that moved, covering every zone (a little wider than each
        zone's own: the refresh only re-examines those customers, it does not decide on them)."""
        zones = sorted({*self.time_zones, *later.time_zones, settings.TIME_ZONE})
        spans = []
        for edge in (0, 1):
            before = [self.instants(name, window)[edge] for name in zones]
            after = [later.instants(name, window)[edge] for name in zones]
            moved = [(old, new) for old, new in zip(before, after, strict=True) if old is not None and new is not None]
            if any(old != new for old, new in moved):
                spans.append((min(min(pair) for pair in moved), max(max(pair) for pair in moved)))
        return spans


class Edges:
    """Where a window of local days starts and ends for each customer, by their time zone."""

    def __init__(self, calendar: Calendar, window: Callable[[dt.date], Window]) -> None:
        self.by_zone = {name: calendar.instants(name, window) for name in calendar.time_zones}
        # A customer whose time zone is not among those read (one who moved since) is judged in the site's.
        self.fallback = calendar.instants(settings.TIME_ZONE, window)

    def at(self, edge: int, zone: Any) -> Any:
        """The instant of ``edge`` (0: the start, 1: the end) for the customer whose time zone is ``zone`` (an
        ``F`` or ``OuterRef`` to it): None for an open end, a plain value when every zone shares it."""
        default = self.fallback[edge]
        if default is None:
            return None
        groups: dict[dt.datetime, list[str]] = {}
        for name, instants in self.by_zone.items():
            instant = instants[edge]
            if instant is not None and instant != default:
                groups.setdefault(instant, []).append(name)
        if not groups:
            return Value(default, output_field=DateTimeField())
        whens = [When(In(zone, names), then=Value(instant)) for instant, names in sorted(groups.items())]
        return Case(*whens, default=Value(default), output_field=DateTimeField())


def distinct_time_zones() -> tuple[str, ...]:
    """The time zones customers live in, by skipping through the time zone index from one to the next (a few
    index lookups, however many customers there are; ``SELECT DISTINCT`` would read every row)."""
    from customers.models import Customer

    table = connection.ops.quote_name(Customer._meta.db_table)
    column = connection.ops.quote_name("time_zone")
    sql = (
        f"WITH RECURSIVE zones(zone) AS (SELECT MIN({column}) FROM {table}"  # noqa: S608 - the model's own names
        f" UNION ALL SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > zones.zone)"
        " FROM zones WHERE zones.zone IS NOT NULL) SELECT zone FROM zones WHERE zone IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(row[0] for row in cursor.fetchall())
