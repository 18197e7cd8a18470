"""One row of a customer file: :func:`clean_row` turns it into typed values or a list of errors, each naming the
column at fault."""

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from customers.imports.columns import COLUMNS, CONSENT_COLUMNS
from customers.imports.files import RawRow
from customers.imports.values import parse_date, parse_yes_no
from customers.models import AcquisitionSource, Language
from emarketing.contacts import InvalidEmail, InvalidPhone, normalise_email, normalise_phone
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


LIMITS = {"first_name": 100, "last_name": 100, "region": 100, "city": 100, "email": 254}


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
    birthday: dt.date | None = None
    consents: dict[str, bool] = field(default_factory=dict)  # channel -> bool, only for explicit answers


def _text(values, name) -> str:
    value = values.get(name)
    if not value:
        return ""
    # Undo the apostrophe an export puts before a cell a spreadsheet would run as a formula.
    return unescape_cell(value.strip())


# The everyday shape of an address, which Django's validator also accepts; anything else is checked by Django.
_PLAIN_EMAIL = re.compile(
    r"^[a-z0-9_%+'\-]+(?:\.[a-z0-9_%+'\-]+)*@(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)


def _email_is_valid(email: str) -> bool:
    if _PLAIN_EMAIL.match(email):
        return True
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


_COUNTRY = re.compile(r"^[A-Z]{2}$")
_PLAIN_TEXT = ("last_name", "region", "city", "notes")


class RowCleaner:
    """Cleans the rows of one file; it looks only at the columns the file has, which keeps a row cheap."""

    def __init__(self, present: Iterable[str] | None = None) -> None:
        present = set(COLUMNS) if present is None else set(present)
        self.present = present
        self.plain = [c for c in _PLAIN_TEXT if c in present]
        self.limited = [c for c in self.plain if c in LIMITS]
        self.consents = [(c, ch) for c, ch in CONSENT_COLUMNS.items() if c in present]
        self.missing_contact_column = "email" if "email" in present else "phone"

    def __call__(self, raw: RawRow) -> tuple[CleanRow | None, list[RowError]]:
        """Typed values of one row, or the errors that name each column at fault."""
        values, number, present = raw.values, raw.number, self.present
        errors = []
        customer: dict[str, Any] = {"first_name": _text(values, "first_name")}
        if not customer["first_name"]:
            errors.append(RowError(number, "first_name", _("A first name is required.")))
        elif len(customer["first_name"]) > LIMITS["first_name"]:
            errors.append(RowError(number, "first_name", _("At most %(limit)d characters.") % {"limit": 100}))
        for name in self.plain:
            customer[name] = _text(values, name)
        errors.extend(
            RowError(number, name, _("At most %(limit)d characters.") % {"limit": LIMITS[name]})
            for name in self.limited
            if len(customer[name]) > LIMITS[name]
        )

        email = _text(values, "email") if "email" in present else ""
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

        phone = ""
        if "phone" in present:
            phone = _text(values, "phone")
            if phone:
                # A national form is read in the row's own country, when the row gives a valid one.
                row_country = _text(values, "country").upper() if "country" in present else ""
                try:
                    phone = normalise_phone(phone, country=row_country if _COUNTRY.match(row_country) else None)
                except InvalidPhone as error:
                    errors.append(RowError(number, "phone", str(error)))
        customer["phone"] = phone
        if not email and not phone:
            errors.append(
                RowError(number, self.missing_contact_column, _("Give at least an e-mail address or a phone number."))
            )

        if "preferred_language" in present:
            language = _text(values, "preferred_language").lower()
            if language:
                language = LANGUAGE_NAMES.get(language, language)
                if language not in LANGUAGES:
                    message = _("Use one of: %(choices)s.") % {"choices": ", ".join(sorted(LANGUAGES))}
                    errors.append(RowError(number, "preferred_language", message))
                customer["preferred_language"] = language

        country = _text(values, "country").upper() if "country" in present else ""
        if country and not _COUNTRY.match(country):
            errors.append(RowError(number, "country", _("Use the two-letter ISO code, e.g. IR.")))
        customer["country"] = country

        if "time_zone" in present:
            time_zone = _text(values, "time_zone")
            if time_zone:
                if time_zone not in _time_zones():
                    message = _("“%(value)s” is not a known time zone.") % {"value": time_zone}
                    errors.append(RowError(number, "time_zone", message))
                customer["time_zone"] = time_zone

        source = _text(values, "acquisition_source").lower() if "acquisition_source" in present else ""
        if source and source not in SOURCES:
            message = _("Use one of: %(choices)s.") % {"choices": ", ".join(sorted(SOURCES))}
            errors.append(RowError(number, "acquisition_source", message))
        customer["acquisition_source"] = source or AcquisitionSource.IMPORT

        birthday = None
        if "birthday" in present and values.get("birthday") not in (None, ""):
            try:
                birthday = parse_date(values["birthday"])
            except ValueError:
                message = _("“%(value)s” is not a date (use YYYY-MM-DD).") % {"value": values["birthday"]}
                errors.append(RowError(number, "birthday", message))
        if "customer_since" in present and values.get("customer_since") not in (None, ""):
            try:
                customer["created_at"] = parse_date(values["customer_since"])
            except ValueError:
                message = _("“%(value)s” is not a date (use YYYY-MM-DD).") % {"value": values["customer_since"]}
                errors.append(RowError(number, "customer_since", message))

        consents: dict[str, bool] = {}
        for column, channel in self.consents:
            try:
                answer = parse_yes_no(values.get(column))
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
