"""A comment that names two problems counts toward both needs; each need once per comment."""

import pytest

from customers.models import Need, NeedCategory, NeedKind, NeedMention
from cycle.models import LoopTrigger
from cycle.services.loop import loop_run
from tests.aftersales.factories import ReviewFactory, SurveyResponseFactory, TicketFactory


def _heard() -> list[tuple[str, int]]:
    return sorted(Need.objects.values_list("category", "mention_count"))


def test_a_comment_naming_one_problem_becomes_one_need(db):
    SurveyResponseFactory(csat=1, comment="سفارشم خیلی دیر رسید")

    run = loop_run(trigger=LoopTrigger.MANUAL)

    assert _heard() == [("delivery", 1)]
    assert run.needs_created == 1


@pytest.mark.parametrize(
    "comment",
    [
        "late and expensive",
        "دیر رسید و گران بود",  # Persian: it came late and was expensive
        "دير رسيد و گران بود",  # the same typed with Arabic code points
        "التوصيل تأخر والسعر غالي",  # Arabic: delivery was late and the price high
    ],
)
def test_a_comment_naming_two_problems_counts_toward_both_needs(db, comment):
    response = SurveyResponseFactory(csat=1, comment=comment)

    run = loop_run(trigger=LoopTrigger.MANUAL)

    assert _heard() == [("delivery", 1), ("price", 1)]
    assert set(NeedMention.objects.values_list("source_id", flat=True)) == {response.pk}
    assert (run.needs_created, run.details["mentions_recorded"]) == (2, 2)


def test_an_unhappy_comment_naming_no_need_is_other(db):
    SurveyResponseFactory(csat=1, comment="بد بود")  # Persian: it was bad

    loop_run(trigger=LoopTrigger.MANUAL)

    assert _heard() == [("other", 1)]


def test_a_need_named_twice_in_one_comment_counts_once(db):
    SurveyResponseFactory(csat=2, comment="گرونه، خیلی گرون. قیمت‌ها واقعا بالاست")

    loop_run(trigger=LoopTrigger.MANUAL)

    assert _heard() == [("price", 1)]
    assert NeedMention.objects.count() == 1


def test_a_ticket_naming_two_needs_is_a_complaint_about_each(db):
    TicketFactory(subject="المنتج خربان وخدمة العملاء ما ترد")  # it is broken and customer service will not answer

    loop_run(trigger=LoopTrigger.MANUAL)

    assert sorted(Need.objects.values_list("category", "kind")) == [
        (NeedCategory.QUALITY, NeedKind.COMPLAINT),
        (NeedCategory.SUPPORT, NeedKind.COMPLAINT),
    ]


def test_a_happy_review_wishing_for_a_colour_and_praising_the_price_is_a_want_and_a_need(db):
    ReviewFactory(rating=5, body="Great price! I wish it came in black")

    loop_run(trigger=LoopTrigger.MANUAL)

    assert sorted(Need.objects.values_list("category", "kind")) == [
        (NeedCategory.PRICE, NeedKind.NEED),
        (NeedCategory.PRODUCT_REQUEST, NeedKind.WANT),
    ]


def test_a_comment_naming_two_needs_is_counted_once_per_need_however_often_the_loop_runs(db):
    response = SurveyResponseFactory(csat=1, comment="Expensive, late and broken")
    loop_run(trigger=LoopTrigger.MANUAL)
    type(response).objects.update(looped_at=None)  # as if a worker died before stamping the batch

    second = loop_run(trigger=LoopTrigger.MANUAL)

    assert _heard() == [("delivery", 1), ("price", 1), ("quality", 1)]
    assert (second.needs_created, second.needs_strengthened) == (0, 0)


def test_two_comments_naming_the_same_two_needs_strengthen_both(db):
    SurveyResponseFactory(csat=1, comment="late and expensive")
    SurveyResponseFactory(csat=2, comment="گران بود و دیر رسید")

    loop_run(trigger=LoopTrigger.MANUAL)

    assert _heard() == [("delivery", 2), ("price", 2)]
