"""Values as people type them in a spreadsheet: dates (Gregorian or Persian), yes and no, with Persian (۰-۹) and
Arabic-Indic (٠-٩) digits read as ASCII ones (``emarketing.digits``). Phones and e-mail addresses are read by
``emarketing.contacts``."""

import datetime as dt
import re

import jdatetime

from emarketing.digits import to_ascii_digits

_DATE_SEPARATORS = re.compile(r"[/.\-\s]+")


def parse_date(value) -> dt.date:
    """A date from ISO ``YYYY-MM-DD`` (also with / or .), ``DD/MM/YYYY``, or a Persian (Jalali) year below 1700.

    Raises ValueError when the value is not a date.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = to_ascii_digits(str(value)).strip()
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
    text = to_ascii_digits(str(value)).strip().lower()
    if text == "":
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(text)
