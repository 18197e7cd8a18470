"""The jobs page: every run of a scheduled job recorded from Celery's signals, run now, and the owners' e-mail.

Tasks run eagerly here (the default suite); the same signals record a real worker's runs in test_jobs_worker.py.
"""

import datetime as dt

import pytest
from celery import current_app
from celery.exceptions import Retry
from celery.schedules import crontab
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from customers.tasks import delete_unconfirmed_leads
from cycle.models import MarketingPlan, PlanStatus, ScheduledJob
from cycle.selectors import jobs as job_selectors
from cycle.selectors.job_words import JOB_DESCRIPTIONS, result_in_words, schedule_in_words
from cycle.services.jobs import job_failure_notify
from cycle.tasks import open_due_plan_reviews, refresh_dashboard_rollups
from emarketing.celery import app
from emarketing.taskruns.models import RunOutcome, TaskRun
from emarketing.taskruns.services import task_runs_delete_old
from tests.cycle.factories import MarketingPlanFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _member(client, group, username, email=None):
    user = UserFactory(username=username, is_staff=True, email=email or f"{username}@example.com")
    if group:
        user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


@pytest.fixture
def manager(client):
    return _member(client, "Managers", "mina")


def _due_plan():
    today = timezone.localdate()
    plan = MarketingPlanFactory(starts_on=today - dt.timedelta(days=200), ends_on=today + dt.timedelta(days=200))
    MarketingPlan.objects.filter(pk=plan.pk).update(next_review_on=today, status=PlanStatus.ACTIVE)
    return plan


# --- recording ---------------------------------------------------------------------------------------------------


def test_a_successful_run_is_recorded_with_what_it_changed_and_the_page_shows_it(client, manager):
    _due_plan()
    open_due_plan_reviews.delay()

    run = TaskRun.objects.get(task_name="cycle.tasks.open_due_plan_reviews")
    assert run.outcome == RunOutcome.SUCCEEDED
    assert run.started_at <= run.finished_at and run.duration == run.finished_at - run.started_at
    assert run.result == 1 and run.error == "" and run.started_by is None

    page = client.get(reverse("dashboards:jobs")).content.decode()
    row = page.split('id="job-cycle-open-due-plan-reviews"')[1].split("</tr>")[0]
    assert "1 review opened" in row and "Succeeded" in row and "every day at 06:10" in row
    assert "opens the six-monthly review" in row


def test_a_failed_run_records_the_error_and_tells_the_owners_once(client, manager, monkeypatch):
    def broken():
        raise RuntimeError("the database went away " + "x" * 3000)

    monkeypatch.setattr("customers.tasks.forms_delete_unconfirmed", broken)  # a job with no retries
    with pytest.raises(RuntimeError):
        delete_unconfirmed_leads.delay()

    run = TaskRun.objects.get()
    assert run.outcome == RunOutcome.FAILED and run.finished_at is not None
    assert run.error.startswith("RuntimeError: the database went away") and len(run.error) == 1000
    assert run.result is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["mina@example.com"]  # the default owners: the Managers group
    assert "customers-delete-unconfirmed-leads" in mail.outbox[0].subject
    assert "RuntimeError: the database went away" in mail.outbox[0].body

    # It fails again straight away: recorded, and no second e-mail within the hour.
    with pytest.raises(RuntimeError):
        delete_unconfirmed_leads.delay()
    assert TaskRun.objects.filter(outcome=RunOutcome.FAILED).count() == 2
    assert len(mail.outbox) == 1
    page = client.get(reverse("dashboards:job", args=["customers-delete-unconfirmed-leads"])).content.decode()
    assert page.count('data-state="failed"') == 2 and "at most one per job every 60 minutes" in page


def test_a_retry_is_recorded_as_retried_and_tells_no_one(monkeypatch, manager):
    def flaky():
        raise ConnectionError("redis is restarting")

    monkeypatch.setattr("cycle.services.rollups.rollups_refresh", flaky)
    with pytest.raises(Retry):  # run eagerly, the retry is not run but said
        refresh_dashboard_rollups.delay()

    run = TaskRun.objects.get()
    assert run.outcome == RunOutcome.RETRIED and run.finished_at is not None
    assert run.error == "ConnectionError: redis is restarting"
    assert mail.outbox == []


