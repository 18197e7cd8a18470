"""The jobs page with a real Celery worker on Redis and PostgreSQL: its runs recorded by the worker's own signals."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from aftersales.tasks import check_late_shipments
from cycle.models import MarketingPlan, PlanStatus
from emarketing.taskruns.models import RunOutcome, TaskRun
from tests.conftest import wait_until
from tests.customers.factories import CustomerFactory
from tests.cycle.factories import MarketingPlanFactory
from tests.factories import UserFactory
from tests.orders.factories import OrderLineFactory, ShipmentFactory

pytestmark = pytest.mark.worker


@pytest.fixture
def manager_client(client, celery_worker):
    # A worker test's database is emptied after each test (groups and all): the group is made again if need be.
    group, _ = Group.objects.get_or_create(name="Managers")
    group.permissions.add(*Permission.objects.filter(codename__in=["view_scheduledjob", "run_job"]))
    user = UserFactory(username="mina", is_staff=True)
    user.groups.add(group)
    client.force_login(user)
    return client


def _row(client, job):
    page = client.get(reverse("dashboards:jobs")).content.decode()
    return page.split(f'id="job-{job}"')[1].split("</tr>")[0]


def test_a_job_run_now_is_run_by_the_worker_and_the_page_shows_it(celery_worker, manager_client):
    today = timezone.localdate()
    plan = MarketingPlanFactory(starts_on=today - dt.timedelta(days=200), ends_on=today + dt.timedelta(days=200))
    MarketingPlan.objects.filter(pk=plan.pk).update(next_review_on=today, status=PlanStatus.ACTIVE)

    manager_client.post(reverse("dashboards:job_run", args=["cycle-open-due-plan-reviews"]))
    assert wait_until(lambda: TaskRun.objects.filter(outcome=RunOutcome.SUCCEEDED).exists(), timeout=60)

    run = TaskRun.objects.get()
    assert run.started_by.username == "mina" and run.worker.startswith(celery_worker.name)
    row = _row(manager_client, "cycle-open-due-plan-reviews")
    assert "Succeeded" in row and "1 review opened" in row and "run by hand by mina" in row


def test_a_worker_killed_mid_run_leaves_a_run_that_did_not_finish(
    worker_settings, celery_worker, manager_client, monkeypatch
):
    late = timezone.localdate() - dt.timedelta(days=2)
    for _i in range(30):
        ShipmentFactory(order=OrderLineFactory(order__customer=CustomerFactory()).order, promised_on=late)

    check_late_shipments.delay()
    assert wait_until(lambda: worker_settings.count_by_recipient(), timeout=60), "the worker never started sending"
    celery_worker.kill()

    run = TaskRun.objects.get(task_name="aftersales.tasks.check_late_shipments")
    assert run.outcome == RunOutcome.RUNNING and run.finished_at is None
    assert run.deadline == run.started_at + dt.timedelta(seconds=900)  # the task's own time limit
    assert 'data-state="running"' in _row(manager_client, "aftersales-check-late-shipments")

    # Past its time limit, the run no one will finish reads as such.
    later = run.deadline + dt.timedelta(seconds=1)
    monkeypatch.setattr("cycle.selectors.jobs._now", lambda: later)
    row = _row(manager_client, "aftersales-check-late-shipments")
    assert 'data-state="did_not_finish"' in row and "Did not finish" in row
