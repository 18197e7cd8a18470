"""Big customer files applied by a background job: progress, cancel, nothing half-applied, nothing twice."""

import io
import time

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.models import Customer, ImportJob, ImportJobStatus
from customers.services.imports import (
    customers_import,
    import_job_create,
    import_job_run,
    import_jobs_resume_stalled,
)
from emarketing.jobs import cancel_request, progress_read, progress_report

pytestmark = pytest.mark.django_db

IMPORT = "admin:customers_customer_import"
APPLY = "admin:customers_customer_import_apply"


def rows(n, start=0):
    return "first_name,email\n" + "".join(f"C{i},c{i}@example.com\n" for i in range(start, start + n))


def stored(text, name="big.csv"):
    return default_storage.save(f"imports/customers/{name}", ContentFile(text.encode()))


def job_for(text, **options):
    return import_job_create(
        kind="customers", path=stored(text), file_name="big.csv", options={"mode": "update", **options}, rows_total=9
    )


def test_the_apply_of_a_big_file_becomes_a_job_the_marketer_follows(
    admin_client, admin_user, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 2
    admin_user.email = "marketer@example.com"
    admin_user.save()
    upload = SimpleUploadedFile("big.csv", rows(5).encode(), content_type="text/csv")
    response = admin_client.post(reverse(IMPORT), {"file": upload, "on_duplicate": "update"})
    token = response.context["token"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse(APPLY), {"token": token})
    job = ImportJob.objects.get()
    assert response.url == reverse("admin:customers_importjob_change", args=[job.pk])
    assert (job.status, job.rows_total, job.created_count) == (ImportJobStatus.APPLIED, 5, 5)
    assert Customer.objects.count() == 5
    page = admin_client.get(response.url).content.decode()
    assert "5 rows: 5 new customers, 0 updated." in page
    assert 'http-equiv="refresh"' not in page  # finished: the page stops refreshing
    assert "Cancel this import" not in page
    assert mail.outbox[-1].to == ["marketer@example.com"] and "Applied" in mail.outbox[-1].subject
    assert not default_storage.exists(job.path)
    # A second click on the same preview opens the same job: the file is not imported twice.
    response = admin_client.post(reverse(APPLY), {"token": token})
    assert ImportJob.objects.count() == 1 and Customer.objects.count() == 5


def test_a_running_job_shows_rows_errors_and_time_left_and_can_be_cancelled(admin_client):
    job = job_for(rows(3))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING, rows_total=1000)
    progress_report(job.progress_key, done=250, total=1000, errors=0, started=time.time() - 60)
    url = reverse("admin:customers_importjob_change", args=[job.pk])
    page = admin_client.get(url).content.decode()
    assert "250 of about 1000 rows, 0 errors so far." in page
    assert "About 3 minutes left." in page
    assert 'value="25"' in page and 'http-equiv="refresh"' in page
    admin_client.post(reverse("admin:customers_importjob_cancel", args=[job.pk]))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.QUEUED)
    assert import_job_run(job_id=job.pk) == ImportJobStatus.CANCELLED
    assert not Customer.objects.exists()


def test_progress_is_reported_batch_by_batch_and_a_cancel_keeps_nothing(settings):
    settings.CUSTOMER_IMPORT_BATCH_SIZE = 10
    seen = []

    def progress(done, errors):
        seen.append(done)
        return len(seen) < 3  # cancel at the third batch

    result = customers_import(stream=io.BytesIO(rows(100).encode()), name="big.csv", progress=progress)
    assert seen == [10, 20, 30]
    assert result.cancelled and not result.applied
    assert result.summary() == "Cancelled after 30 rows; nothing was changed."
    assert not Customer.objects.exists()


def test_a_job_cancelled_in_the_middle_keeps_nothing(settings, monkeypatch):
    settings.CUSTOMER_IMPORT_BATCH_SIZE = 10
    job = job_for(rows(100))
    reports = []
    real = progress_report

    def report_then_cancel(name, **figures):
        real(name, **figures)
        reports.append(figures["done"])
        if figures["done"] == 20:
            cancel_request(name)

    monkeypatch.setattr("customers.services.imports.jobs.progress_report", report_then_cancel)
    assert import_job_run(job_id=job.pk) == ImportJobStatus.CANCELLED
    assert reports[-1] == 20  # stopped at the first batch that saw the cancel
    assert not Customer.objects.exists()
    job.refresh_from_db()
    assert "nothing was changed" in job.summary and not default_storage.exists(job.path)


def test_a_refused_file_is_a_refused_job_with_its_errors():
    job = job_for(rows(3) + "Bad,not-an-address\n")
    assert import_job_run(job_id=job.pk) == ImportJobStatus.REFUSED
    job.refresh_from_db()
    assert job.error_count == 1 and job.errors[0].startswith("Row 5, column “email”")
    assert not Customer.objects.exists()


def test_a_job_run_again_after_it_finished_imports_nothing_twice():
    job = job_for("first_name,phone\n" + "".join(f"P{i},0912123456{i}\n" for i in range(5)))  # no unique key
    assert import_job_run(job_id=job.pk) == ImportJobStatus.APPLIED
    default_storage.save(job.path, ContentFile(b"first_name,phone\nX,09121234567\n"))  # even with its file back
    assert import_job_run(job_id=job.pk) == ImportJobStatus.APPLIED
    assert Customer.objects.count() == 5


def test_a_job_whose_worker_went_quiet_is_queued_again_and_applied_once(settings):
    settings.IMPORT_JOB_STALE_SECONDS = 60
    job = job_for(rows(4))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING, run="dead-worker")
    progress_report(job.progress_key, done=2, total=4, errors=0, started=time.time() - 30)
    assert import_jobs_resume_stalled() == 0  # its progress moved 0 s ago: still alive
    assert import_job_run(job_id=job.pk) == ImportJobStatus.RUNNING  # and a second run leaves it alone
    progress_report(job.progress_key, done=2, total=4, errors=0, started=time.time() - 300)
    stale = progress_read(job.progress_key)
    stale.updated -= 120
    from django.core.cache import cache

    cache.set(f"job:{job.progress_key}:progress", stale.__dict__)
    assert import_jobs_resume_stalled() == 1  # eager: the task ran at once
    job.refresh_from_db()
    assert job.status == ImportJobStatus.APPLIED and Customer.objects.count() == 4
