"""Every write of a customer import: applying a file (:mod:`.apply`) and the uploaded files kept meanwhile
(:mod:`.stored_files`)."""

from .apply import (
    ON_DUPLICATE_REFUSE,
    ON_DUPLICATE_UPDATE,
    ImportResult,
    customers_import,
)
from .jobs import import_job_cancel, import_job_create, import_job_run, import_jobs_resume_stalled
from .presets import import_preset_save
from .stored_files import customers_import_files_delete_old

__all__ = [
    "ON_DUPLICATE_REFUSE",
    "ON_DUPLICATE_UPDATE",
    "ImportResult",
    "customers_import",
    "customers_import_files_delete_old",
    "import_job_cancel",
    "import_job_create",
    "import_job_run",
    "import_jobs_resume_stalled",
    "import_preset_save",
]
