"""How well the loop reads comments: precision and recall per need category and language, before and after.

    .venv/bin/python bench/loop_classifier.py
    .venv/bin/python bench/loop_classifier.py --markdown     # the table for docs/loop.md
    .venv/bin/python bench/loop_classifier.py --items 200000  # comments classified for the speed figure

The labelled comments are tests/data/feedback/{fa,ar,en}.tsv: realistic customer comments written and labelled
by hand with the set of categories each names (``other`` when none). The keywords were written knowing those
comments' vocabulary, so their figures flatter; {fa,ar}_holdout.tsv were written after the keywords were fixed
and were never used to change them: their figures are the fairer estimate. The baseline is the keyword classifier as
it was (``bench/need_classifier_before.py``: substrings, one category per comment), run in the same process.
Micro averages are over the eight need categories (``other`` is the absence of one). Speed: comments per second
over N comments drawn from the set, first with the word cache empty, then again once warm; the old classifier
has no cache. Last line: ``loop_classifier: RATIO x`` (micro F1 after / before, all languages).
"""

import argparse
import csv
import os
import random
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")

import django  # noqa: E402

django.setup()

from bench import need_classifier_before as before  # noqa: E402
from customers import need_classifier, text_reading  # noqa: E402
from customers.models import NeedCategory  # noqa: E402

DATA = ROOT / "tests" / "data" / "feedback"
LANGUAGES = {
    "fa": "Persian",
    "ar": "Arabic",
    "en": "English",
    "fa_holdout": "Persian, held out",
    "ar_holdout": "Arabic, held out",
}
NEEDS = [c for c in NeedCategory.values if c != NeedCategory.OTHER]


def load(language: str) -> list[tuple[str, set[str]]]:
    with open(DATA / f"{language}.tsv", encoding="utf-8", newline="") as handle:
        return [(row["text"], set(row["categories"].split("|"))) for row in csv.DictReader(handle, delimiter="\t")]


def score(rows: Iterable[tuple[str, set[str]]], read: Callable[[str], Iterable[str]]) -> dict[str, list[int]]:
    """Per category: [true positives, false positives, false negatives]; ``micro`` sums the need categories."""
    counts = {c: [0, 0, 0] for c in [*NEEDS, NeedCategory.OTHER, "micro"]}
    for text, truth in rows:
        found = set(read(text))
        for category in counts:
            if category == "micro":
                continue
            tp, fp, fn = category in found and category in truth, category in found - truth, category in truth - found
            counts[category][0] += tp
            counts[category][1] += fp
            counts[category][2] += fn
            if category != NeedCategory.OTHER:
                counts["micro"][0] += tp
                counts["micro"][1] += fp
                counts["micro"][2] += fn
    return counts


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def old_read(text: str) -> list[str]:
    return [before.classify(text)]


def speed(read: Callable[[str], object], texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        read(text)
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000, help="comments classified for the speed figure")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()

    # Speed first, while the word cache is still empty.
    sets = {language: load(language) for language in LANGUAGES}
    every = [text for rows in sets.values() for text, _ in rows]
    rng = random.Random(7)
    texts = [rng.choice(every) for _ in range(args.items)]
    # Comments as many different customers write them: a different number or name in most, so the cache also
    # meets words it has not seen.
    texts = [f"{text} {rng.randint(1, 10**6)}" if i % 2 else text for i, text in enumerate(texts)]
    text_reading.forms.cache_clear()
    text_reading._stems.cache_clear()
    need_classifier._COMPILED.by_word.clear()
    cold = speed(need_classifier.classify_all, texts)
    warm = speed(need_classifier.classify_all, texts)
    old = speed(old_read, texts)

    totals = {"before": {"micro": [0, 0, 0]}, "after": {"micro": [0, 0, 0]}}
    lines = []
    if args.markdown:
        lines.append("| language | category | precision before | recall before | precision after | recall after |")
        lines.append("|---|---|---:|---:|---:|---:|")
    for language, rows in sets.items():
        old_counts = score(rows, old_read)
        new_counts = score(rows, need_classifier.classify_all)
        for name, counts in (("before", old_counts), ("after", new_counts)):
            totals[name]["micro"] = [a + b for a, b in zip(totals[name]["micro"], counts["micro"], strict=True)]
        if not args.markdown:
            print(f"\n{LANGUAGES[language]} ({len(rows)} comments)")
            print(f"  {'category':<16} {'before P':>8} {'R':>6} {'F1':>6}   {'after P':>8} {'R':>6} {'F1':>6}")
        for category in [*NEEDS, NeedCategory.OTHER, "micro"]:
            p0, r0, f0 = prf(*old_counts[category])
            p1, r1, f1 = prf(*new_counts[category])
            label = "micro average" if category == "micro" else str(category)
            if args.markdown:
                bold = "**" if category == "micro" else ""
                lines.append(
                    f"| {LANGUAGES[language]} | {bold}{label}{bold} | {p0:.2f} | {r0:.2f} | {bold}{p1:.2f}{bold} | "
                    f"{bold}{r1:.2f}{bold} |"
                )
            else:
                print(f"  {label:<16} {p0:8.2f} {r0:6.2f} {f0:6.2f}   {p1:8.2f} {r1:6.2f} {f1:6.2f}")
    if args.markdown:
        print("\n".join(lines))
    _, _, f_before = prf(*totals["before"]["micro"])
    p_after, r_after, f_after = prf(*totals["after"]["micro"])
    print(
        f"\nspeed over {len(texts):,} comments: before {old:,.0f}/s; after {cold:,.0f}/s with an empty word cache, "
        f"{warm:,.0f}/s warm ({warm / old:.2f}x before)"
    )
    print(
        f"loop_classifier: {f_after / f_before:.2f} x (micro F1 over all languages {f_before:.2f} before -> "
        f"{f_after:.2f} after; precision {p_after:.2f}, recall {r_after:.2f})"
    )


if __name__ == "__main__":
    main()
