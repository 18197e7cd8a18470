"""Reading comments: one spelling per letter, words known by their forms, every need a comment names."""

import csv
from pathlib import Path

import pytest

from customers.models import NeedCategory
from customers.need_classifier import classify, classify_all
from customers.text_reading import fold, tokens

DATA = Path(__file__).resolve().parent.parent / "data" / "feedback"
NEEDS = {c for c in NeedCategory.values if c != NeedCategory.OTHER}


@pytest.mark.parametrize(
    "variant, plain",
    [
        ("قيمت", "قیمت"),  # Arabic yeh
        ("كيفيت", "کیفیت"),  # Arabic kaf
        ("جودة", "جوده"),  # teh marbuta
        ("أسعار", "اسعار"),  # alef with hamza
        ("إرجاع", "ارجاع"),
        ("مُتَأَخِّر", "متاخر"),  # harakat
        ("تأخـــر", "تاخر"),  # tatweel
        ("قیمت‌ها", "قیمتها"),  # zero-width non-joiner
        ("سفارش ۴۵۶۷ و ٤٥٦٧", "سفارش 4567 و 4567"),  # Persian and Arabic-Indic digits
    ],
)
def test_letter_variants_marks_and_digits_read_alike(variant, plain):
    assert fold(variant) == fold(plain)


def test_affixes_typed_apart_are_glued_back():
    assert tokens(fold("قیمت ها رو می خواستم")) == ["قیمتها", "رو", "میخواستم"]


@pytest.mark.parametrize(
    "comment, category",
    [
        ("قیمت‌هاتون بالاست", NeedCategory.PRICE),  # plural and pronoun ending
        ("قيمتهاتون بالاست", NeedCategory.PRICE),  # the same, Arabic yeh, no ZWNJ
        ("قیمت ها بالاست", NeedCategory.PRICE),  # a space instead of the ZWNJ
        ("هنوز نرسیده", NeedCategory.DELIVERY),  # negative verb form
        ("الأسعار غالية", NeedCategory.PRICE),  # article and feminine ending
        ("الجـــودة رديئة", NeedCategory.QUALITY),
        ("جودته ضعيفة", NeedCategory.QUALITY),  # pronoun ending
        ("Deliveries are always delayed", NeedCategory.DELIVERY),
        ("My card was charged twice", NeedCategory.PAYMENT),
    ],
)
def test_a_word_is_known_by_its_forms(comment, category):
    assert classify(comment) == category


def test_a_comment_names_every_need_once_and_the_most_named_first():
    assert classify_all("گرون بود، خیلی گرون، قیمت‌ها بالاست؛ دیر رسید") == (NeedCategory.PRICE, NeedCategory.DELIVERY)
    assert classify("late and expensive") == NeedCategory.DELIVERY  # a tie goes to the first category


@pytest.mark.parametrize("comment", ["", "Very happy", "عالی بود ممنون", "شكراً لكم", "Translate this"])
def test_praise_and_words_that_merely_contain_a_keyword_name_no_need(comment):
    assert classify_all(comment) == (NeedCategory.OTHER,)


def _micro_f1(language: str) -> float:
    tp = fp = fn = 0
    with open(DATA / f"{language}.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) >= {"fa": 300, "ar": 300, "en": 100}.get(language, 50)
    for row in rows:
        truth = set(row["categories"].split("|")) & NEEDS
        found = set(classify_all(row["text"])) & NEEDS
        tp, fp, fn = tp + len(found & truth), fp + len(found - truth), fn + len(truth - found)
    return 2 * tp / (2 * tp + fp + fn)


@pytest.mark.parametrize("language", ["fa", "ar", "en"])
def test_the_hand_labelled_comments_are_read_well_enough(language):
    # The floor under the figures in docs/loop.md ("How comments are read"); the old classifier scored
    # 0.74 (Persian), 0.65 (Arabic) and 0.68 (English) on the same comments.
    assert _micro_f1(language) >= 0.85


@pytest.mark.parametrize("language", ["fa_holdout", "ar_holdout"])
def test_comments_the_keywords_were_not_written_from_are_read_well_enough(language):
    # Written after the keywords were fixed; the old classifier scored 0.71 (Persian) and 0.57 (Arabic).
    assert _micro_f1(language) >= 0.8
