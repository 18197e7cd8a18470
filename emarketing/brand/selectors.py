"""The brand as every page and e-mail reads it: :func:`current_brand` (one row, kept in the shared cache so that a
request, a worker or a sending batch reads it without a query) and :func:`brand_in` (its wording in one language).

The cache holds the row's values for ``CACHE_SECONDS``; saving or deleting the brand replaces them there once the
change commits (``emarketing.brand.signals``). Each process also keeps what it read for ``LOCAL_SECONDS`` (a
sending batch frames thousands of messages without a cache round trip each), so another process shows a change
within that time, the saving one at once. With no brand written yet, pages and e-mails show ``BRAND_NAME`` or, when
that is blank too, the product's own name, translated.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext

from emarketing.brand.models import DEFAULT_ACCENT, DEFAULT_PRIMARY, SINGLETON_ID, Brand
from emarketing.localized import in_language, with_twins
from emarketing.media import public_storage

CACHE_KEY = "emarketing:brand:v1"
# How long a process may read the cached brand before asking the database again (saving replaces it at once).
CACHE_SECONDS = 3600
# How long a process keeps the brand it read from the cache before reading it there again.
LOCAL_SECONDS = 5.0
_ABSENT = "absent"  # cached when there is no brand row, so that its absence costs no query either
WORDED = ("name", "sender_name", "address", "footer")
_FIELDS = (*(name for field in WORDED for name in with_twins(field)), "logo", "primary_colour", "accent_colour")


@dataclass(frozen=True)
class BrandInLanguage:
    """What a page or an e-mail in one language shows of the brand."""

    name: str
    sender_name: str
    address: str
    footer: str
    logo_url: str  # absolute (SITE_URL or the storage's own host), "" without a logo
    primary_colour: str
    accent_colour: str

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.address.splitlines() if line.strip()]


_local: list[Any] = [0.0, None]  # [read at (time.monotonic), values] of this process


def brand_values() -> dict[str, Any] | None:
    """The brand row's values, from this process's copy (for ``LOCAL_SECONDS``), else the shared cache, else the
    database (then cached)."""
    now = time.monotonic()
    read_at, values = _local
    if values is None or now - read_at > LOCAL_SECONDS:
        values = cache.get(CACHE_KEY)
        if values is None:
            values = brand_cache_refresh()
        _local[:] = [now, values]
    return None if values == _ABSENT else values


def brand_cache_refresh() -> dict[str, Any] | str:
    """Read the brand from the database and put it in the shared cache (and this process's copy); what was read."""
    row = Brand.objects.filter(pk=SINGLETON_ID).values(*_FIELDS).first()
    values: dict[str, Any] | str = _ABSENT if row is None else row
    cache.set(CACHE_KEY, values, CACHE_SECONDS)
    _local[:] = [time.monotonic(), values]
    return values


def brand_forget_local() -> None:
    """Drop this process's copy (the next read asks the shared cache): for a cache cleared from outside."""
    _local[:] = [0.0, None]
    _shown.clear()
    _shown_of[0] = None


def current_brand() -> Brand | None:
    """The brand (unsaved copy built from the cache, no query when cached), or None when none was written."""
    values = brand_values()
    return None if values is None else Brand(pk=SINGLETON_ID, **values)


def logo_url(name: str) -> str:
    """The absolute address of a logo kept in the public storage (e-mails need the host as well as the path)."""
    if not name:
        return ""
    return urljoin(str(settings.SITE_URL).rstrip("/") + "/", str(public_storage.url(name)))


def fallback_name(language: str | None = None) -> str:
    """The name shown while no brand is written: ``BRAND_NAME``, else the product's name in ``language`` (the active
    one when not given)."""
    if settings.BRAND_NAME:
        return str(settings.BRAND_NAME)
    if language is None:
        return gettext("E-marketing cycle")
    with translation.override(language):
        return gettext("E-marketing cycle")


def brand_in(language: str | None = None) -> BrandInLanguage:
    """The brand's wording in ``language`` (the active one when not given): each field in that language when
    written, else in English (``emarketing.localized``); with no brand, the fallback name and default colours."""
    values = brand_values()
    if values is None:
        name = fallback_name(language)
        return BrandInLanguage(name, name, "", "", "", DEFAULT_PRIMARY, DEFAULT_ACCENT)
    if language is None:
        language = translation.get_language()
    if _shown_of[0] is not values or len(_shown) > 16:
        _shown.clear()  # the brand changed: what was shown of the old one goes
        _shown_of[0] = values
    shown = _shown.get(language)
    if shown is None:
        shown = _shown[language] = _brand_in(values, language)
    return shown


# The brand as each language shows it, for the values this process holds (a sending batch builds it once).
_shown: dict[str | None, BrandInLanguage] = {}
_shown_of: list[Any] = [None]


def _brand_in(values: dict[str, Any], language: str | None) -> BrandInLanguage:
    name = in_language(values, "name", language) or fallback_name(language)
    return BrandInLanguage(
        name=name,
        sender_name=in_language(values, "sender_name", language) or name,
        address=in_language(values, "address", language),
        footer=in_language(values, "footer", language),
        logo_url=logo_url(str(values.get("logo") or "")),
        primary_colour=values["primary_colour"],
        accent_colour=values["accent_colour"],
    )


_SPECIALS = set('()<>[]:;@\\,."')


def sender_address(address: str, language: str | None = None) -> str:
    """``address`` (a bare e-mail address, or one with a name, whose name is replaced) From the brand's sender
    name in ``language``: ``Sender name <address>``, the name quoted when it holds an RFC 5322 special. With no
    brand written and no BRAND_NAME, ``address`` as it is."""
    from email.utils import parseaddr

    bare = parseaddr(address)[1] or address
    if brand_values() is None and not settings.BRAND_NAME:
        return address  # no brand yet: the address as configured, not the product's name as a sender
    name = " ".join(brand_in(language).sender_name.split())
    if not name:
        return bare
    if any(char in _SPECIALS for char in name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{bare}>"
