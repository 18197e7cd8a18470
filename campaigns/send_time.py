"""When a message may reach a customer: quiet hours and local clock times in the customer's own time zone.

One owner for the rule every channel follows (campaign e-mail and SMS, journey steps, occasion offers): nothing is
sent between ``CAMPAIGNS_QUIET_HOURS_START`` and ``CAMPAIGNS_QUIET_HOURS_END`` of the customer's local clock, and
"at 10:00" means 10:00 where the customer lives. Time zones are few beside customers, so callers that work over
many customers group them by ``time_zone`` and ask once per zone.
"""

import datetime as dt
import functools
import zoneinfo

from django.conf import settings


@functools.lru_cache(maxsize=1024)
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The time zone called ``name``, or the project's own when the name is unknown or empty."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def parse_clock(value: str) -> dt.time:
    """``"21:30"`` → ``time(21, 30)``; raises ``ValueError`` with the value in the message otherwise."""
    try:
        hours, minutes = value.strip().split(":")
        return dt.time(int(hours), int(minutes))
    except (ValueError, TypeError) as error:
        raise ValueError(f"{value!r} is not a clock time written as HH:MM.") from error


def quiet_hours() -> tuple[dt.time, dt.time] | None:
    """The quiet hours as (start, end) local clock times, or None when they are switched off (start == end)."""
    start = parse_clock(settings.CAMPAIGNS_QUIET_HOURS_START)
    end = parse_clock(settings.CAMPAIGNS_QUIET_HOURS_END)
    return None if start == end else (start, end)


def _is_quiet(clock: dt.time, hours: tuple[dt.time, dt.time]) -> bool:
    start, end = hours
    if start < end:  # 01:00–06:00, within one day
        return start <= clock < end
    return clock >= start or clock < end  # 21:00–08:00, across midnight


def local_moment(time_zone: str, at: dt.time, *, after: dt.datetime) -> dt.datetime:
    """The first instant at or after ``after`` when the clock in ``time_zone`` reads ``at``, in UTC.

    A clock time that a daylight-saving jump skips that day falls to the same wall time after the jump (zoneinfo's
    ``fold=0`` reading), so nobody is skipped for a day.
    """
    tz = zone(time_zone)
    local_after = after.astimezone(tz)
    for days in (0, 1, 2):
        day = local_after.date() + dt.timedelta(days=days)
        candidate = dt.datetime.combine(day, at, tzinfo=tz).astimezone(dt.UTC)
        if candidate >= after:
            return candidate
    raise AssertionError("a clock time always comes round within two days")  # pragma: no cover


def quiet_until(time_zone: str, moment: dt.datetime) -> dt.datetime | None:
    """When the quiet hours that ``moment`` falls in end for a customer in ``time_zone`` (UTC), or None when
    ``moment`` is not within them."""
    hours = quiet_hours()
    if hours is None:
        return None
    clock = moment.astimezone(zone(time_zone)).time()
    if not _is_quiet(clock, hours):
        return None
    return local_moment(time_zone, hours[1], after=moment)


def allowed_moment(time_zone: str, moment: dt.datetime) -> dt.datetime:
    """``moment`` itself when a message may reach a customer in ``time_zone`` then, else the end of the quiet
    hours it falls in."""
    return quiet_until(time_zone, moment) or moment
