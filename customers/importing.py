"""Reading customer files: CSV (UTF-8 with or without BOM, or Windows-1256) and Excel, one row at a time.

Nothing here writes to the database. :func:`read_rows` streams a file and yields each data row as a dict keyed
by the product's column names; :func:`clean_row` turns one row into typed values or a list of errors, each
naming the column at fault. Persian (۰-۹) and Arabic-Indic (٠-٩) digits are normalised in phones and dates,
and dates written in the Persian (Jalali) calendar are converted.

The apply step of a large file runs in the background: :func:`import_customers_task` is that Celery task (the
settings list this module in ``CELERY_IMPORTS`` so a worker always knows it).
"""

import codecs
import csv
import datetime as dt
import io
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field

import jdatetime
from celery import shared_task
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from customers.models import AcquisitionSource, ConsentChannel, Language

# ---------------------------------------------------------------------------------------------------------------
# Columns

# The product's column names, in the order an export writes them.
COLUMNS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "preferred_language",
    "country",
    "region",
    "city",
    "time_zone",
    "acquisition_source",
    "birthday",
    "customer_since",
    "notes",
    "consent_email",
    "consent_sms",
    "consent_phone",
    "consent_post",
]
CONSENT_COLUMNS = {
    "consent_email": ConsentChannel.EMAIL,
    "consent_sms": ConsentChannel.SMS,
    "consent_phone": ConsentChannel.PHONE,
    "consent_post": ConsentChannel.POST,
}

# Other spellings marketers' spreadsheets use for the same columns (English, Persian, Arabic).
ALIASES = {
    "firstname": "first_name",
    "first": "first_name",
    "given_name": "first_name",
    "name": "first_name",
    "نام": "first_name",
    "الاسم": "first_name",
    "الاسم_الأول": "first_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family_name": "last_name",
    "نام_خانوادگی": "last_name",
    "اسم_العائلة": "last_name",
    "e_mail": "email",
    "email_address": "email",
    "mail": "email",
    "ایمیل": "email",
    "پست_الکترونیک": "email",
    "البريد_الإلكتروني": "email",
    "البريد": "email",
    "mobile": "phone",
    "telephone": "phone",
    "phone_number": "phone",
    "تلفن": "phone",
    "موبایل": "phone",
    "شماره_تلفن": "phone",
    "الهاتف": "phone",
    "الجوال": "phone",
    "language": "preferred_language",
    "lang": "preferred_language",
    "زبان": "preferred_language",
    "اللغة": "preferred_language",
    "کشور": "country",
    "الدولة": "country",
    "province": "region",
    "state": "region",
    "استان": "region",
    "المنطقة": "region",
    "شهر": "city",
    "المدينة": "city",
    "timezone": "time_zone",
    "tz": "time_zone",
    "source": "acquisition_source",
    "date_of_birth": "birthday",
    "birth_date": "birthday",
    "dob": "birthday",
    "تاریخ_تولد": "birthday",
    "تاريخ_الميلاد": "birthday",
    "created": "customer_since",
    "created_at": "customer_since",
    "joined": "customer_since",
    "note": "notes",
    "email_consent": "consent_email",
    "sms_consent": "consent_sms",
    "phone_consent": "consent_phone",
    "post_consent": "consent_post",
    "mail_consent": "consent_post",
}

# Columns an export writes that an import reads but does not change (computed by the product).
KNOWN_READ_ONLY = {"id", "value_tier", "lifecycle_stage", "satisfaction", "created", "updated_at"}


def normalise_header(name) -> str:
    text = normalise_digits(str(name or "")).strip().lstrip("\ufeff").strip().lower()
    text = re.sub(r"[\s\-./]+", "_", text)
    return ALIASES.get(text, text)


# ---------------------------------------------------------------------------------------------------------------
# Digits, phones, dates, yes/no

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def normalise_digits(text: str) -> str:
    """Persian (۰-۹) and Arabic-Indic (٠-٩) digits become ASCII digits."""
    return text.translate(_DIGITS)


_PHONE_PUNCTUATION = re.compile(r"[\s\-().\u200c\u200e\u200f\u202a-\u202e]")
_PHONE = re.compile(r"^\+?[0-9]{6,20}$")


