"""An order history file kept in storage between the admin's preview and a background apply, then deleted.

Uploads are stored under :data:`UPLOAD_DIR`, inside the customer import's folder, so that the hourly cleanup of
import files never applied (``customers.tasks.delete_old_import_files``) deletes them after
``CUSTOMER_IMPORT_KEEP_HOURS`` too: they hold customers' personal data.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from customers.services.imports.stored_files import UPLOAD_DIR as CUSTOMER_UPLOAD_DIR
from orders.services.history import HistoryResult, order_history_import

logger = logging.getLogger(__name__)

UPLOAD_DIR = f"{CUSTOMER_UPLOAD_DIR}order-history/"


def _notify(user_id: int | None, name: str, result: HistoryResult) -> None:
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is None or not user.email:
        return
    lines = [result.summary(), ""]
    lines += [str(e) for e in result.errors]
    if result.error_count > len(result.errors):
        lines.append(_("… and %(n)d more errors.") % {"n": result.error_count - len(result.errors)})
    subject = (
        _("Order history import of “%(name)s” done")
        if result.applied
        else _("Order history import of “%(name)s” refused")
    ) % {"name": name}
    send_mail(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=True)


def order_history_import_stored_file(
    *,
    path: str,
    name: str,
    user_id: int | None = None,
    columns: list[str] | None = None,
    date_formats: dict[str, str] | None = None,
    create_products: bool = False,
) -> dict[str, int | bool]:
    """Apply a stored file (all or nothing), tell the uploader by e-mail, then delete the file.

    A second delivery of the same job finds no file and changes nothing.
    """
    if not default_storage.exists(path):
        logger.info("order history import %s already handled", path)
        return {"applied": False, "missing": True}
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    with default_storage.open(path, "rb") as stream:
        result = order_history_import(
            stream=stream,
            name=name,
            columns=columns,
            date_formats=date_formats,
            create_products=create_products,
            by=user,
        )
    default_storage.delete(path)
    _notify(user_id, name, result)
    return {
        "applied": result.applied,
        "rows": result.rows_read,
        "orders": result.orders,
        "lines": result.lines,
        "errors": result.error_count,
    }
