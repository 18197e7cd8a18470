"""Persian and Arabic display: Solar Hijri dates and the reader's own digits.

The Solar Hijri calendar itself (formatting, reading typed dates) is in ``emarketing/dates.py``.

``{% load l10n_extras %}`` then ``{{ value|jdate }}``, ``{{ value|jdate:"Y/m/d H:i" }}`` and
``{{ value|local_digits }}``. In any other language both filters leave the value as Django shows it.
"""

import datetime as dt

from django import template

from emarketing.dates import language as _language
from emarketing.dates import local_date
from emarketing.digits import localize_digits

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def jdate(value, fmt=None):
    """A date or datetime in the reader's calendar and digits (``emarketing.dates.local_date``).

    Persian: the Solar Hijri calendar with Persian digits; the default format is ``Y/m/d`` for dates and
    ``Y/m/d H:i`` for datetimes (2026-03-21 → ۱۴۰۵/۰۱/۰۱); Django's named formats (``"DATE_FORMAT"`` …) and the
    letters d j m n F M b l D Y y H G i s are understood. Arabic: the Gregorian date with Arabic-Indic digits, or
    the Hijri (Umm al-Qura) one when ``ARABIC_CALENDAR`` is ``"hijri"``. Other languages: Django's ``date``.
    """
    if value in (None, ""):
        return ""
    if not isinstance(value, dt.date):
        return value
    return local_date(value, fmt)


@register.filter(is_safe=True)
def local_digits(value):
    """ASCII digits written as Persian digits in Persian and Arabic-Indic digits in Arabic; unchanged otherwise."""
    if value is None:
        return ""
    return localize_digits(value, _language())