def test_the_signals_of_a_worker_record_retries_and_the_final_failure(manager):
    """What a worker sends, in order, for a job that fails, is retried, and fails for good."""
    from celery.signals import task_failure, task_postrun, task_prerun, task_retry

    task = refresh_dashboard_rollups
    for attempt in (0, 1):
        task.push_request(id="abc", retries=attempt, hostname="celery@worker-1", is_eager=False)
        try:
            task_prerun.send(sender=task, task_id="abc", task=task, args=(), kwargs={})
            error = ConnectionError(f"attempt {attempt}")
            if attempt == 0:
                task_retry.send(sender=task, request=task.request, reason=Retry(exc=error), einfo=None)
                state, retval = "RETRY", Retry(exc=error)
            else:
                task_failure.send(sender=task, task_id="abc", exception=error, args=(), kwargs={}, einfo=None)
                state, retval = "FAILURE", error
            task_postrun.send(sender=task, task_id="abc", task=task, args=(), kwargs={}, retval=retval, state=state)
        finally:
            task.pop_request()

    runs = list(TaskRun.objects.order_by("attempt").values_list("attempt", "outcome", "error", "worker"))
    assert runs == [
        (0, RunOutcome.RETRIED, "ConnectionError: attempt 0", "celery@worker-1"),
        (1, RunOutcome.FAILED, "ConnectionError: attempt 1", "celery@worker-1"),
    ]
    assert len(mail.outbox) == 1  # the final failure, not the retry


def test_a_message_delivered_again_after_its_worker_died_leaves_the_dead_run_unfinished():
    """acks_late: the broker hands a killed worker's message to another worker, with the same task id."""
    from celery.signals import task_postrun, task_prerun

    task = refresh_dashboard_rollups
    for worker in ("celery@dead", "celery@alive"):
        task.push_request(id="same", retries=0, hostname=worker, is_eager=False)
        try:
            task_prerun.send(sender=task, task_id="same", task=task, args=(), kwargs={})
        finally:
            task.pop_request()
    task.push_request(id="same", retries=0, hostname="celery@alive", is_eager=False)
    try:
        task_postrun.send(sender=task, task_id="same", task=task, args=(), kwargs={}, retval={}, state="SUCCESS")
    finally:
        task.pop_request()
    assert dict(TaskRun.objects.values_list("worker", "outcome")) == {
        "celery@dead": RunOutcome.RUNNING,
        "celery@alive": RunOutcome.SUCCEEDED,
    }


def test_a_task_outside_the_schedule_is_not_recorded():
    from customers.tasks import refresh_segment  # sent when a segment changes, not by beat

    assert "customers.tasks.refresh_segment" not in {e["task"] for e in app.conf.beat_schedule.values()}
    assert refresh_segment.delay(segment_id=0).get() == "gone"
    assert not TaskRun.objects.exists()


def test_a_run_that_never_ended_reads_did_not_finish_once_past_its_time_limit(client, manager):
    started = timezone.now() - dt.timedelta(seconds=600)
    TaskRun.objects.create(
        task_name="customers.tasks.refresh_segments",
        task_id="killed",
        started_at=started,
        deadline=started + dt.timedelta(hours=1),
        outcome=RunOutcome.RUNNING,
        worker="celery@host",
    )
    page = lambda: client.get(reverse("dashboards:jobs")).content.decode()  # noqa: E731
    row = lambda: page().split('id="job-customers-refresh-segments"')[1].split("</tr>")[0]  # noqa: E731
    assert 'data-state="running"' in row()

    TaskRun.objects.update(deadline=started + dt.timedelta(seconds=599))  # its time limit is behind it
    assert 'data-state="did_not_finish"' in row() and "Did not finish" in row()


