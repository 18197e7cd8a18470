"""Content written per language: a field with a Persian and an Arabic twin (``name``, ``name_fa``, ``name_ar``).

The rule, written once: a reader of Persian or Arabic sees the twin in their language when it is written, else
the field itself (the default wording, in the product's language). Every language but the default one has its
twin, named ``<field>_<language>``; a model holding such content declares the twins itself.

- :func:`in_language`: the value for one language, read from a model instance or from a row of ``.values()``.
- :func:`written_in`: only what was written for that language, blank otherwise (for wording that falls back to
  the product's own translated text instead).
- :func:`in_language_expression`: the same choice as a database expression, for a query that names thousands of
  rows (``product_name=in_language_expression("product__name", language)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import F, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language

# The languages whose wording has a field of its own beside the default one.
TWIN_LANGUAGES = ("fa", "ar")


def base_language(language: str | None) -> str:
    """``fa`` of ``fa-IR``; an empty string when no language is active."""
    return (language or "").split("-")[0].lower()


def twin_name(field: str, language: str | None) -> str | None:
    """The name of ``field``'s twin in ``language`` (``name_fa``), or None when that language has none."""
    language = base_language(language)
    return f"{field}_{language}" if language in TWIN_LANGUAGES else None


def with_twins(field: str) -> tuple[str, ...]:
    """``field`` and its twins, to read them all at once (``.values(*with_twins("name"))``)."""
    return (field, *(f"{field}_{language}" for language in TWIN_LANGUAGES))


def _read(source: Any, name: str) -> str:
    value = source.get(name) if isinstance(source, Mapping) else getattr(source, name, "")
    return value or ""


def in_language(source: Any, field: str, language: str | None = None) -> str:
    """``source``'s ``field`` in ``language`` (the active language when not given): its twin when written, else
    the field itself. ``source`` is a model instance or a mapping (a row of ``.values()``)."""
    if language is None:
        language = get_language()
    twin = twin_name(field, language)
    return (_read(source, twin) if twin else "") or _read(source, field)


def written_in(source: Any, field: str, language: str | None = None) -> str:
    """What ``source`` holds for exactly ``language`` (the active one when not given): the twin, or the field itself
    for the default language; blank when nothing was written for it. For wording that falls back to the product's
    own translated text rather than to another language's wording."""
    if language is None:
        language = get_language()
    twin = twin_name(field, language)
    if twin:
        return _read(source, twin)
    default = base_language(settings.LANGUAGE_CODE)
    return _read(source, field) if base_language(language) in ("", default) else ""


def in_language_expression(path: str, language: str | None = None) -> Combinable:
    """The database's choice of ``path`` (``"product__name"``) in ``language`` (the active one when not given):
    the twin ``product__name_fa`` unless it is empty, else ``product__name``."""
    if language is None:
        language = get_language()
    twin = twin_name(path, language)
    if twin is None:
        return F(path)
    return Coalesce(NullIf(F(twin), Value("")), F(path))
