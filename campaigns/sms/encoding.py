"""How many parts an SMS text takes: GSM 03.38 (7-bit) when every character is in its alphabet, else UCS-2.

A single GSM-7 message holds 160 characters, and each part of a longer one 153 (the rest of the 140 bytes carry
the header that joins the parts). The characters of the extension table (``{ } [ ] ~ \\ | ^ €`` and the form feed)
are sent as an escape and the character, so they count two. A text with any other character (Persian, Arabic,
most emoji) goes as UCS-2: 70 characters single, 67 a part; a character outside the Basic Multilingual Plane (most
emoji) takes two UTF-16 units, and so counts two. A part never ends in the middle of an escape or a surrogate pair.
"""

import math
from dataclasses import dataclass

GSM7 = "gsm7"
UCS2 = "ucs2"

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE = {GSM7: 160, UCS2: 70}
PER_PART = {GSM7: 153, UCS2: 67}


@dataclass(frozen=True)
class SmsSize:
    """What a text costs to send: its encoding, its length in that encoding's units, and its parts."""

    encoding: str
    characters: int
    parts: int


GSM_ALL = GSM_BASIC | GSM_EXTENSION


def _encoding(text: str) -> tuple[str, frozenset[str] | set[str]]:
    chars = set(text)
    return (GSM7 if chars <= GSM_ALL else UCS2), chars


def _width(ch: str, encoding: str) -> int:
    if encoding == GSM7:
        return 2 if ch in GSM_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def sms_size(text: str) -> SmsSize:
    """``(encoding, characters, parts)`` of ``text``; an empty text is one part (providers bill it so)."""
    encoding, chars = _encoding(text)
    if encoding == GSM7:
        wide = chars & GSM_EXTENSION
        total = len(text) + sum(text.count(ch) for ch in wide)
    else:
        wide = {ch for ch in chars if ord(ch) > 0xFFFF}
        total = len(text.encode("utf-16-le")) // 2
    if total <= SINGLE[encoding]:
        return SmsSize(encoding, total, 1)
    if not wide:
        return SmsSize(encoding, total, math.ceil(total / PER_PART[encoding]))
    parts, used = 1, 0
    for ch in text:  # a two-unit character never straddles two parts
        width = _width(ch, encoding)
        if used + width > PER_PART[encoding]:
            parts += 1
            used = 0
        used += width
    return SmsSize(encoding, total, parts)
