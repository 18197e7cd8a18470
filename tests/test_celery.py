"""Every periodic job in the one schedule names a task that a worker would actually run."""

from emarketing.celery import app


def test_every_scheduled_job_is_a_registered_task():
    app.loader.import_default_modules()
    missing = [name for name, entry in app.conf.beat_schedule.items() if entry["task"] not in app.tasks]
    assert missing == []
    assert "cycle-feedback-loop" in app.conf.beat_schedule


def test_tasks_travel_as_json():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
