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

    survey_response_create(customer=customer, csat=1, nps=1, comment="بسته دیر رسید و جعبه خراب بود")

    need = wait_until(lambda: Need.objects.filter(mentions__customer=customer).first(), timeout=30)
    assert need is not None, "the worker did not turn the feedback into a need"
    assert need.mention_count == 1

    result = run_feedback_loop.delay(trigger="manual")
    assert wait_until(lambda: LoopRun.objects.filter(trigger="manual", status=LoopRunStatus.SUCCEEDED).exists())
    assert result.id
    assert NeedMention.objects.count() == 1
    assert Need.objects.get().mention_count == 1
