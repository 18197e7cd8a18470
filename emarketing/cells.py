"""Cell values as exports write them and people type them: dates in a column's one format, yes and no, amounts.

Dates. A column's dates are read in one format, chosen for the whole column, never guessed row by row:
``ymd`` (2024-03-05, also with ``/`` or ``.`` and a time after it), ``dmy`` (05/03/2024), ``mdy`` (03/05/2024),
and, for birthdays without a year, ``md`` (12/24) and ``dm`` (24/12). A year below 1700 is a Solar Hijri
(Persian) year (``۱۴۰۲/۰۱/۰۱``). :func:`guess_date_format` looks at a column's values and names the one format
that reads them all; when two would (03/04/2024 is the 3rd of April or the 4th of March), it says the column
is ambiguous and the caller asks the person importing, or uses the format a vendor's layout fixes.
"""

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

import jdatetime
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from emarketing.digits import to_ascii_digits

DATE_FORMATS = {
    "ymd": _("year-month-day (2024-03-05)"),
    "dmy": _("day/month/year (05/03/2024)"),
    "mdy": _("month/day/year (03/05/2024)"),
    "md": _("month/day, no year (03/05)"),
    "dm": _("day/month, no year (05/03)"),
}
WITH_YEAR = ("ymd", "dmy", "mdy")

_DATE_TIME = re.compile(
    r"^(?P<date>[0-9]{1,4}[/.\-][0-9]{1,2}(?:[/.\-][0-9]{1,4})?)"
    r"(?:[ t]+(?P<time>[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)\s*(?P<half>[ap]m)?"
    r"\s*(?P<zone>z|utc|gmt|[+-][0-9]{2}:?[0-9]{2})?)?$"
)
_PARTS = re.compile(r"[/.\-]")


class PartialDate(NamedTuple):
    """A date that may lack its year (a birthday written 12/24)."""

    year: int | None
    month: int
    day: int

    def date(self) -> dt.date:
        if self.year is None:
            raise ValueError("no year")
        return dt.date(self.year, self.month, self.day)


def _split(value: object) -> tuple[list[str], re.Match[str]]:
    text = to_ascii_digits(str(value)).strip().lower()
    match = _DATE_TIME.match(text)
    if not match:
        raise ValueError(text)
    return _PARTS.split(match["date"]), match


def _ordered(parts: list[str], fmt: str) -> tuple[int | None, int, int]:
    numbers = [int(p) for p in parts]
    if fmt in WITH_YEAR:
        if len(parts) != 3:
            raise ValueError(parts)
        if fmt == "ymd":
            if len(parts[0]) != 4:
                raise ValueError(parts)
            return numbers[0], numbers[1], numbers[2]
        if len(parts[2]) != 4:
            raise ValueError(parts)
        if fmt == "dmy":
            return numbers[2], numbers[1], numbers[0]
        return numbers[2], numbers[0], numbers[1]
    if len(parts) == 3:  # a full date in a no-year column: its year is kept
        year_first = len(parts[0]) == 4
        if year_first:
            return numbers[0], numbers[1], numbers[2]
        if len(parts[2]) != 4:
            raise ValueError(parts)
        return (numbers[2], numbers[0], numbers[1]) if fmt == "md" else (numbers[2], numbers[1], numbers[0])
    if len(parts) != 2:
        raise ValueError(parts)
    return (None, numbers[0], numbers[1]) if fmt == "md" else (None, numbers[1], numbers[0])


def parse_partial_date(value: object, fmt: str) -> PartialDate:
    """A date in format ``fmt``, the year optional for ``md`` and ``dm``; ValueError when it is not one."""
    if isinstance(value, dt.datetime):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    parts, _match = _split(value)
    year, month, day = _ordered(parts, fmt)
    if year is not None and year < 1700:  # 1300s and 1400s: the Persian solar calendar
        gregorian = jdatetime.date(year, month, day).togregorian()
        return PartialDate(gregorian.year, gregorian.month, gregorian.day)
    dt.date(year or 2000, month, day)  # raises ValueError for 31/02; 2000 is a leap year, so 02/29 passes
    return PartialDate(year, month, day)


def parse_date(value: object, fmt: str = "ymd") -> dt.date:
    """A full date in format ``fmt`` (``ymd`` also reads ``dmy`` when the year comes last)."""
    if fmt == "ymd" and not isinstance(value, dt.date):
        parts, _match = _split(value)
        if len(parts) == 3 and len(parts[2]) == 4:
            fmt = "dmy"
    return parse_partial_date(value, fmt).date()


