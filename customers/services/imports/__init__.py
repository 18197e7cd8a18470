"""Every write of a customer import: applying a file (:mod:`.apply`) and the uploaded files kept meanwhile
(:mod:`.stored_files`)."""

from .apply import (
    ON_DUPLICATE_REFUSE,
    ON_DUPLICATE_UPDATE,
    ImportResult,
    customers_import,
    customers_import_stored_file,
)
from .presets import import_preset_save
from .stored_files import customers_import_files_delete_old

__all__ = [
    "ON_DUPLICATE_REFUSE",
    "ON_DUPLICATE_UPDATE",
    "ImportResult",
    "customers_import",
    "customers_import_files_delete_old",
    "customers_import_stored_file",
    "import_preset_save",
]