def normalise_phone(text: str) -> str:
    """Digits normalised, spaces, dashes, brackets and direction marks removed; a leading 00 becomes +."""
    phone = _PHONE_PUNCTUATION.sub("", normalise_digits(text))
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    return phone


_DATE_SEPARATORS = re.compile(r"[/.\-\s]+")


def parse_date(value) -> dt.date:
    """A date from ISO ``YYYY-MM-DD`` (also with / or .), ``DD/MM/YYYY``, or a Persian (Jalali) year below 1700.

    Raises ValueError when the value is not a date.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = normalise_digits(str(value)).strip()
    text = text.split("T")[0].split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2}[T ]", text) else text
    parts = [p for p in _DATE_SEPARATORS.split(text) if p]
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    a, b, c = (int(p) for p in parts)
    if len(parts[0]) == 4:
        year, month, day = a, b, c
    elif len(parts[2]) == 4:
        year, month, day = c, b, a
    else:
        raise ValueError(text)
    if year < 1700:  # 1300s and 1400s: the Persian solar calendar
        return jdatetime.date(year, month, day).togregorian()
    return dt.date(year, month, day)


YES = {"1", "yes", "y", "true", "t", "x", "granted", "opt_in", "opt-in", "بله", "آری", "اری", "بلی", "نعم", "موافق"}
NO = {"0", "no", "n", "false", "f", "withdrawn", "opt_out", "opt-out", "خیر", "نه", "لا", "غیر_موافق"}


def parse_yes_no(value) -> bool | None:
    """True or False from an explicit answer; None when the cell is empty. Raises ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = normalise_digits(str(value)).strip().lower()
    if text == "":
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(text)


# ---------------------------------------------------------------------------------------------------------------
# Files

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class FileProblem(ValueError):
    """The file as a whole cannot be read (format, encoding, missing columns), or breaks off at ``row``."""

    def __init__(self, message, row: int = 1):
        super().__init__(message)
        self.row = row


def detect_encoding(stream, *, chunk_size: int = 1 << 20) -> str:
    """``utf-8-sig`` for UTF-8 with or without a BOM, otherwise ``cp1256`` (Windows Arabic/Persian).

    Scans the file in chunks with an incremental decoder, so memory stays flat; the stream is rewound.
    """
    stream.seek(0)
    head = stream.read(3)
    stream.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(chunk_size):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "cp1256"
    finally:
        stream.seek(0)


def _is_excel(stream, name: str) -> bool:
    stream.seek(0)
    magic = stream.read(4)
    stream.seek(0)
    return magic == b"PK\x03\x04" or name.lower().endswith((".xlsx", ".xlsm"))


def _csv_rows(stream):
    encoding = detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        sample = text.read(64 * 1024)
        text.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        yield from csv.reader(text, dialect)
    finally:
        text.detach()


def _excel_rows(stream):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any failure here means "not a workbook we can read"
        raise FileProblem(_("The file is not a readable Excel workbook.")) from error
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield ["" if v is None else v if v.__class__ is str else _cell_text(v) for v in row]
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


@dataclass
class Header:
    columns: list[str]  # the product's name for each position ("" when ignored)
    ignored: list[str] = field(default_factory=list)

    @property
    def present(self) -> set[str]:
        return {c for c in self.columns if c}


def read_header(raw: list) -> Header:
    names = [normalise_header(v) for v in raw]
    columns, ignored, seen = [], [], set()
    for original, name in zip(raw, names, strict=True):
        if name in COLUMNS and name not in seen:
            columns.append(name)
            seen.add(name)
        else:
            columns.append("")
            if str(original).strip() and name not in KNOWN_READ_ONLY:
                ignored.append(str(original).strip())
    if "first_name" not in seen:
        raise FileProblem(_("The file has no “first_name” column (the first row must hold the column names)."))
    if "email" not in seen and "phone" not in seen:
        raise FileProblem(_("The file needs an “email” or a “phone” column."))
    return Header(columns=columns, ignored=ignored)


@dataclass
class RawRow:
    number: int  # the row number a spreadsheet shows: the header is row 1
    values: dict