def parse_datetime(value: object, fmt: str = "ymd", *, zone: dt.tzinfo | None = None) -> dt.datetime:
    """A moment: a date in format ``fmt``, an optional time (``14:22``, ``2:22 pm``) and offset (``+0330``, ``Z``).

    Without an offset the time is local time in ``zone`` (default the current time zone; an import passes it once
    for all its rows); without a time it is midnight.
    """
    if zone is None:
        zone = timezone.get_current_timezone()
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, zone)
    if (
        fmt == "ymd"
        and value.__class__ is str
        and value.isascii()
        and value[4:5] == "-"
        and value[5:7].isdigit()  # not a week date (2024-W01-1)
        and value[:4] >= "1700"  # not a Solar Hijri year
    ):
        # The common case, ISO dates as exports write them: read by Python itself, the same moment.
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return moment if moment.tzinfo is not None else timezone.make_aware(moment, zone)
    day = parse_date(value, fmt)
    _parts, match = _split(value)
    hour = minute = second = 0
    if match["time"]:
        pieces = match["time"].split(":")
        hour, minute = int(pieces[0]), int(pieces[1])
        second = int(float(pieces[2])) if len(pieces) > 2 else 0
        if match["half"]:
            if hour > 12:
                raise ValueError(value)
            hour = hour % 12 + (12 if match["half"] == "pm" else 0)
    moment = dt.datetime(day.year, day.month, day.day, hour, minute, second)  # noqa: DTZ001 - zone set below
    offset_text = match["zone"]
    if offset_text in (None, ""):
        return timezone.make_aware(moment, zone)
    if offset_text in ("z", "utc", "gmt"):
        return moment.replace(tzinfo=dt.UTC)
    sign = 1 if offset_text[0] == "+" else -1
    digits = offset_text[1:].replace(":", "")
    offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment.replace(tzinfo=dt.timezone(sign * offset))


class FormatGuess(NamedTuple):
    format: str | None  # the one format that reads every value (None: none does, or several do)
    candidates: tuple[str, ...]  # every format that reads every value
    best: str | None  # the format that reads the most values (to read a column with a few bad cells)

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


def guess_date_format(values: Iterable[object], *, allow_no_year: bool = False) -> FormatGuess:
    """The formats that read every non-empty value of a column, most specific first."""
    formats = [*WITH_YEAR, *(("md", "dm") if allow_no_year else ())]
    read = dict.fromkeys(formats, 0)
    seen = 0
    without_year = False
    for value in values:
        if value in (None, ""):
            continue
        seen += 1
        text = str(value)
        without_year = without_year or text.count("/") + text.count("-") + text.count(".") == 1
        for fmt in formats:
            try:
                parse_partial_date(value, fmt)
            except (ValueError, TypeError, OverflowError):
                continue
            read[fmt] += 1
    if not seen:
        return FormatGuess(None, (), None)
    if not without_year:  # every value has its year: the no-year forms add nothing
        formats = [f for f in formats if f in WITH_YEAR]
    fitting = tuple(f for f in formats if read[f] == seen)
    best = max(formats, key=lambda f: read[f]) if any(read[f] for f in formats) else None
    return FormatGuess(fitting[0] if len(fitting) == 1 else None, fitting, best)


def choose_date_format(values: Iterable[object], *, allow_no_year: bool = False) -> tuple[str | None, bool]:
    """The format to read a column in, and whether it was ambiguous (both day/month and month/day fit).

    The one format that reads every value; when several do, the one that puts the day or the month first as
    ``IMPORT_AMBIGUOUS_DATES`` says; when none does, the one that reads the most (its other cells are errors).
    """
    guess = guess_date_format(values, allow_no_year=allow_no_year)
    if guess.format:
        return guess.format, False
    if guess.ambiguous:
        order = settings.IMPORT_AMBIGUOUS_DATES
        preferred = [c for c in guess.candidates if c[0] == order[0]]
        return (preferred[0] if preferred else guess.candidates[0]), True
    return guess.best, False


YES = {
    "1", "yes", "y", "true", "t", "x", "on", "granted", "opt_in", "opted_in", "optin", "subscribed", "accepted",
    "confirmed", "✓", "✔", "بله", "آری", "اری", "بلی", "موافق", "دارد", "نعم", "مشترك", "مشترک",
}  # fmt: skip
NO = {
    "0", "no", "n", "false", "f", "off", "withdrawn", "opt_out", "opted_out", "optout", "unsubscribed",
    "not_subscribed", "non_subscribed", "declined", "cleaned", "خیر", "نه", "لا", "غیر_موافق", "ندارد", "مخالف",
}  # fmt: skip
_WORD_SEPARATORS = re.compile(r"[\s\-]+")


def parse_yes_no(value: object) -> bool | None:
    """True or False from an explicit answer (English, Persian, Arabic, the usual vendor spellings); None for an
    empty cell. Raises ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = _WORD_SEPARATORS.sub("_", to_ascii_digits(str(value)).strip().lower())
    if text == "":
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(text)


_AMOUNT_NOISE = re.compile(r"[\s\u200c\u066c,'’]|^[^\d\-+.]+|[^\d.]+$")


def parse_amount(value: object) -> Decimal:
    """A money amount: digits in any script, thousands separators, a currency sign before or after."""
    if value.__class__ is str and value.isascii() and value.replace(".", "", 1).isdigit():  # plain 12.50
        return Decimal(value)
    text = to_ascii_digits(str(value)).strip()
    text = _AMOUNT_NOISE.sub("", text.replace("٫", "."))
    try:
        amount = Decimal(text)
    except InvalidOperation as error:
        raise ValueError(value) from error
    if not amount.is_finite():
        raise ValueError(value)
    return amount
