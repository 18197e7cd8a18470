"""The loop: after-sales feedback becomes needs and scores in preparation, once."""

import datetime as dt

import pytest
from django.utils import timezone

from aftersales.services import review_create, survey_response_create, ticket_create
from customers.models import Need, NeedCategory, NeedKind, NeedMention
from cycle.models import LoopRun, LoopRunStatus, LoopTrigger
from cycle.services.loop import loop_run
from tests.aftersales.factories import ReviewFactory, SurveyResponseFactory, TicketFactory
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderFactory, ProductFactory


def test_a_low_score_with_a_comment_becomes_a_need_right_after_commit(db, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        survey_response_create(customer=customer, csat=1, nps=2, comment="The parcel arrived two weeks late.")

    need = Need.objects.get()
    assert need.category == NeedCategory.DELIVERY
    assert need.kind == NeedKind.COMPLAINT
    assert need.mention_count == 1
    assert need.mentions.get().customer == customer
    run = LoopRun.objects.get()
    assert run.trigger == LoopTrigger.FEEDBACK
    assert (run.status, run.surveys_read, run.needs_created) == (LoopRunStatus.SUCCEEDED, 1, 1)


def test_running_the_loop_twice_changes_nothing_twice(db):
    customer = CustomerFactory()
    SurveyResponseFactory(customer=customer, csat=2, nps=3, comment="Too expensive for what it is")
    TicketFactory(customer=customer, subject="Card charged twice")

    first = loop_run(trigger=LoopTrigger.MANUAL)
    second = loop_run(trigger=LoopTrigger.MANUAL)

    assert (first.needs_created, first.customers_updated) == (2, 1)
    assert (second.items_read, second.needs_created, second.needs_strengthened, second.customers_updated) == (
        0,
        0,
        0,
        0,
    )
    assert NeedMention.objects.count() == 2
    assert sorted(Need.objects.values_list("category", "mention_count")) == [("payment", 1), ("price", 1)]


def test_feedback_marked_unread_again_is_still_counted_once(db):
    response = SurveyResponseFactory(csat=1, comment="Broken on arrival")
    loop_run(trigger=LoopTrigger.MANUAL)
    type(response).objects.update(looped_at=None)  # as if a worker died before stamping the batch

    loop_run(trigger=LoopTrigger.MANUAL)

    assert Need.objects.get().mention_count == 1


def test_the_same_need_heard_again_is_strengthened_not_duplicated(db):
    product = ProductFactory()
    SurveyResponseFactory(csat=2, product=product, comment="poor quality stitching")
    loop_run(trigger=LoopTrigger.MANUAL)
    ReviewFactory(product=product, rating=1, body="Damaged and poor quality")

    run = loop_run(trigger=LoopTrigger.MANUAL)

    need = Need.objects.get()
    assert (need.category, need.product, need.mention_count) == (NeedCategory.QUALITY, product, 2)
    assert (run.needs_created, run.needs_strengthened) == (0, 1)


@pytest.mark.parametrize(
    "comment, category",
    [
        ("ارسال خیلی دیر انجام شد", NeedCategory.DELIVERY),  # Persian: delivery was very late
        ("قيمت خیلی گران است", NeedCategory.PRICE),  # Persian typed with an Arabic ي
        ("التوصيل تأخر كثيرا", NeedCategory.DELIVERY),  # Arabic: delivery was late
        ("أتمنى لون آخر", NeedCategory.PRODUCT_REQUEST),  # Arabic: I wish for another colour
    ],
)
def test_persian_and_arabic_comments_find_their_need(db, comment, category):
    SurveyResponseFactory(csat=2, comment=comment)
    loop_run(trigger=LoopTrigger.MANUAL)
    assert Need.objects.get().category == category


def test_praise_without_a_need_creates_no_need_but_updates_satisfaction(db):
    customer = CustomerFactory()
    SurveyResponseFactory(customer=customer, csat=5, nps=10, comment="Lovely, thank you!")
    SurveyResponseFactory(customer=customer, csat=4, nps=9)

    loop_run(trigger=LoopTrigger.MANUAL)

    customer.refresh_from_db()
    assert not Need.objects.exists()
    assert str(customer.satisfaction) == "4.50"
    assert customer.referral_candidate and not customer.at_risk


def test_a_detractor_is_flagged_at_risk(db):
    customer = CustomerFactory()
    SurveyResponseFactory(customer=customer, csat=3, nps=4)
    loop_run(trigger=LoopTrigger.MANUAL)
    customer.refresh_from_db()
    assert customer.at_risk and customer.last_nps == 4


def test_a_customer_whose_scores_did_not_change_is_not_counted_again(db):
    customer = CustomerFactory()
    for csat in (3, 4, 4):  # an average of 3.666…, kept as 3.67
        SurveyResponseFactory(customer=customer, csat=csat, nps=8)

    run = loop_run(trigger=LoopTrigger.MANUAL, batch_size=1)

    customer.refresh_from_db()
    assert str(customer.satisfaction) == "3.67"
    assert run.surveys_read == 3
    assert run.customers_updated == 1  # the first batch sets the figures, the next two find them unchanged


def test_only_one_run_at_a_time(db):
    LoopRun.objects.create(trigger=LoopTrigger.SCHEDULE)  # a run under way
    SurveyResponseFactory(csat=1, comment="late delivery")

    assert loop_run(trigger=LoopTrigger.MANUAL) is None
    assert not Need.objects.exists()


def test_tickets_and_reviews_from_services_feed_the_loop(db, django_capture_on_commit_callbacks):
    customer = CustomerFactory(arabic=True)
    product = ProductFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_create(customer=customer, channel="email", subject="طلبي", body="لم يصل الطرد بعد")
        review_create(customer=customer, product=product, rating=1, body="الجودة سيئة والمنتج مكسور")

    assert sorted(Need.objects.values_list("category", flat=True)) == ["delivery", "quality"]
    assert Need.objects.get(category="quality").product == product


def test_a_repeat_purchase_moves_the_customer_to_extension(db):
    customer = CustomerFactory(lifecycle_stage="retention")
    OrderFactory(customer=customer, placed_at=timezone.now() - dt.timedelta(days=40))
    OrderFactory(customer=customer)

    run = loop_run(trigger=LoopTrigger.MANUAL)

    customer.refresh_from_db()
    assert customer.lifecycle_stage == "extension"
    assert run.details["lifecycle_stages_changed"] == 1
    assert customer.history.filter(attribute="lifecycle_stage", new_value="extension").exists()