def test_old_runs_are_deleted_after_the_days_kept(settings):
    settings.TASK_RUNS_KEEP_DAYS = 30
    now = timezone.now()
    for days, task_id in ((31, "old"), (29, "kept")):
        TaskRun.objects.create(task_name="x", task_id=task_id, recorded_at=now - dt.timedelta(days=days))
    assert task_runs_delete_old() == 1
    assert list(TaskRun.objects.values_list("task_id", flat=True)) == ["kept"]


# --- run now -----------------------------------------------------------------------------------------------------


def test_the_administration_links_managers_to_the_jobs_page(client, manager):
    assert reverse("dashboards:jobs") in client.get(reverse("admin:index")).content.decode()


def test_a_marketer_sees_no_jobs_page_and_cannot_run_a_job(client):
    _member(client, "Marketers", "maryam")
    assert reverse("dashboards:jobs") not in client.get(reverse("admin:index")).content.decode()
    assert client.get(reverse("dashboards:jobs")).status_code == 403
    assert client.post(reverse("dashboards:job_run", args=["cycle-open-due-plan-reviews"])).status_code == 403
    assert not TaskRun.objects.exists()


def test_run_now_is_a_post_with_csrf(manager):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)
    url = reverse("dashboards:job_run", args=["cycle-open-due-plan-reviews"])
    assert strict.get(url).status_code == 405
    assert strict.post(url).status_code == 403
    assert not TaskRun.objects.exists()


def test_run_now_runs_the_job_recorded_as_started_by_the_manager(client, manager, django_capture_on_commit_callbacks):
    _due_plan()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboards:job_run", args=["cycle-open-due-plan-reviews"]), follow=True)
    run = TaskRun.objects.get()
    assert run.started_by == manager and run.outcome == RunOutcome.SUCCEEDED and run.result == 1
    assert "run by hand by mina" in response.content.decode()


@pytest.fixture
def no_worker(settings):
    """Tasks go to the (in-memory) broker and wait there: no worker takes them."""
    current_app.conf.task_always_eager = False
    yield
    current_app.conf.task_always_eager = True
    with current_app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")


