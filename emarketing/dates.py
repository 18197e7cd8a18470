"""Dates as Persian readers read them and as everyone types them: the Solar Hijri (Jalali) calendar.

In Persian a date is shown in the Solar Hijri calendar with Persian digits (2026-11-22 → ۱۴۰۵/۰۹/۰۱); in English
and Arabic it stays Gregorian. What people type is read in every language: Western, Persian or Arabic-Indic
digits, ``/``, ``-`` or ``.`` between year, month and day, and a year below 1700 is a Solar Hijri year
(``۱۴۰۵/۰۸/۰۲``), any other a Gregorian one (``2026-10-24``).

Why here: like ``digits.py`` this is model-free and used by more than one stage — the ``jdate`` template filter
(``customers/templatetags/l10n_extras.py``), the dashboards' period (``cycle/views.py``) and the admin of every
stage (``emarketing/admin_tools.py``) — so it lives in the project package, which every app may import.
"""

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import jdatetime
from django import forms
from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _
from hijridate import Gregorian

from emarketing.digits import localize_digits, normalize_digits

PERSIAN_MONTHS = (
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
PERSIAN_WEEKDAYS = ("دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه")  # Monday first

# Django's named formats, written for the Solar Hijri calendar.
NAMED_FORMATS = {
    "DATE_FORMAT": "j F Y",
    "SHORT_DATE_FORMAT": "Y/m/d",
    "DATETIME_FORMAT": "j F Y، H:i",
    "SHORT_DATETIME_FORMAT": "Y/m/d H:i",
    "YEAR_MONTH_FORMAT": "F Y",
    "MONTH_DAY_FORMAT": "j F",
}
FIRST_GREGORIAN_YEAR = 1700  # a year typed below this is a Solar Hijri year (1300s, 1400s)


def language() -> str:
    """The active language without its region: ``fa``, ``ar``, ``en`` (or ``""``)."""
    return (get_language() or "").split("-")[0]


def is_persian() -> bool:
    return language() == "fa"


def jalali_format(value: dt.date, fmt: str) -> str:
    """Format a date or datetime in the Solar Hijri calendar, with ASCII digits, using a subset of Django's date
    format letters (d j m n F N M b l D Y y H G i s) or one of Django's named formats. An aware datetime is shown
    in the current time zone."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        j = jdatetime.datetime.fromgregorian(datetime=value)
    else:
        j = jdatetime.date.fromgregorian(date=value)
    parts = _parts(value, j.year, j.month, j.day, months=PERSIAN_MONTHS, weekdays=PERSIAN_WEEKDAYS)
    return _format(NAMED_FORMATS.get(fmt, fmt), parts)


def _parts(
    value: dt.date, year: int, month: int, day: int, *, months: Sequence[str], weekdays: Sequence[str]
) -> dict[str, str]:
    """The format characters of a date in another calendar (its year, month and day), with the time of ``value``."""
    month_name = months[month - 1]
    weekday = weekdays[value.weekday()]
    parts = {
        "Y": f"{year:04d}",
        "y": f"{year % 100:02d}",
        "m": f"{month:02d}",
        "n": str(month),
        "d": f"{day:02d}",
        "j": str(day),
        **dict.fromkeys("FNMb", month_name),
        **dict.fromkeys("lD", weekday),
    }
    if isinstance(value, dt.datetime):
        parts.update({"H": f"{value.hour:02d}", "G": str(value.hour), "i": f"{value.minute:02d}"})
        parts["s"] = f"{value.second:02d}"
    return parts


def _format(fmt: str, parts: dict[str, str]) -> str:
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


def persian_date(value: dt.date, fmt: str | None = None) -> str:
    """A date or datetime as a Persian reader reads it: Solar Hijri calendar, Persian digits.

    The default format is ``Y/m/d`` for a date and ``Y/m/d H:i`` for a datetime (2026-03-21 → ۱۴۰۵/۰۱/۰۱).
    """
    default = "Y/m/d H:i" if isinstance(value, dt.datetime) else "Y/m/d"
    return localize_digits(jalali_format(value, fmt or default), "fa")


# --- the Hijri (Umm al-Qura) calendar, for Arabic readers when ARABIC_CALENDAR is "hijri" -------------------------

HIJRI_MONTHS = (
    "محرم",
    "صفر",
    "ربيع الأول",
    "ربيع الآخر",
    "جمادى الأولى",
    "جمادى الآخرة",
    "رجب",
    "شعبان",
    "رمضان",
    "شوال",
    "ذو القعدة",
    "ذو الحجة",
)
ARABIC_WEEKDAYS = ("الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")  # Monday first
HIJRI_NAMED_FORMATS = {
    "DATE_FORMAT": "j F Y",
    "SHORT_DATE_FORMAT": "Y/m/d",
    "DATETIME_FORMAT": "j F Y، H:i",
    "SHORT_DATETIME_FORMAT": "Y/m/d H:i",
    "YEAR_MONTH_FORMAT": "F Y",
    "MONTH_DAY_FORMAT": "j F",
}


def hijri_format(value: dt.date, fmt: str) -> str:
    """Format a date or datetime in the Hijri calendar (Umm al-Qura, through ``hijridate``), with ASCII digits, using
    the same letters as :func:`jalali_format`. Years outside the Umm al-Qura tables (before 1937, after 2076) stay
    Gregorian, as Django writes them."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    day = value.date() if isinstance(value, dt.datetime) else value
    try:
        h = Gregorian(day.year, day.month, day.day).to_hijri()
    except OverflowError:
        from django.template.defaultfilters import date as date_filter

        return str(date_filter(value, fmt))
    parts = _parts(value, h.year, h.month, h.day, months=HIJRI_MONTHS, weekdays=ARABIC_WEEKDAYS)
    return _format(HIJRI_NAMED_FORMATS.get(fmt, fmt), parts)


def local_date(value: dt.date, fmt: str | None = None, language: str | None = None) -> str:
    """A date or datetime as a reader of ``language`` (default: the active language) reads it.

    Persian: Solar Hijri, Persian digits. Arabic: Gregorian with Arabic month names, or Hijri (Umm al-Qura) when
    ``ARABIC_CALENDAR`` is ``"hijri"``, in Arabic-Indic digits. Others: Django's ``date`` filter. The default
    format is ``Y/m/d`` (``Y/m/d H:i`` for a datetime) in Persian and Hijri, Django's ``DATE_FORMAT`` otherwise.
    """
    from django.template.defaultfilters import date as date_filter

    language = (language if language is not None else get_language() or "").split("-")[0]
    if language == "fa":
        return persian_date(value, fmt)
    if language == "ar" and settings.ARABIC_CALENDAR == "hijri":
        default = "Y/m/d H:i" if isinstance(value, dt.datetime) else "Y/m/d"
        return str(localize_digits(hijri_format(value, fmt or default), "ar"))
    with translation.override(language or None):
        shown = date_filter(value, fmt) if fmt else date_filter(value)
    return str(localize_digits(shown, language))


def long_date(value: dt.date, language: str | None = None) -> str:
    """The day written out for a letter: ``۹ آذر ۱۴۰۵``, ``30 November 2026``, ``٣٠ نوفمبر ٢٠٢٦`` or, in Hijri,
    ``٢٠ جمادى الآخرة ١٤٤٨ هـ``."""
    language = (language if language is not None else get_language() or "").split("-")[0]
    if language == "ar" and settings.ARABIC_CALENDAR == "hijri":
        return local_date(value, "j F Y", language) + " هـ"
    return local_date(value, "j F Y", language)


# --- reading a typed date ----------------------------------------------------------------------------------------

# Bidirectional marks that come along when a date is copied from right-to-left text.
_INVISIBLE = dict.fromkeys(map(ord, "\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_YEAR_FIRST = re.compile(r"^(\d{4})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})$")


class NotADate(ValueError):
    """Year, month and day were read but make no date; ``solar_hijri`` says in which calendar."""

    def __init__(self, text: str, *, solar_hijri: bool) -> None:
        super().__init__(text)
        self.solar_hijri = solar_hijri


def parse_year_month_day(text: object) -> dt.date | None:
    """The date written as year, month, day in ``text``, or None when ``text`` is not written that way.

    Any digits (Western, Persian, Arabic-Indic), ``/`` ``-`` or ``.`` between the parts; a year below 1700 is a
    Solar Hijri year. Raises :class:`NotADate` when the parts make no date (۱۴۰۵/۱۳/۰۱, 1404/12/30, 2026-02-30).
    """
    text = normalize_digits(str(text)).translate(_INVISIBLE).strip()
    match = _YEAR_FIRST.match(text)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    solar_hijri = year < FIRST_GREGORIAN_YEAR
    try:
        if solar_hijri:
            gregorian: dt.date = jdatetime.date(year, month, day).togregorian()
            return gregorian
        return dt.date(year, month, day)
    except ValueError as error:
        raise NotADate(text, solar_hijri=solar_hijri) from error


# --- the form field and its widget -------------------------------------------------------------------------------


def _solar_hijri_help() -> str:
    return gettext("Solar Hijri calendar (year/month/day), for example 1405/09/01.") if is_persian() else ""


solar_hijri_help = lazy(_solar_hijri_help, str)


def _placeholder() -> str:
    # Left-to-right marks keep year, month and day in the order of the digits typed in the left-to-right input.
    parts = (pgettext("date format", "year"), pgettext("date format", "month"), pgettext("date format", "day"))
    return "\u200e/\u200e".join(parts)


class JalaliDateInput(forms.DateInput):
    """In Persian, a text input holding the Solar Hijri date in Persian digits (۱۴۰۵/۰۹/۰۱), left to right, with
    the format as placeholder; in other languages the browser's date picker (``type="date"``, ISO value)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"type": "date", **(attrs or {})}, format="%Y-%m-%d")

    def format_value(self, value: Any) -> str | None:
        date = value
        if isinstance(value, str):
            try:
                date = parse_year_month_day(value)
            except NotADate:
                date = None
            if date is None:
                return value  # shown as typed, next to the error
        if isinstance(date, dt.datetime):
            date = date.date()
        if isinstance(date, dt.date):
            return persian_date(date, "Y/m/d") if is_persian() else date.isoformat()
        return super().format_value(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if is_persian():
            widget = context["widget"]
            widget["type"] = "text"
            widget["attrs"].update({"dir": "ltr", "placeholder": _placeholder(), "autocomplete": "off"})
        return context


class JalaliDateField(forms.DateField):
    """A date typed in the Solar Hijri or the Gregorian calendar, in any digits; shown as the reader reads dates.

    Reads ``۱۴۰۵/۰۸/۰۲``, ``1405-8-2``, ``١٤٠٥.٠٨.٠٢`` (Solar Hijri) and ``2026-10-24``, ``۲۰۲۶/۱۰/۲۴``
    (Gregorian), plus whatever Django's ``DateField`` reads in the active language. In Persian its help text says
    it is the Solar Hijri calendar.
    """

    widget = JalaliDateInput
    default_error_messages = {
        "not_solar_hijri": _("%(value)s is not a day of the Solar Hijri calendar (year/month/day)."),
        "not_gregorian": _("%(value)s is not a day of the Gregorian calendar (year-month-day)."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", solar_hijri_help())
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, str) and value.strip():
            try:
                date = parse_year_month_day(value)
            except NotADate as error:
                code = "not_solar_hijri" if error.solar_hijri else "not_gregorian"
                raise forms.ValidationError(
                    self.error_messages[code], code=code, params={"value": value.strip()}
                ) from error
            if date is not None:
                return date
        return super().to_python(value)
