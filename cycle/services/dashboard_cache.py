"""The cache of rendered dashboards.

A dashboard's figures change when the rollups are refreshed, so a rendered page is kept under a key that names
the refresh it was computed from, with everything else that changes its content: the page, the language, the
time zone, today's date (the default period ends today) and the query string (the filters). A change to the
marketing plan (objectives, targets, people, money, deadlines, reviews) or a new run of the loop shows at once:
it moves the generation that every key carries.
"""

import datetime as dt
import hashlib
from collections.abc import Iterable

from django.core.cache import cache

GENERATION_KEY = "dashboards:generation"


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        generation = cache.get(GENERATION_KEY, 1)
    return int(generation)


def dashboard_cache_key(
    dashboard: str,
    language: str,
    time_zone: str,
    today: dt.date,
    version: dt.datetime | None,
    query: str,
    permissions: Iterable[str] = (),
) -> str:
    """``permissions``: those of the reader that decide which tables the page shows (a page apart for each set)."""
    parts = [dashboard, language, time_zone, today.isoformat(), version.isoformat() if version else "-", query]
    parts += sorted(permissions)
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return f"dashboards:{_generation()}:{digest}"


def dashboard_cache_clear(**kwargs: object) -> None:
    """Forget every rendered dashboard (a signal receiver too: extra arguments are ignored)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet: nothing is cached under a generation
        cache.add(GENERATION_KEY, 1, timeout=None)
