"""A big customer import run by a real Celery worker on Redis and PostgreSQL, killed mid-run and started again."""

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from customers.models import Customer, ImportJob, ImportJobStatus
from customers.services.imports import import_job_create
from customers.tasks import resume_import_jobs
from emarketing.jobs import progress_read
from tests.conftest import wait_until

pytestmark = pytest.mark.worker

ROWS = 40_000
REDIS_CACHE = "redis://127.0.0.1:6379/14"


@pytest.fixture
def shared_cache_and_storage(monkeypatch, settings, tmp_path):
    """What both processes share: the progress (a Redis cache) and the uploaded file (a folder)."""
    cache_url = REDIS_CACHE.replace("127.0.0.1:6379", settings.CELERY_BROKER_URL.split("//")[1].split("/")[0])
    monkeypatch.setenv("CACHE_URL", cache_url)
    monkeypatch.setenv("CUSTOMER_IMPORT_BATCH_SIZE", "200")  # many batches: the kill lands mid-run
    monkeypatch.setenv("IMPORT_JOB_STALE_SECONDS", "3")
    monkeypatch.setenv("TEST_STORAGE_DIR", str(tmp_path))
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": cache_url}}
    settings.IMPORT_JOB_STALE_SECONDS = 3
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    cache.clear()
    yield
    cache.clear()


def test_a_worker_killed_mid_import_leaves_nothing_half_applied_and_the_rerun_imports_once(
    shared_cache_and_storage, celery_worker, django_capture_on_commit_callbacks
):
    # No e-mail address: nothing in the data itself would stop a second run from making every customer twice.
    text = "first_name,phone\n" + "".join(f"P{i},+98912{i:07d}\n" for i in range(ROWS))
    path = default_storage.save("imports/customers/big.csv", ContentFile(text.encode()))
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(
            kind="customers", path=path, file_name="big.csv", options={"mode": "update"}, rows_total=ROWS
        )

    def done():
        progress = progress_read(job.progress_key)
        return progress.done if progress else 0

    assert wait_until(lambda: done() >= 4000, timeout=60), "the worker never started the import"
    celery_worker.kill()
    assert done() < ROWS, "the import finished before the worker could be killed"
    assert not Customer.objects.exists(), "a killed run kept part of the file"
    assert ImportJob.objects.get().status == ImportJobStatus.RUNNING

    celery_worker.start()
    # What beat does every five minutes: a job whose progress stopped moving is queued again.
    assert wait_until(
        lambda: (
            resume_import_jobs.delay()
            and wait_until(lambda: ImportJob.objects.get().status == ImportJobStatus.APPLIED, timeout=10)
        ),
        timeout=180,
    ), "the job was never applied"
    assert Customer.objects.count() == ROWS, "every row once, none twice"
    job.refresh_from_db()
    assert (job.rows_read, job.created_count) == (ROWS, ROWS)
    # Beat again, later: nothing more happens.
    resume_import_jobs.delay()
    assert not wait_until(lambda: Customer.objects.count() != ROWS, timeout=5)
