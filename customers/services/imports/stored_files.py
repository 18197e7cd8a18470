"""Customer files kept in storage between an import's preview and its apply step, and their cleanup.

The admin's upload stores the file under :data:`UPLOAD_DIR`. Applying it deletes it (at once, or at the end of
the background task), and so does a preview that found errors; a preview that is never applied would leave the
customers' personal data in storage for good. :func:`customers_import_files_delete_old` deletes every file
there older than ``CUSTOMER_IMPORT_KEEP_HOURS``; Celery beat runs it every hour.

A file must not go while its import is queued or running, so a preview can be applied only for
:func:`import_preview_max_age` seconds: early enough that an import started at the last moment, even one that
waits in the queue and then runs for the background task's whole time limit, is over before its file is old
enough to be deleted.

A customer's erasure deletes every stored file that names them (:func:`import_files_naming`): the simplest
honest rule, since rewriting a marketer's spreadsheet without one row would hand back a file they never made.
An import queued on such a file then fails with "the stored file is gone", and nothing is changed.
"""

import datetime as dt
import logging
import posixpath
from collections.abc import Callable, Iterator
from itertools import chain
from typing import IO

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from emarketing.tables import read_table

logger = logging.getLogger(__name__)

UPLOAD_DIR = "imports/customers/"
# The longest the background apply (``customers.tasks.run_import_job``) may run; the cleanup below counts
# on it.
IMPORT_TASK_TIME_LIMIT = 3600
PREVIEW_MAX_AGE = 3600  # a preview can be applied within the hour after the upload
QUEUE_MARGIN = 3600  # time a background apply may wait for a worker, on top of its own time limit


def import_preview_max_age() -> int:
    """Seconds during which a preview can be applied: an hour, never so long that its file may be cleaned first.

    With ``CUSTOMER_IMPORT_KEEP_HOURS`` at 3 or more (the settings refuse less) this is the full hour.
    """
    keep: int = settings.CUSTOMER_IMPORT_KEEP_HOURS * 3600
    return max(0, min(PREVIEW_MAX_AGE, keep - IMPORT_TASK_TIME_LIMIT - QUEUE_MARGIN))


def _stored_files(folder: str) -> Iterator[str]:
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:  # nothing was ever uploaded
        return
    for name in files:
        yield posixpath.join(folder, name)
    for sub in folders:
        yield from _stored_files(posixpath.join(folder, sub))


def customers_import_files_delete_old(*, now: dt.datetime | None = None) -> int:
    """Delete the stored import files older than ``CUSTOMER_IMPORT_KEEP_HOURS``; returns how many were deleted.

    Works with any storage that lists a folder and tells a file's modified time. Files outside
    :data:`UPLOAD_DIR` are never looked at; a file that disappears meanwhile (applied at that moment) is skipped.
    Running it twice deletes nothing twice.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.CUSTOMER_IMPORT_KEEP_HOURS)
    deleted = 0
    for name in _stored_files(UPLOAD_DIR.rstrip("/")):
        try:
            modified = default_storage.get_modified_time(name)
        except FileNotFoundError:
            continue
        except NotImplementedError:
            logger.warning("customer import files: the storage cannot tell a file's age; nothing deleted")
            return deleted
        if timezone.is_naive(modified) != timezone.is_naive(cutoff):  # a storage that ignores USE_TZ
            modified = timezone.make_aware(modified) if timezone.is_naive(modified) else timezone.make_naive(modified)
        if modified >= cutoff:
            continue
        try:
            default_storage.delete(name)
        except FileNotFoundError:
            continue
        except OSError:
            logger.exception("customer import file %s could not be deleted", name)
            continue
        deleted += 1
    if deleted:
        logger.info("deleted %d customer import files kept past their time", deleted)
    return deleted


def _file_names(stream: IO[bytes], name: str, mentions: Callable[[str], bool]) -> bool:
    """Whether a cell of the file (its header included) is accepted by ``mentions``; a file that cannot be read
    as a table is read as text."""
    try:
        table = read_table(stream, name)
        return any(mentions(cell) for cells in chain([table.header], (c for _n, c in table.rows)) for cell in cells)
    except Exception:  # not a table (or a damaged workbook): read as text
        stream.seek(0)
        return mentions(stream.read().decode("utf-8", errors="replace"))


def import_files_naming(mentions: Callable[[str], bool]) -> list[str]:
    """The stored import files (customers and order history) with a cell that ``mentions`` accepts: what an
    erasure deletes. Reads each file once, a row at a time; a file deleted meanwhile is skipped."""
    found = []
    for name in _stored_files(UPLOAD_DIR.rstrip("/")):
        try:
            with default_storage.open(name, "rb") as stream:
                if _file_names(stream, name, mentions):
                    found.append(name)
        except FileNotFoundError:
            continue
    return found
