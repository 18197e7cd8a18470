"""Persian and Arabic display: Solar Hijri dates and the reader's own digits.

``{% load l10n_extras %}`` then ``{{ value|jdate }}``, ``{{ value|jdate:"Y/m/d H:i" }}`` and
``{{ value|local_digits }}``. In any other language both filters leave the value as Django shows it.
"""

import datetime as dt

import jdatetime
from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.translation import get_language

from emarketing.digits import localize_digits

register = template.Library()

_PERSIAN_MONTHS = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)


_PERSIAN_WEEKDAYS = ("دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه")  # Monday first

# Django's named formats, written for the Solar Hijri calendar.
_NAMED_FORMATS = {
    "DATE_FORMAT": "j F Y",
    "SHORT_DATE_FORMAT": "Y/m/d",
    "DATETIME_FORMAT": "j F Y، H:i",
    "SHORT_DATETIME_FORMAT": "Y/m/d H:i",
    "YEAR_MONTH_FORMAT": "F Y",
    "MONTH_DAY_FORMAT": "j F",
}


def _language():
    return (get_language() or "").split("-")[0]


def _jalali(value, fmt):
    """Format a date or datetime in the Solar Hijri calendar with a subset of Django's date format letters."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        j = jdatetime.datetime.fromgregorian(datetime=value)
    else:
        j = jdatetime.date.fromgregorian(date=value)
    parts = {
        "Y": f"{j.year:04d}",
        "y": f"{j.year % 100:02d}",
        "m": f"{j.month:02d}",
        "n": str(j.month),
        "d": f"{j.day:02d}",
        "j": str(j.day),
        "F": _PERSIAN_MONTHS[j.month - 1],
        "N": _PERSIAN_MONTHS[j.month - 1],
        "M": _PERSIAN_MONTHS[j.month - 1],
        "b": _PERSIAN_MONTHS[j.month - 1],
        "l": _PERSIAN_WEEKDAYS[value.weekday()],
        "D": _PERSIAN_WEEKDAYS[value.weekday()],
    }
    if isinstance(value, dt.datetime):
        parts.update({"H": f"{value.hour:02d}", "G": str(value.hour), "i": f"{value.minute:02d}"})
        parts["s"] = f"{value.second:02d}"
    fmt = _NAMED_FORMATS.get(fmt, fmt)
    out, escaped = [], False
    for char in fmt:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append(parts.get(char, char))
    return "".join(out)


@register.filter(expects_localtime=True, is_safe=False)
def jdate(value, fmt=None):
    """A date or datetime in the Solar Hijri calendar with Persian digits in Persian; Django's ``date`` otherwise.

    The default format is ``Y/m/d`` for dates and ``Y/m/d H:i`` for datetimes (2026-03-21 → ۱۴۰۵/۰۱/۰۱);
    Django's named formats (``"DATE_FORMAT"``, ``"SHORT_DATE_FORMAT"`` …) and the letters d j m n F M b l D Y y
    H G i s are understood. In Arabic the Gregorian date is kept, written with Arabic-Indic digits.
    """
    if value in (None, ""):
        return ""
    if not isinstance(value, dt.date):
        return value
    language = _language()
    if language == "fa":
        default = "Y/m/d H:i" if isinstance(value, dt.datetime) else "Y/m/d"
        return localize_digits(_jalali(value, fmt or default), "fa")
    shown = date_filter(value, fmt) if fmt else date_filter(value)
    return localize_digits(shown, language)


@register.filter(is_safe=True)
def local_digits(value):
    """ASCII digits written as Persian digits in Persian and Arabic-Indic digits in Arabic; unchanged otherwise."""
    if value is None:
        return ""
    return localize_digits(value, _language())
