"""One row of a customer file: :func:`clean_row` turns it into typed values or a list of errors, each naming the
column at fault."""

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from customers.imports.columns import CONSENT_COLUMNS, DATE_FIELDS, FIELDS
from customers.imports.files import RawRow
from customers.models import AcquisitionSource, Language
from emarketing.cells import DATE_FORMATS, PartialDate, parse_date, parse_partial_date, parse_yes_no
from emarketing.contacts import InvalidEmail, InvalidPhone, normalise_email, normalise_phone
from emarketing.countries import country_code
from emarketing.exports import unescape_cell

LANGUAGES = {c.value for c in Language}
LANGUAGE_NAMES = {
    "english": "en",
    "persian": "fa",
    "farsi": "fa",
    "arabic": "ar",
    "فارسی": "fa",
    "انگلیسی": "en",
    "عربی": "ar",
    "العربية": "ar",
    "الإنجليزية": "en",
    "الفارسية": "fa",
}
SOURCES = {c.value for c in AcquisitionSource}
_TIME_ZONES = None


def _time_zones():
    global _TIME_ZONES
    if _TIME_ZONES is None:
        _TIME_ZONES = zoneinfo.available_timezones()
    return _TIME_ZONES


LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "region": 100,
    "city": 100,
    "email": 254,
    "external_id": 64,
    "other_phone": 32,
    # Notes have no limit in the database; an import batch holds a thousand rows, so a hostile file's notes are.
    "notes": 5000,
}


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        return _("Row %(row)s, column “%(column)s”: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class CleanRow:
    number: int
    customer: dict[str, Any]  # Customer field values, by field name (text, and a date for created_at)
    birthday: PartialDate | None = None
    consents: dict[str, bool] = field(default_factory=dict)  # channel -> bool, only for explicit answers


def _unquote(value: str) -> str:
    """A cell without the apostrophe an export puts before ids and numbers (Shopify) or before a cell that a
    spreadsheet would run as a formula."""
    if value[1:2].isdigit():
        return value[1:]
    return unescape_cell(value)


def _texts(values: dict[str, Any]) -> dict[str, str]:
    """The non-empty cells of a row, stripped and unquoted, by field name."""
    texts = {}
    for name, value in values.items():
        if value:
            value = value.strip()
            if value:
                texts[name] = _unquote(value) if value[0] == "'" else value
    return texts


_PLAIN_TEXT = ("last_name", "region", "city", "notes", "external_id", "other_phone")
_LOCALE = re.compile(r"^([a-z]{2})(?:[_\-][a-z]{2,4})?$")


def _language(text: str) -> str:
    """A language code from a code, a locale (``fa_IR``, ``ar-SA``) or a name in English, Persian or Arabic."""
    text = text.strip().lower()
    match = _LOCALE.match(text)
    if match:
        return match.group(1)
    return LANGUAGE_NAMES.get(text, text)


def _ymd(day: dt.date) -> tuple[int, int, int]:
    return day.year, day.month, day.day


def _date_message(value: object, fmt: str) -> str:
    return _("“%(value)s” is not a date written as %(format)s.") % {"value": value, "format": DATE_FORMATS[fmt]}


class RowCleaner:
    """Cleans the rows of one file; it looks only at the columns the file has, which keeps a row cheap."""

    def __init__(self, present: Iterable[str] | None = None, *, formats: dict[str, str] | None = None) -> None:
        present = set(FIELDS) if present is None else set(present)
        self.present = present
        # Each date column's one format (chosen in the preview, or guessed from the whole column); without one,
        # ISO dates and day/month/year ones are read.
        self.formats = {name: (formats or {}).get(name) or "" for name in DATE_FIELDS}
        self.plain = [c for c in _PLAIN_TEXT if c in present]
        self.limited = [c for c in self.plain if c in LIMITS]
        self.consents = [(c, ch) for c, ch in CONSENT_COLUMNS.items() if c in present]
        self.missing_contact_column = "email" if "email" in present else "phone"

    def __call__(self, raw: RawRow) -> tuple[CleanRow | None, list[RowError]]:
        """Typed values of one row, or the errors that name each column at fault."""
        values, number, present = raw.values, raw.number, self.present
        cell = _texts(values).get
        errors = []
        customer: dict[str, Any] = {"first_name": cell("first_name", "")}
        if "full_name" in present:
            first, _space, last = cell("full_name", "").partition(" ")
            customer["first_name"] = customer["first_name"] or first
            if "last_name" not in present or not cell("last_name", ""):
                customer["last_name"] = last.strip()
        if not customer["first_name"]:
            errors.append(RowError(number, "first_name", _("A first name is required.")))
        elif len(customer["first_name"]) > LIMITS["first_name"]:
            errors.append(RowError(number, "first_name", _("At most %(limit)d characters.") % {"limit": 100}))
        for name in self.plain:
            if name not in customer or cell(name, ""):
                customer[name] = cell(name, "")
        errors.extend(
            RowError(number, name, _("At most %(limit)d characters.") % {"limit": LIMITS[name]})
            for name in self.limited
            if len(customer[name]) > LIMITS[name]
        )

        country_text = cell("country", "") if "country" in present else ""
        country = country_code(country_text) if country_text else ""
        if country is None:
            message = _("“%(value)s” is not a country (write its name or its ISO code, e.g. IR).")
            errors.append(RowError(number, "country", message % {"value": country_text}))
        customer["country"] = country or ""

        email = cell("email", "") if "email" in present else ""
        if email:
            try:
                # Lower-cased as before: duplicates are found by comparing addresses exactly.
                email = normalise_email(email).lower()
            except InvalidEmail as error:
                errors.append(RowError(number, "email", str(error)))
            else:
                if len(email) > LIMITS["email"]:
                    errors.append(RowError(number, "email", _("At most %(limit)d characters.") % {"limit": 254}))
        customer["email"] = email

        # A national form is read in the row's own country, when the row gives one.
        phone = ""
        for column in ("phone", "other_phone"):
            text = cell(column, "") if column in present else ""
            if text:
                try:
                    text = normalise_phone(text, country=customer["country"] or None)
                except InvalidPhone as error:
                    errors.append(RowError(number, column, str(error)))
            if column in present:
                customer[column] = text
        phone = customer.get("phone", "")
        customer["phone"] = phone
        if not email and not phone:
            errors.append(
                RowError(number, self.missing_contact_column, _("Give at least an e-mail address or a phone number."))
            )

        if "preferred_language" in present:
            language = cell("preferred_language", "")
            if language:
                language = _language(language)
                if language not in LANGUAGES:
                    message = _("Use one of: %(choices)s.") % {"choices": ", ".join(sorted(LANGUAGES))}
                    errors.append(RowError(number, "preferred_language", message))
                customer["preferred_language"] = language

        if "time_zone" in present:
            time_zone = cell("time_zone", "")
            if time_zone:
                if time_zone not in _time_zones():
                    message = _("“%(value)s” is not a known time zone.") % {"value": time_zone}
                    errors.append(RowError(number, "time_zone", message))
                customer["time_zone"] = time_zone

        source = cell("acquisition_source", "").lower() if "acquisition_source" in present else ""
        if source and source not in SOURCES:
            message = _("Use one of: %(choices)s.") % {"choices": ", ".join(sorted(SOURCES))}
            errors.append(RowError(number, "acquisition_source", message))
        customer["acquisition_source"] = source or AcquisitionSource.IMPORT

        birthday = None
        if "birthday" in present and values.get("birthday") not in (None, ""):
            fmt = self.formats["birthday"]
            try:
                text = cell("birthday", "")
                birthday = parse_partial_date(text, fmt) if fmt else PartialDate(*_ymd(parse_date(text)))
            except ValueError:
                errors.append(RowError(number, "birthday", _date_message(values["birthday"], fmt or "ymd")))
        if "customer_since" in present and values.get("customer_since") not in (None, ""):
            fmt = self.formats["customer_since"]
            try:
                customer["created_at"] = parse_date(cell("customer_since", ""), fmt or "ymd")
            except ValueError:
                errors.append(RowError(number, "customer_since", _date_message(values["customer_since"], fmt or "ymd")))

        consents: dict[str, bool] = {}
        for column, channel in self.consents:
            try:
                answer = parse_yes_no(cell(column, ""))
            except ValueError:
                errors.append(RowError(number, column, _("Answer yes or no, or leave the cell empty.")))
                continue
            if answer is not None:
                consents[channel] = answer

        if errors:
            return None, errors
        return CleanRow(number=number, customer=customer, birthday=birthday, consents=consents), errors


def clean_row(raw: RawRow) -> tuple[CleanRow | None, list[RowError]]:
    """One row on its own, every column considered."""
    return RowCleaner(raw.values.keys())(raw)
