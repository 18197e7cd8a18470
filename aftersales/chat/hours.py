"""The chat team's working hours (setting CHAT_WORKING_HOURS), per weekday in the company's time zone."""

import datetime as dt
import re
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)=(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")

# Per weekday (Monday 0), the opening spans in minutes from midnight, end excluded.
Hours = dict[int, list[tuple[int, int]]]


@lru_cache(maxsize=8)
def parse_working_hours(text: str) -> Hours:
    """``"sat=09:00-17:00,sun=09:00-13:00,sun=14:00-17:00"``: a day may have several spans; one left out is closed.
    Empty: every hour of every day (the 24-hour chat); ``closed``: no hour at all (everything goes to the contact
    line)."""
    if not text.strip():
        return {day: [(0, 24 * 60)] for day in range(7)}
    if text.strip().lower() == "closed":
        return {}
    hours: Hours = {}
    for part in filter(None, (p.strip().lower() for p in text.split(","))):
        match = _SPAN.match(part)
        if not match:
            raise ImproperlyConfigured(f"CHAT_WORKING_HOURS: cannot read {part!r} (expected e.g. sat=09:00-17:00)")
        day, h1, m1, h2, m2 = match.groups()
        start, end = int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)
        if not (0 <= start < end <= 24 * 60) or int(m1) > 59 or int(m2) > 59:
            raise ImproperlyConfigured(f"CHAT_WORKING_HOURS: {part!r} is not a span within one day")
        hours.setdefault(WEEKDAYS.index(day), []).append((start, end))
    return hours


def within_working_hours(at: dt.datetime | None = None) -> bool:
    """Whether the chat team works at this moment (now by default), read in the company's time zone."""
    local = timezone.localtime(at or timezone.now())
    minute = local.hour * 60 + local.minute
    spans = parse_working_hours(settings.CHAT_WORKING_HOURS).get(local.weekday(), [])
    return any(start <= minute < end for start, end in spans)