def test_a_second_run_now_is_refused_while_the_first_is_queued(
    client, manager, no_worker, django_capture_on_commit_callbacks
):
    url = reverse("dashboards:job_run", args=["customers-refresh-segments"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
        response = client.post(url, follow=True)
    assert "still queued or running" in response.content.decode()
    assert TaskRun.objects.get().outcome == RunOutcome.QUEUED

    # Another job may still be run, and this one again once the first run has ended.
    client.post(reverse("dashboards:job_run", args=["customers-delete-unconfirmed-leads"]))
    TaskRun.objects.filter(task_name="customers.tasks.refresh_segments").update(outcome=RunOutcome.SUCCEEDED)
    client.post(url)
    assert TaskRun.objects.count() == 3


def test_a_run_by_hand_that_never_started_stops_blocking_once_past_its_deadline(client, manager, no_worker):
    url = reverse("dashboards:job_run", args=["customers-refresh-segments"])
    client.post(url)
    TaskRun.objects.update(deadline=timezone.now() - dt.timedelta(seconds=1))
    client.post(url)
    assert TaskRun.objects.count() == 2


def test_an_unknown_job_is_refused_with_nothing_queued(client, manager):
    response = client.post(reverse("dashboards:job_run", args=["no-such-job"]), follow=True)
    assert "There is no scheduled job called" in response.content.decode()
    assert not TaskRun.objects.exists()
    assert client.get(reverse("dashboards:job", args=["no-such-job"])).status_code == 404


# --- the owners' e-mail ------------------------------------------------------------------------------------------


def _failed_run(task_name="cycle.tasks.open_due_plan_reviews"):
    now = timezone.now()
    return TaskRun.objects.create(
        task_name=task_name, task_id="t", started_at=now, finished_at=now, outcome=RunOutcome.FAILED, error="E: boom"
    )


def test_the_owners_are_told_at_most_once_an_hour_per_job(settings, manager):
    settings.JOBS_FAILURE_MAIL_INTERVAL = 3600
    run, first = _failed_run(), timezone.now()
    assert job_failure_notify(run=run, now=first) == 1
    assert job_failure_notify(run=run, now=first + dt.timedelta(seconds=3599)) == 0
    assert job_failure_notify(run=_failed_run("customers.tasks.refresh_segments"), now=first) == 1  # another job
    assert job_failure_notify(run=run, now=first + dt.timedelta(seconds=3600)) == 1
    assert len(mail.outbox) == 3


def test_owners_chosen_in_the_admin_are_told_instead_of_the_default_group(manager):
    job = ScheduledJob.objects.get(name="cycle-open-due-plan-reviews")
    assert list(job.owner_groups.values_list("name", flat=True)) == ["Managers"]
    owner = UserFactory(username="omid", is_staff=True)
    job.owner_groups.clear()
    job.owners.add(owner)
    job_failure_notify(run=_failed_run())
    assert [m.to for m in mail.outbox] == [["omid@example.com"]]


# --- words and languages ------------------------------------------------------------------------------------------


def test_every_scheduled_job_has_a_description_and_a_schedule_in_words():
    assert set(app.conf.beat_schedule) == set(JOB_DESCRIPTIONS)
    assert set(ScheduledJob.objects.values_list("name", flat=True)) == set(app.conf.beat_schedule)
    for entry in app.conf.beat_schedule.values():
        assert not schedule_in_words(entry["schedule"]).startswith("cron:")


@pytest.mark.parametrize(
    ("schedule", "words"),
    [
        (crontab(), "every minute"),
        (crontab(minute="*/15"), "every 15 minutes"),
        (crontab(minute="1-59/5"), "every 5 minutes, from minute 1"),
        (crontab(minute=5), "every hour at minute 05"),
        (crontab(hour=4, minute=30), "every day at 04:30"),
        (crontab(hour=9, minute=0, day_of_week=1), "cron: 0 9 * * 1"),
    ],
)
def test_schedules_in_words(schedule, words):
    assert schedule_in_words(schedule) == words


def test_what_a_run_changed_in_words():
    assert result_in_words("cycle.tasks.open_due_plan_reviews", 2) == "2 reviews opened"
    assert result_in_words("campaigns.tasks.send_sms", {"sent": 3, "failed": 1}) == "sent: 3, failed: 1"
    assert result_in_words("cycle.tasks.refresh_dashboard_rollups", {"touches": {"read": 5}}) == "touches › read: 5"
    assert result_in_words("cycle.tasks.run_feedback_loop", None) == "nothing to report"


@pytest.mark.parametrize(
    ("language", "time", "count"), [("en", "04:30", "1"), ("fa", "۰۴:۳۰", "۱"), ("ar", "٠٤:٣٠", "١")]
)
def test_the_page_in_three_languages_writes_times_and_figures_in_local_digits(client, manager, language, time, count):
    _due_plan()
    open_due_plan_reviews.delay()
    response = client.get(reverse("dashboards:jobs"), HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    assert f'lang="{language}"' in page and ('dir="rtl"' in page) == (language != "en")
    assert time in page.split('id="job-taskruns-delete-old-runs"')[1].split("</tr>")[0]
    row = page.split('id="job-cycle-open-due-plan-reviews"')[1].split("</tr>")[0]
    assert count in row
    started = TaskRun.objects.get().started_at
    if language == "fa":
        from emarketing.dates import persian_date

        assert persian_date(timezone.localtime(started)).split()[0] in row
    if language != "en":
        assert not any(c in "0123456789" for c in row.split("</a>")[1].split("<form")[0])


def test_the_list_takes_the_same_number_of_queries_however_many_runs(client, manager, django_assert_max_num_queries):
    for i in range(30):
        TaskRun.objects.create(task_name="customers.tasks.refresh_segments", task_id=f"r{i}", outcome="succeeded")
    job_selectors.job_list()
    with django_assert_max_num_queries(2):
        job_selectors.job_list()
