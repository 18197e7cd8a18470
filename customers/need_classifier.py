"""What a piece of feedback is about: the need categories its words name (English, Persian, Arabic).

It is deliberately simple and predictable so marketers can see why a comment landed where it did: the
keywords are data (``customers/need_keywords.py``) that can be extended without touching the loop. Words are
compared in one spelling and by their forms (``customers/text_reading.py``), so ``دير رسيد``, ``دیر رسیده``
and ``دیـــر رسید`` all name delivery. A comment that names two problems ("late and expensive") names both.
"""

from dataclasses import dataclass, field

from customers.models import NeedCategory, NeedKind
from customers.need_keywords import KEYWORDS
from customers.text_reading import fold, forms, keyword_forms, tokens

TITLES = {
    NeedCategory.DELIVERY: "Delivery on time and in good shape",
    NeedCategory.PRICE: "Prices and offers that suit",
    NeedCategory.QUALITY: "Product quality",
    NeedCategory.PRODUCT_REQUEST: "Products and options customers ask for",
    NeedCategory.SUPPORT: "Faster, friendlier support",
    NeedCategory.PAYMENT: "Smooth payment and refunds",
    NeedCategory.WEBSITE: "An easier website",
    NeedCategory.INFORMATION: "Clearer product information",
    NeedCategory.OTHER: "Other feedback",
}

_ORDER = {category: position for position, category in enumerate(KEYWORDS)}


@dataclass
class _Compiled:
    """The keywords made ready once: a word's form -> the patterns it satisfies, and what each pattern names."""

    exact: dict[str, set[int]] = field(default_factory=dict)
    prefixes: list[tuple[str, int]] = field(default_factory=list)
    # A one-word keyword: its pattern -> categories. A phrase: its first pattern -> (patterns, category).
    single: dict[int, set[str]] = field(default_factory=dict)
    phrases: dict[int, list[tuple[tuple[int, ...], str]]] = field(default_factory=dict)
    patterns: dict[str, int] = field(default_factory=dict)
    by_word: dict[str, frozenset[int]] = field(default_factory=dict)

    def pattern(self, word: str) -> int:
        if word in self.patterns:
            return self.patterns[word]
        pid = self.patterns[word] = len(self.patterns)
        if word.endswith("*"):
            self.prefixes.append((fold(word[:-1]), pid))
        elif word.startswith("="):
            self.exact.setdefault(fold(word[1:]), set()).add(pid)
        else:
            for form in keyword_forms(word):
                self.exact.setdefault(form, set()).add(pid)
        return pid

    def matches(self, word: str) -> frozenset[int]:
        """The patterns a folded word of a comment satisfies (cached: each word is worked out once)."""
        found = self.by_word.get(word)
        if found is None and word.isdigit():
            return frozenset()  # order numbers, amounts: never a need, and too many to remember
        if found is None:
            word_forms = forms(word)
            hits: set[int] = set()
            for form in word_forms:
                hits |= self.exact.get(form, set())
            for prefix, pid in self.prefixes:
                if any(form.startswith(prefix) for form in word_forms):
                    hits.add(pid)
            found = frozenset(hits)
            if len(self.by_word) < 500_000:
                self.by_word[word] = found
        return found


def _compile() -> _Compiled:
    compiled = _Compiled()
    for category, keywords in KEYWORDS.items():
        for keyword in keywords:
            # Split and spelled as comments are; a final "*" makes the last word a beginning.
            words = tokens(fold(keyword.strip("=*")))
            if keyword.endswith("*"):
                words[-1] += "*"
            if keyword.startswith("="):
                words[0] = "=" + words[0]
            pids = tuple(compiled.pattern(word) for word in words)
            if len(pids) == 1:
                compiled.single.setdefault(pids[0], set()).add(category)
            else:
                compiled.phrases.setdefault(pids[0], []).append((pids, category))
    return compiled


_COMPILED = _compile()


def classify_all(text: str) -> tuple[str, ...]:
    """Every category ``text`` names, the most named first (each once); ``("other",)`` when it names none."""
    hits: dict[str, int] = {}
    matched = [_COMPILED.matches(word) for word in tokens(fold(text))]
    for position, pids in enumerate(matched):
        named: set[str] = set()  # a word counts once per category, however many of its keywords it matches
        for pid in pids:
            named.update(_COMPILED.single.get(pid, ()))
            for phrase, category in _COMPILED.phrases.get(pid, ()):
                end = position + len(phrase)
                if end <= len(matched) and all(p in matched[position + i] for i, p in enumerate(phrase)):
                    named.add(category)
        for category in named:
            hits[category] = hits.get(category, 0) + 1
    if not hits:
        return (NeedCategory.OTHER,)
    return tuple(sorted(hits, key=lambda category: (-hits[category], _ORDER[category])))


def classify(text: str) -> str:
    """The category ``text`` names most often; ``other`` when it names none."""
    return classify_all(text)[0]


def kind_for(category: str, *, unhappy: bool) -> str:
    if category == NeedCategory.PRODUCT_REQUEST:
        return NeedKind.WANT
    return NeedKind.COMPLAINT if unhappy else NeedKind.NEED
