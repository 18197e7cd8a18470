"""The loop with a real Celery worker on Redis and PostgreSQL."""

import pytest

from aftersales.services import survey_response_create
from customers.models import Need, NeedMention
from cycle.models import LoopRun, LoopRunStatus
from cycle.tasks import run_feedback_loop
from tests.conftest import wait_until
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.worker


def test_low_scored_survey_with_a_comment_becomes_a_need_within_seconds(celery_worker):
    customer = CustomerFactory(persian=True)

    # Two problems in one comment: late delivery, a damaged box.
    survey_response_create(customer=customer, csat=1, nps=1, comment="بسته دیر رسید و جعبه خراب بود")

    needs = wait_until(lambda: list(Need.objects.filter(mentions__customer=customer)), timeout=30)
    assert needs, "the worker did not turn the feedback into needs"
    assert wait_until(lambda: Need.objects.count() == 2, timeout=30)
    assert all(need.mention_count == 1 for need in Need.objects.all())

    result = run_feedback_loop.delay(trigger="manual")
    assert wait_until(lambda: LoopRun.objects.filter(trigger="manual", status=LoopRunStatus.SUCCEEDED).exists())
    assert result.id
    assert NeedMention.objects.count() == 2  # read once: the run again adds nothing
    assert sorted(Need.objects.values_list("mention_count", flat=True)) == [1, 1]
