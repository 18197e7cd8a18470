"""Transactional e-mails (survey invitations, acknowledgements, late-delivery notices, erasure confirmations) as
HTML with a text part, in the brand's look and the customer's language, calendar and digits.

A message is a translated text with ``%(name)s`` placeholders, paragraphs separated by a blank line, and the values
that fill it. Each value says what it is, so that both parts show it rightly:

- :func:`identifier`: an order number, a request number, a code. Never rewritten into other digits; isolated left
  to right (``<bdi dir="ltr">``) so ``ORD-20261202-09577BDE`` reads the same inside Persian or Arabic text.
- :func:`number`: a count or an amount, in the reader's digits (``۳``, ``٣``).
- :func:`day`: a date written out in the reader's calendar and digits (``emarketing.dates.long_date``).
- :func:`link`: a URL, as a link in HTML and as the bare address in the text part, left to right.
- anything else (a name the customer typed, a subject) is text: escaped in HTML, kept as it is.

The HTML is ours, not the marketers': it is built from escaped values and our own fragments, so it does not go
through the cleaner of marketers' HTML. Why here: every stage sends such mail, and the project package is the one
place every app may import.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from emarketing.brand.selectors import brand_in
from emarketing.dates import long_date
from emarketing.digits import is_identifier, localize_digits

RTL_LANGUAGES = frozenset({"fa", "ar"})
# Left-to-right isolate … pop directional isolate: an identifier in the text part of a right-to-left message.
_LRI, _PDI = "\u2066", "\u2069"


@dataclass(frozen=True)
class Value:
    """A value of a message, as the text part and as the HTML part show it."""

    text: str
    html: SafeString


def identifier(value: object, language: str) -> Value:
    shown = str(value)
    text = f"{_LRI}{shown}{_PDI}" if language in RTL_LANGUAGES else shown
    return Value(text, format_html('<bdi dir="ltr">{}</bdi>', shown))


def number(value: object, language: str) -> Value:
    shown = str(localize_digits(str(value), language))
    return Value(shown, format_html("{}", shown))


def day(value: dt.date, language: str) -> Value:
    shown = long_date(value, language)
    return Value(shown, format_html("<strong>{}</strong>", shown))


def link(url: str, language: str) -> Value:
    text = f"{_LRI}{url}{_PDI}" if language in RTL_LANGUAGES else url
    return Value(text, format_html('<a href="{}" dir="ltr">{}</a>', url, url))


def isolate_identifiers(text: str) -> SafeString:
    """``text`` escaped, each identifier in it (an order number, a ticket tag ``[#12]``) isolated left to right."""
    return mark_safe(  # noqa: S308 - every part escaped here
        "".join(
            str(format_html('<bdi dir="ltr">{}</bdi>', part)) if is_identifier(part) else str(escape(part))
            for part in _SPACES.split(text)
        )
    )


def brand_name(language: str | None = None) -> str:
    """The name at the top of every e-mail: the brand's name in ``language`` (the active one when not given), in
    English when not written in it; with no brand written, ``BRAND_NAME``, else the product's name, translated."""
    return brand_in(language).name


_SPACES = re.compile(r"(\s+)")
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdi]")


def _slot(key: str) -> str:
    return f"\x00{key}\x00"


def _fill(message: str, values: dict[str, Any], part: str) -> str:
    filled = message
    for key, value in values.items():
        if isinstance(value, Value):
            shown = value.text if part == "text" else str(value.html)
        else:
            shown = str(value) if part == "text" else str(escape(value))
        filled = filled.replace(_slot(key), shown)
    return filled


def transactional_mail(
    *,
    language: str,
    subject: str,
    message: str,
    values: dict[str, Any],
    action: tuple[str, str] | None = None,
    dated: dt.date | None = None,
) -> tuple[str, str]:
    """``(html, text)`` of a transactional e-mail in ``language``: ``message`` (translated, ``%(name)s``
    placeholders, paragraphs separated by blank lines) filled with ``values``; ``action`` an optional button
    ``(label, url)`` under it; ``dated`` an optional date heading the letter, in the reader's calendar and digits.
    Call it inside ``translation.override(language)``."""
    with_slots = _PLACEHOLDER.sub(lambda match: _slot(match.group(1)), message).replace("%%", "%")
    text = _fill(with_slots, values, "text")
    # Escape the translated words first, then put our own fragments in the slots (which escaping leaves intact).
    paragraphs = [
        mark_safe(_fill(str(escape(paragraph)), values, "html").replace("\n", "<br>"))  # noqa: S308 - escaped above
        for paragraph in with_slots.split("\n\n")
        if paragraph.strip()
    ]
    brand = brand_in(language)
    date_line = long_date(dated, language) if dated is not None else ""
    with translation.override(language):
        html = render_to_string(
            "emails/base.html",
            {
                "language": language,
                "direction": "rtl" if language in RTL_LANGUAGES else "ltr",
                "brand": brand,
                "brand_address": brand.address_lines,
                "subject": subject,
                "subject_html": isolate_identifiers(subject),
                "paragraphs": paragraphs,
                "action": action,
                "date_line": date_line,
            },
        )
    text = f"{brand.name}\n{date_line}\n\n{text.strip()}\n" if date_line else f"{brand.name}\n\n{text.strip()}\n"
    if action is not None:
        label, url = action
        text += f"\n{label}: {link(url, language).text}\n"
    signature = "\n".join(line for line in (brand.name, *brand.address_lines, brand.footer.strip()) if line)
    return html, f"{text}\n-- \n{signature}\n"
