"""Reading customers' words in English, Persian and Arabic: one spelling per letter, then the forms of a word.

``fold`` writes a text in one form: Arabic and Persian code points of the same letter (ي/ی/ى, ك/ک, ة/ه,
أ/إ/آ/ا, ؤ/و), no diacritics (harakat), no tatweel, no zero-width non-joiner (``قیمت‌ها`` and ``قیمتها`` read
alike), Persian and Arabic-Indic digits as ASCII digits. ``tokens`` cuts a folded text into words and glues the
affixes that people type apart (``می خواهم``, ``قیمت ها``). ``forms`` gives the few forms a word is known by:
itself, its Snowball stem (Persian and Arabic for Arabic script, English for Latin script; the ``snowballstemmer``
package), and the word without a pronoun suffix or a verb or article prefix. Every function is pure and
the forms of a word are cached, so a word is stemmed once however many comments it appears in.
"""

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_LETTERS = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "\u200c": None,  # zero-width non-joiner
        "\u200d": None,  # zero-width joiner
        "\u0640": None,  # tatweel (kashida)
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Persian digits
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    }
)
_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")  # harakat, superscript alef, Quranic marks
_WORD = re.compile(r"\w+")
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")
# Back to Arabic code points for the Arabic stemmer, which knows its suffixes by them.
_TO_ARABIC = str.maketrans({"ی": "ي", "ک": "ك"})

# Persian affixes often typed as words of their own: glued back to their neighbour.
_GLUE_NEXT = frozenset({"می", "نمی"})
_GLUE_PREVIOUS = frozenset({"ها", "های", "هایی", "هام", "هاش", "تر", "ترین", "ام", "اش", "ات", "اید", "اند", "ای"})

# Pronoun suffixes (Persian written and spoken, Arabic) and verb or article prefixes tried off a word, longest first.
_SUFFIXES = (
    "هایشان",
    "هاتون",
    "هاشون",
    "هایی",
    "های",
    "تون",
    "شون",
    "مون",
    "تان",
    "شان",
    "مان",
    "ها",
    "ام",
    "اش",
    "ات",
    "ش",
    "م",
    "ت",
    "ه",
    "ی",
    "و",
)
_PREFIXES = ("نمی", "می", "وال", "بال", "فال", "کال", "لل", "ال", "ن", "ب", "و", "ف")
_MIN_LENGTH = 3  # a shorter stem names too many words to be told apart

_persian = snowballstemmer.stemmer("persian")
_arabic = snowballstemmer.stemmer("arabic")
_english = snowballstemmer.stemmer("english")


def fold(text: str) -> str:
    """``text`` in one spelling: lower case, one code point per letter, no marks, ASCII digits."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _MARKS.sub("", text).translate(_LETTERS)


def tokens(folded: str) -> list[str]:
    """The words of a folded text, with Persian affixes that were typed apart glued back on."""
    words = _WORD.findall(folded)
    glued: list[str] = []
    carry = ""
    for word in words:
        if word in _GLUE_NEXT:
            carry += word
            continue
        if word in _GLUE_PREVIOUS and glued and not carry:
            glued[-1] += word
            continue
        glued.append(carry + word)
        carry = ""
    if carry:
        glued.append(carry)
    return glued


@lru_cache(maxsize=200_000)
def _stems(word: str) -> frozenset[str]:
    if not _ARABIC_SCRIPT.search(word):
        return frozenset({word, _english.stemWord(word)})
    return frozenset({word, _persian.stemWord(word), fold(_arabic.stemWord(word.translate(_TO_ARABIC)))})


@lru_cache(maxsize=200_000)
def forms(word: str) -> frozenset[str]:
    """The forms a folded word is known by: itself, its stems, and itself without a suffix or a prefix."""
    found = set(_stems(word))
    if _ARABIC_SCRIPT.search(word):
        bases = [word] + [
            word[len(prefix) :]
            for prefix in _PREFIXES
            if word.startswith(prefix) and len(word) - len(prefix) >= _MIN_LENGTH
        ]
        for base in bases:
            found.add(base)
            for suffix in _SUFFIXES:
                if base.endswith(suffix) and len(base) - len(suffix) >= _MIN_LENGTH:
                    found |= _stems(base[: -len(suffix)])
            found |= _stems(base)
    return frozenset(form for form in found if len(form) >= _MIN_LENGTH or form == word)


def keyword_forms(word: str) -> frozenset[str]:
    """The forms a marketer's keyword matches: the folded word and its stems (never a stem that is too short)."""
    folded = fold(word)
    return frozenset(form for form in _stems(folded) if len(form) >= _MIN_LENGTH or form == folded)
