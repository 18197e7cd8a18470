"""Uploaded customer files whose preview is never applied do not stay in storage: the hourly cleanup."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from customers.services import customers_import_files_delete_old
from customers.services.imports.stored_files import IMPORT_TASK_TIME_LIMIT, import_preview_max_age

pytestmark = pytest.mark.django_db

IMPORT = "admin:customers_customer_import"
APPLY = "admin:customers_customer_import_apply"
GONE = "upload the file again"
ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def storage(settings, tmp_path):
    """A real folder under pytest's tmp_path, so files have a modified time that a test can set."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return default_storage


def put(storage, name, *, hours_old):
    path = storage.save(name, ContentFile(b"first_name,email\nNasrin,nasrin@example.com\n"))
    age(storage, path, hours_old=hours_old)
    return path


def age(storage, path, *, hours_old):
    when = time.time() - hours_old * 3600
    os.utime(storage.path(path), (when, when))


def uploaded(storage):
    return storage.listdir("imports/customers")[1]


def preview(admin_client, text="first_name,email\nNasrin,nasrin@example.com\n"):
    upload = SimpleUploadedFile("customers.csv", text.encode(), content_type="text/csv")
    response = admin_client.post(reverse(IMPORT), {"file": upload, "on_duplicate": "update"})
    assert response.context["token"]
    return response.context["token"]


def test_an_upload_older_than_the_keep_time_is_deleted_and_a_fresh_one_kept(storage):
    old = put(storage, "imports/customers/old.csv", hours_old=25)
    fresh = put(storage, "imports/customers/fresh.xlsx", hours_old=23)
    assert customers_import_files_delete_old() == 1
    assert not storage.exists(old)
    assert storage.exists(fresh)
    assert customers_import_files_delete_old() == 0  # a second run deletes nothing twice


def test_the_keep_time_is_the_setting(storage, settings):
    settings.CUSTOMER_IMPORT_KEEP_HOURS = 48
    kept = put(storage, "imports/customers/a.csv", hours_old=25)
    gone = put(storage, "imports/customers/b.csv", hours_old=49)
    assert customers_import_files_delete_old() == 1
    assert storage.exists(kept) and not storage.exists(gone)


def test_files_outside_the_upload_folder_are_never_touched(storage):
    outside = [
        put(storage, "banners/summer.png", hours_old=100),
        put(storage, "imports/orders/old.csv", hours_old=100),
        put(storage, "imports/customers.csv", hours_old=100),
        put(storage, "old.csv", hours_old=100),
    ]
    inside = put(storage, "imports/customers/nested/old.csv", hours_old=100)
    assert customers_import_files_delete_old() == 1
    assert not storage.exists(inside)
    assert all(storage.exists(path) for path in outside)


def test_it_works_on_any_storage_and_on_an_empty_one(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    assert customers_import_files_delete_old() == 0  # nothing was ever uploaded
    path = default_storage.save("imports/customers/a.csv", ContentFile(b"x"))
    assert customers_import_files_delete_old() == 0
    later = timezone.now() + dt.timedelta(hours=24, minutes=1)
    assert customers_import_files_delete_old(now=later) == 1
    assert not default_storage.exists(path)


def test_the_cleanup_job_runs_every_hour(storage):
    from customers.tasks import delete_old_import_files
    from emarketing.celery import app

    entries = [e for e in app.conf.beat_schedule.values() if e["task"] == "customers.tasks.delete_old_import_files"]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert len(schedule.minute) == 1 and len(schedule.hour) == 24
    old = put(storage, "imports/customers/old.csv", hours_old=30)
    assert delete_old_import_files.delay().get() == 1
    assert not storage.exists(old)


def test_a_preview_whose_file_was_cleaned_up_imports_nothing_and_asks_for_the_file_again(admin_client, storage):
    token = preview(admin_client)
    [name] = uploaded(storage)
    age(storage, f"imports/customers/{name}", hours_old=25)
    assert customers_import_files_delete_old() == 1
    response = admin_client.post(reverse(APPLY), {"token": token}, follow=True)
    assert response.status_code == 200
    assert GONE in response.content.decode()
    assert not Customer.objects.exists()


@override_settings(IMPORT_BACKGROUND_ROWS=2, CUSTOMER_IMPORT_PREVIEW_ROWS=1)
def test_a_large_preview_whose_file_was_cleaned_up_queues_no_import(
    admin_client, storage, django_capture_on_commit_callbacks
):
    token = preview(admin_client, "first_name,email\n" + "".join(f"C{i},c{i}@example.com\n" for i in range(5)))
    [name] = uploaded(storage)
    age(storage, f"imports/customers/{name}", hours_old=25)
    customers_import_files_delete_old()
    with django_capture_on_commit_callbacks() as queued:
        response = admin_client.post(reverse(APPLY), {"token": token}, follow=True)
    assert queued == []
    assert GONE in response.content.decode()
    assert not Customer.objects.exists()


def test_a_file_deleted_while_the_apply_starts_gives_the_message_not_an_error(admin_client, storage, monkeypatch):
    token = preview(admin_client)
    [name] = uploaded(storage)
    storage.delete(f"imports/customers/{name}")
    monkeypatch.setattr(FileSystemStorage, "exists", lambda self, path: True)  # it was there a moment ago
    response = admin_client.post(reverse(APPLY), {"token": token}, follow=True)
    assert response.status_code == 200
    assert GONE in response.content.decode()
    assert not Customer.objects.exists()


@override_settings(IMPORT_BACKGROUND_ROWS=2, CUSTOMER_IMPORT_PREVIEW_ROWS=1)
def test_applied_files_are_deleted_by_the_import_and_refused_ones_by_the_cleanup(
    admin_client, storage, django_capture_on_commit_callbacks
):
    refused = SimpleUploadedFile("refused.csv", b"first_name\nNasrin\n", content_type="text/csv")
    response = admin_client.post(reverse(IMPORT), {"file": refused, "on_duplicate": "update"})
    assert response.context["token"] is None
    kept = uploaded(storage)
    assert len(kept) == 1  # a refused preview keeps its file while the marketer changes the mapping
    token = preview(admin_client, "first_name,email\n" + "".join(f"C{i},c{i}@example.com\n" for i in range(5)))
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse(APPLY), {"token": token})
    assert Customer.objects.count() == 5  # the background task ran and deleted its file
    assert uploaded(storage) == kept
    assert customers_import_files_delete_old(now=timezone.now() + dt.timedelta(days=30)) == 1  # the refused one


@pytest.mark.parametrize("keep_hours", [3, 24, 24 * 30])
def test_a_preview_expires_before_its_file_can_be_cleaned_even_when_applied_in_the_background(settings, keep_hours):
    settings.CUSTOMER_IMPORT_KEEP_HOURS = keep_hours
    assert 0 < import_preview_max_age() <= 3600
    assert import_preview_max_age() + IMPORT_TASK_TIME_LIMIT < keep_hours * 3600


def test_a_keep_time_too_short_for_an_import_to_finish_is_refused():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "emarketing.settings.test", "CUSTOMER_IMPORT_KEEP_HOURS": "2"}
    code = "from django.conf import settings; print(settings.CUSTOMER_IMPORT_KEEP_HOURS)"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode != 0
    assert "CUSTOMER_IMPORT_KEEP_HOURS must be at least 3" in run.stderr
