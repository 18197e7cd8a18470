"""Digits as Persian and Arabic speakers type them, and as they read them.

Customers and marketers write numbers with Persian (۰-۹) or Arabic-Indic (٠-٩) digits, and Arabic decimal
(٫) and thousands (٬) separators. Everything the product stores and computes uses ASCII digits; what it shows
in Persian or Arabic uses the reader's own digits.
"""

import re
from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")

_ASCII = "0123456789"
_PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"

# The one table of digits: every other conversion below is built from these three strings.
_DIGITS_TO_ASCII = dict(zip(_PERSIAN + _ARABIC_INDIC, _ASCII * 2, strict=True))
_TO_ASCII = str.maketrans({**_DIGITS_TO_ASCII, "٫": ".", "٬": ","})
_ONLY_DIGITS_TO_ASCII = str.maketrans(_DIGITS_TO_ASCII)
_OTHER_SCRIPT_TO = {
    "fa": str.maketrans(_ARABIC_INDIC, _PERSIAN),
    "ar": str.maketrans(_PERSIAN, _ARABIC_INDIC),
}
_DECIMAL_POINT = re.compile(r"(?<=[0-9])\.(?=[0-9])")
_TO_LOCAL = {
    "fa": str.maketrans(_ASCII, _PERSIAN),
    "ar": str.maketrans(_ASCII, _ARABIC_INDIC),
}


def normalize_digits(text: _T) -> _T | str:
    """Return ``text`` with Persian and Arabic-Indic digits and Arabic separators turned into ASCII.

    Anything that is not a string (None, numbers, dates) is returned unchanged.
    """
    if not isinstance(text, str):
        return text
    return text.translate(_TO_ASCII)


def to_ascii_digits(text: str) -> str:
    """Return ``text`` with Persian and Arabic-Indic digits turned into ASCII; separators and all else stay."""
    if text.isascii():  # nothing to translate, and much the most common case
        return text
    return text.translate(_ONLY_DIGITS_TO_ASCII)


def to_script_digits(text: str, language: str) -> str:
    """Return ``text`` with the other script's digits written in those of ``language`` ("fa" or "ar").

    Arabic-Indic digits become Persian ones for "fa" and the reverse for "ar"; ASCII digits stay as they are.
    """
    return text.translate(_OTHER_SCRIPT_TO[language])


# A run of text without spaces that holds a Latin letter or an identifier's mark is an identifier, a code, an
# address or a word of another script: an order number (ORD-20261202-09577BDE), a ticket tag (#42), an e-mail
# address, a URL, "24-hour". Its digits stay as they are written.
_WORD = re.compile(r"\S+")
_IDENTIFIER = re.compile(r"[A-Za-z@#_]")


def is_identifier(word: str) -> bool:
    """A word (no spaces) that is an identifier, a code, an address or a word of a Latin script: its digits are
    never rewritten, and right-to-left text isolates it left to right."""
    return bool(_IDENTIFIER.search(word))


def _localize_word(word: str, table: dict[int, int]) -> str:
    if is_identifier(word):
        return word
    return _DECIMAL_POINT.sub("٫", word).translate(table)


def localize_digits(text: _T, language: str | None) -> _T | str:
    """Return ``text`` with ASCII digits written in the digits of ``language`` (Persian or Arabic-Indic).

    A decimal point between two digits becomes the Arabic decimal separator (12.5 → ۱۲٫۵). Only numbers are
    rewritten: a word that holds a Latin letter, ``@``, ``#`` or ``_`` (an identifier, a code, an address,
    a URL, "24-hour") keeps its digits, so ``ORD-20261202-09577BDE`` never becomes ``ORD-۲۰۲۶۱۲۰۲-…``. Other
    languages, and an empty language, leave the text unchanged.
    """
    table = _TO_LOCAL.get((language or "").split("-")[0])
    if table is None:
        return text
    return _WORD.sub(lambda match: _localize_word(match.group(), table), str(text))


def _digit_tolerant(to_python: Callable[[Any, Any], Any], *, numeric: bool) -> Callable[[Any, Any], Any]:
    def to_python_with_any_digits(self: Any, value: Any) -> Any:
        if isinstance(value, str):
            if numeric:
                # In a number the Arabic thousands separator only groups digits: drop it rather than read a comma.
                value = value.replace("٬", "")
            value = normalize_digits(value)
        return to_python(self, value)

    to_python_with_any_digits.digit_tolerant = True  # type: ignore[attr-defined]
    to_python_with_any_digits.__wrapped__ = to_python  # type: ignore[attr-defined]
    to_python_with_any_digits.__doc__ = to_python.__doc__
    return to_python_with_any_digits


def accept_local_digits_in_forms() -> None:
    """Make Django's number, date and time form fields read Persian and Arabic-Indic digits.

    Why here and like this: the fields that parse digits are few and known (integer, decimal, float, date,
    date-time, time, duration), and every form of the product — the admin's, the public pages', those built by
    ``ModelForm`` — builds them from these classes. Normalising in their ``to_python`` changes only what is
    about to be parsed as a number or a date, so "۱۲" and "١٢" mean 12 everywhere, while free text (names,
    messages, addresses) keeps the digits the customer wrote. A middleware rewriting request data would alter
    that text too; a mixin would have to be remembered in every form. The wrapping is idempotent and keeps the
    original method reachable as ``__wrapped__``. It runs once, from ``customers.apps.CustomersConfig.ready``.
    """
    from django import forms

    numeric = (forms.IntegerField, forms.DecimalField, forms.FloatField)
    temporal = (forms.DateField, forms.DateTimeField, forms.TimeField, forms.DurationField)
    for field_class in numeric + temporal:
        original = field_class.__dict__.get("to_python")
        if original is None or getattr(original, "digit_tolerant", False):
            continue
        field_class.to_python = _digit_tolerant(  # type: ignore[method-assign, assignment]
            original, numeric=field_class in numeric
        )
