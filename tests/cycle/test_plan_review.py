import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cycle.models import PlanReview, PlanStatus
from cycle.services.plans import plan_activate, plan_review_close, plan_reviews_open_due
from tests.cycle.factories import MarketingPlanFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = dt.date(2026, 1, 1)


@pytest.fixture
def plan():
    owner = UserFactory(email="owner@example.com")
    plan = MarketingPlanFactory(starts_on=START, ends_on=dt.date(2027, 12, 31), owner=owner)
    plan_activate(plan=plan)
    return plan


def test_the_review_opens_when_due_notifies_the_owner_and_moves_on_six_months(plan, django_capture_on_commit_callbacks):
    assert plan.next_review_on == dt.date(2026, 7, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert plan_reviews_open_due(today=dt.date(2026, 6, 30)) == 0
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        assert plan_reviews_open_due(today=dt.date(2026, 7, 1)) == 1
    plan.refresh_from_db()
    assert plan.status == PlanStatus.UNDER_REVIEW
    assert plan.next_review_on == dt.date(2027, 1, 1)
    assert PlanReview.objects.get(plan=plan).due_on == dt.date(2026, 7, 1)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.com"]
    assert plan.name in mail.outbox[0].subject


def test_running_the_job_twice_opens_one_review(plan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        plan_reviews_open_due(today=dt.date(2026, 7, 2))
        plan_reviews_open_due(today=dt.date(2026, 7, 2))
    assert PlanReview.objects.filter(plan=plan).count() == 1
    assert len(mail.outbox) == 1


def test_draft_and_closed_plans_are_not_reviewed():
    MarketingPlanFactory(starts_on=START, ends_on=dt.date(2027, 1, 1))
    assert plan_reviews_open_due(today=dt.date(2026, 8, 1)) == 0


def test_closing_the_review_needs_decisions_and_brings_the_plan_back_to_active(plan):
    plan_reviews_open_due(today=dt.date(2026, 7, 1))
    review = PlanReview.objects.get(plan=plan)
    with pytest.raises(ValidationError):
        plan_review_close(review=review)
    review.decisions = "Move budget from banners to e-mail."
    review.save()
    assert plan_review_close(review=review) is True
    assert plan_review_close(review=review) is False
    plan.refresh_from_db()
    review.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert review.closed_at is not None and review.held_on is not None


def test_a_marketer_records_decisions_and_closes_the_review_in_the_admin(plan, admin_client):
    plan_reviews_open_due(today=dt.date(2026, 7, 1))
    review = PlanReview.objects.get(plan=plan)
    url = reverse("admin:cycle_planreview_change", args=[review.pk])
    response = admin_client.post(url, {"held_on": "2026-07-03", "decisions": "Drop the banner campaign."})
    assert response.status_code == 302
    admin_client.post(
        reverse("admin:cycle_planreview_changelist"), {"action": "close_reviews", "_selected_action": [review.pk]}
    )
    review.refresh_from_db()
    plan.refresh_from_db()
    assert review.decisions == "Drop the banner campaign."
    assert review.held_on == dt.date(2026, 7, 3)
    assert plan.status == PlanStatus.ACTIVE


def test_the_daily_job_is_scheduled_and_opens_due_reviews(plan, django_capture_on_commit_callbacks):
    from cycle.tasks import open_due_plan_reviews
    from emarketing.celery import app

    entries = [e for e in app.conf.beat_schedule.values() if e["task"] == "cycle.tasks.open_due_plan_reviews"]
    assert len(entries) == 1
    plan.next_review_on = dt.date(2020, 1, 1)
    plan.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert open_due_plan_reviews.delay().get() == 1
    plan.refresh_from_db()
    assert plan.status == PlanStatus.UNDER_REVIEW
    assert plan.next_review_on > timezone.localdate()
    assert len(mail.outbox) == 1
