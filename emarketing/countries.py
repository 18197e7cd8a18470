"""Countries as people write them: ISO codes, or names in English, Persian or Arabic.

``country_code("Iran")``, ``country_code("ایران")``, ``country_code("إيران")`` and ``country_code("IRN")`` are all
``"IR"``. The names come from pycountry (ISO 3166-1 with the ISO's own translations, maintained by the Debian
iso-codes project): each country's code, short, common and official names in English, and their Persian and
Arabic translations. Names are compared folded: case, Arabic diacritics, the Arabic and Persian forms of ی and
ک, the Arabic article "ال", punctuation and the words after a comma ("Iran, Islamic Republic of") do not count.
A name that is the start of exactly one country's name ("عربستان" for "عربستان سعودی") is that country.
"""

import functools
import gettext
import re
import unicodedata

import pycountry

from emarketing.digits import to_ascii_digits

LANGUAGES = ("fa", "ar")

# Everyday names the ISO lists do not carry.
EXTRA_NAMES = {
    "uk": "GB",
    "england": "GB",
    "great britain": "GB",
    "usa": "US",
    "america": "US",
    "united states of america": "US",
    "uae": "AE",
    "emirates": "AE",
    "persia": "IR",
    "ksa": "SA",
    "turkey": "TR",
    "russia": "RU",
    "korea": "KR",
    "south korea": "KR",
    "syria": "SY",
    "vietnam": "VN",
    "آمریکا": "US",
    "امریکا": "US",
    "انگلیس": "GB",
    "بریتانیا": "GB",
    "بریطانیا": "GB",
    "امارات": "AE",
    "ترکیه": "TR",
    "ترکیا": "TR",
    "سوریه": "SY",
    "سوریا": "SY",
    "روسیه": "RU",
    "روسیا": "RU",
    "کره جنوبی": "KR",
    "السعودیه": "SA",
}

_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u0640]")  # Arabic harakat, superscript alef, tatweel
_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "أ": "ا", "إ": "ا", "آ": "ا", "\u200c": " "})
_PUNCTUATION = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def fold(name: str) -> str:
    """A name as it is compared: lower case, no diacritics, one spelling of each letter, no article."""
    text = unicodedata.normalize("NFKC", to_ascii_digits(name)).lower()
    text = _DIACRITICS.sub("", text).translate(_LETTERS)
    text = text.split(",")[0].split("،")[0]
    text = _SPACES.sub(" ", _PUNCTUATION.sub(" ", text)).strip()
    words = [w[2:] if w.startswith("ال") and len(w) > 3 else w for w in text.split(" ")]
    return " ".join(words)


@functools.cache
def _names() -> dict[str, str]:
    """Every folded name of every country, to its alpha-2 code (a name two countries share is left out)."""
    translations = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]) for lang in LANGUAGES]
    found: dict[str, set[str]] = {}
    for country in pycountry.countries:
        english = [getattr(country, attribute, "") for attribute in ("name", "common_name", "official_name")]
        names = [country.alpha_2, country.alpha_3, *english]
        names += [t.gettext(name) for t in translations for name in english if name]
        for name in names:
            key = fold(name) if name else ""
            if key:
                found.setdefault(key, set()).add(country.alpha_2)
    table = {key: codes.pop() for key, codes in found.items() if len(codes) == 1}
    table.update({fold(name): code for name, code in EXTRA_NAMES.items()})
    return table


@functools.lru_cache(maxsize=4096)  # a file names the same few countries on every row
def country_code(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country written as a code or a name; None when it is not one."""
    key = fold(text)
    if not key:
        return None
    names = _names()
    if key in names:
        return names[key]
    if len(key) < 4:  # too short to stand for the start of a name
        return None
    starting = {code for name, code in names.items() if name.startswith(key + " ")}
    return starting.pop() if len(starting) == 1 else None
