"""How many parts an SMS text takes: GSM 03.38 (7-bit) when every character is in its alphabet, else UCS-2.

A single GSM-7 message holds 160 characters, and each part of a longer one 153 (the rest of the 140 bytes carry
the header that joins the parts). The characters of the extension table (``{ } [ ] ~ \\ | ^ €`` and the form feed)
are sent as an escape and the character, so they count two. A text with any other character (Persian, Arabic,
most emoji) goes as UCS-2: 70 characters single, 67 a part; a character outside the Basic Multilingual Plane (most
emoji) takes two UTF-16 units, and so counts two. A part never ends in the middle of an escape or a surrogate pair.
"""

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


def _units(text: str) -> tuple[str, list[int]]:
    """The encoding and the width of each character in it (GSM-7 septets, or UTF-16 code units)."""
    if all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text):
        return GSM7, [2 if ch in GSM_EXTENSION else 1 for ch in text]
    return UCS2, [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def sms_size(text: str) -> SmsSize:
    """``(encoding, characters, parts)`` of ``text``; an empty text is one part (providers bill it so)."""
    encoding, widths = _units(text)
    total = sum(widths)
    if total <= SINGLE[encoding]:
        return SmsSize(encoding, total, 1)
    parts, used = 1, 0
    for width in widths:  # a two-unit character never straddles two parts
        if used + width > PER_PART[encoding]:
            parts += 1
            used = 0
        used += width
    return SmsSize(encoding, total, parts)
