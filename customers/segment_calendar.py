"""Segment conditions in the customer's own days: "ordered in the last 90 days" is counted from midnight where the
customer lives (``Customer.time_zone``), and moves with the calendar.

A condition on a date is a window of local days ``[low, high)`` (either end may be open) that depends on
today's date. :class:`Calendar` is the moment a segment is evaluated; :meth:`Calendar.per_time_zone` turns a
window into one ``Q`` per group of time zones whose window starts at the same instants (Tehran, Riyadh and
London are three groups; every UTC+3 zone is one), so the database only compares timestamps and never converts
a time zone: SQLite runs the same query as PostgreSQL.

:meth:`Calendar.moved` answers the other question of an incremental refresh: between two moments, which
customers may have crossed a window's edge with nothing but the calendar moving (their last order left "the last
90 days" when the 91st day started). Only the timestamps between the edge's two positions are looked at.
"""

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import cast

from django.conf import settings
from django.db.models import Q

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
        from customers.models import Customer

        return tuple(sorted(Customer.objects.order_by().values_list("time_zone", flat=True).distinct()))

    def today(self, zone_name: str) -> dt.date:
        return self.now.astimezone(_zone(zone_name)).date()

    def instants(self, zone_name: str, window: Callable[[dt.date], Window]) -> Instants:
        zone = _zone(zone_name)
        low, high = window(self.now.astimezone(zone).date())
        return (start_of(low, zone) if low else None, start_of(high, zone) if high else None)

    def _groups(self, key: Callable[[str], object]) -> list[tuple[list[str], object]]:
        groups: dict[object, list[str]] = {}
        for name in self.time_zones:
            groups.setdefault(key(name), []).append(name)
        return [(names, k) for k, names in groups.items()]

    def per_time_zone(self, window: Callable[[dt.date], Window], build: Callable[[Instants], Q]) -> Q:
        """``build`` the condition for each group of time zones that share the window's instants.

        A customer whose time zone is not among those read (one who moved since) is judged in the site's.
        """
        result = Q()
        for names, instants in self._groups(lambda name: self.instants(name, window)):
            result |= Q(time_zone__in=names) & build(cast(Instants, instants))
        fallback = self.instants(settings.TIME_ZONE, window)
        return result | (~Q(time_zone__in=self.time_zones) & build(fallback))

    def moved(
        self, later: "Calendar", window: Callable[[dt.date], Window], between: Callable[[dt.datetime, dt.datetime], Q]
    ) -> Q | None:
        """Customers with a timestamp (``between(a, b)``: in ``[a, b)``) that one of the window's edges passed
        over from this moment to ``later``: the only ones whose answer the calendar alone can change. None when no
        edge moved."""
        seen = sorted(set(self.time_zones) | set(later.time_zones))
        both = Calendar(later.now, [*seen, settings.TIME_ZONE])
        result: Q | None = None
        for names, key in both._groups(lambda name: (self.instants(name, window), later.instants(name, window))):
            before, after = cast(tuple[Instants, Instants], key)
            zones = Q(time_zone__in=names)
            if settings.TIME_ZONE in names:  # the site's zone also stands for any zone not read
                zones |= ~Q(time_zone__in=seen)
            for old, new in zip(before, after, strict=True):
                if old is not None and new is not None and old != new:
                    part = zones & between(min(old, new), max(old, new))
                    result = part if result is None else result | part
        return result