def read_rows(stream, name: str = "") -> tuple[Header, Iterator[RawRow]]:
    """The header and an iterator over the data rows of a CSV or Excel file; blank rows are skipped."""
    rows = _excel_rows(stream) if _is_excel(stream, name) else _csv_rows(stream)
    try:
        first = next(rows)
    except StopIteration:
        raise FileProblem(_("The file is empty.")) from None
    except (csv.Error, UnicodeDecodeError) as error:
        raise FileProblem(_("The file could not be read: %(error)s") % {"error": error}) from error
    header = read_header(first)
    columns = header.columns

    positions = [(i, name) for i, name in enumerate(columns) if name]
    every_column_read = all(columns)

    def iterate():
        number = 1
        while True:
            try:
                raw = next(rows)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError, ValueError) as error:
                message = _("The row could not be read: %(error)s") % {"error": error}
                raise FileProblem(message, row=number + 1) from error
            number += 1
            if not "".join(raw).strip():
                continue
            if every_column_read and len(raw) == len(columns):
                values = dict(zip(columns, raw, strict=True))
            else:
                width = len(raw)
                values = {name: raw[i] for i, name in positions if i < width}
            yield RawRow(number=number, values=values)

    return header, iterate()


# ---------------------------------------------------------------------------------------------------------------
# One row

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
    customer: dict  # Customer field values
    birthday: dt.date | None = None
    consents: dict = field(default_factory=dict)  # channel -> bool, only for explicit answers


def _text(values, name) -> str:
    value = values.get(name)
    if not value:
        return ""
    text = value.strip()
    # Undo the apostrophe an export puts before a cell a spreadsheet would run as a formula.
    if text[:1] == "'" and text[1:2] in _FORMULA_STARTS:
        text = text[1:]
    return text


_FORMULA_STARTS = {"=", "+", "-", "@", "\t", "\r"}

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

    def __init__(self, present=None):
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
        customer = {"first_name": _text(values, "first_name")}
        if not customer["first_name"]:
            errors.append(RowError(number, "first_name", _("A first name is required.")))
        elif len(customer["first_name"]) > LIMITS["first_name"]:
            errors.append(RowError(number, "first_name", _("At most %(limit)d characters.") % {"limit": 100}))
        for name in self.plain:
            customer[name] = _text(values, name)
        for name in self.limited:
            if len(customer[name]) > LIMITS[name]:
                errors.append(RowError(number, name, _("At most %(limit)d characters.") % {"limit": LIMITS[name]}))

        email = _text(values, "email").lower() if "email" in present else ""
        if email:
            if len(email) > LIMITS["email"]:
                errors.append(RowError(number, "email", _("At most %(limit)d characters.") % {"limit": 254}))
            elif not _email_is_valid(email):
                errors.append(
                    RowError(number, "email", _("“%(value)s” is not a valid e-mail address.") % {"value": email})
                )
        customer["email"] = email

        phone = ""
        if "phone" in present:
            phone_text = _text(values, "phone")
            if phone_text:
                phone = normalise_phone(phone_text)
                if not _PHONE.match(phone):
                    errors.append(
                        RowError(number, "phone", _("“%(value)s” is not a phone number.") % {"value": phone_text})
                    )
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

        consents = {}
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


# ---------------------------------------------------------------------------------------------------------------
# Export


def escape_cell(value) -> str:
    """A cell as text that a spreadsheet shows but never runs: formulas get a leading apostrophe."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


# ---------------------------------------------------------------------------------------------------------------
# The background apply step

# The longest the background apply may run; the cleanup of stored files counts on it (see
# ``customers.services.import_files.import_preview_max_age``).
IMPORT_TASK_TIME_LIMIT = 3600


@shared_task(
    name="customers.import_customers",
    acks_late=True,
    soft_time_limit=IMPORT_TASK_TIME_LIMIT - 300,
    time_limit=IMPORT_TASK_TIME_LIMIT,
)
def import_customers_task(*, path: str, name: str, on_duplicate: str, user_id: int | None = None) -> dict:
    """Apply a stored customer file (all or nothing) and tell the person who uploaded it."""
    from customers.services.importing import customers_import_stored_file

    return customers_import_stored_file(path=path, name=name, on_duplicate=on_duplicate, user_id=user_id)
