"""The audit log (django-auditlog): who changed what, and when, in the models that matter for customers' data, consent,
campaigns, the plan and permissions.

Each stage registers its own models in its ``AppConfig.ready()`` with :func:`audit_register`; staff accounts, groups
and two-factor devices are registered by the settings (``AUDITLOG_INCLUDE_TRACKING_MODELS``). A change made in a
request is recorded with the signed-in user as its actor (:class:`AuditMiddleware`); a Celery job or a command has
none. Writes through ``QuerySet.update()``, ``bulk_update()`` and ``bulk_create()`` are not seen by the log: the
nightly refreshes of every customer (value, tier, lifecycle, satisfaction) and imports use those, so they do not
flood it (their own history tables say what they changed).

A customer's erasure calls :func:`audit_forget` for their rows: the entries stay (who changed which fields of which
row, when), their content goes.
"""

import ipaddress
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.http import HttpRequest

# What an erased value reads as in the log (auditlog shows masked passwords the same way).
ERASED = "***"
# Entries blanked per UPDATE statement.
_FORGET_BATCH = 500


def audit_register(
    model: type[models.Model],
    *,
    exclude: Collection[str] = (),
    m2m: Collection[str] = (),
) -> None:
    """Record every create, change and delete of ``model`` in the audit log.

    ``exclude``: fields whose changes are not recorded (a secret, or a time stamp every save moves); ``m2m``:
    many-to-many fields whose additions and removals are recorded too. Only the model's own columns are compared
    (django-auditlog would list every reverse relation of a created or deleted row, as "orders.Order.None").
    """
    own = [field.name for field in model._meta.concrete_fields if field.name not in exclude]
    auditlog.register(model, include_fields=own, exclude_fields=list(exclude), m2m_fields=set(m2m))


def audited_models() -> list[type[models.Model]]:
    """The models whose changes the audit log records."""
    return list(auditlog.get_models())


def _blank_value(value: Any) -> Any:
    if isinstance(value, dict) and value.get("type") == "m2m":
        return {**value, "objects": [ERASED for _ in value.get("objects") or ()]}
    if isinstance(value, list):
        return [ERASED for _ in value]
    return ERASED


def blank_changes(changes: Any) -> dict[str, Any] | None:
    """The changes of an entry with the names of the fields kept and every value replaced by :data:`ERASED`."""
    if not isinstance(changes, dict):
        return None
    return {str(field): _blank_value(value) for field, value in changes.items()}


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


@transaction.atomic
def audit_forget(*, model: type[models.Model], pks: Iterable[int]) -> int:
    """Blank the personal content of the audit entries of these rows of ``model``; return how many were blanked.

    Kept: which row (model and id), what was done (created, changed, deleted), which fields changed, by whom and
    when. Blanked: the values (``changes`` and ``changes_text``), the row as it was shown (``object_repr``), any
    serialised copy of the row and additional data; and the address of a change nobody signed in made (a public
    form, the preference centre: that address was the customer's). Call it after the rows themselves are blanked or
    deleted, in the same transaction: that last change is logged too, with the values it removed.
    """
    ids = sorted({int(pk) for pk in pks})
    if not ids:
        return 0
    content_type = ContentType.objects.get_for_model(model)
    blanked = 0
    for chunk in _chunks(ids, _FORGET_BATCH):
        entries = list(
            LogEntry.objects.filter(
                Q(object_id__in=chunk) | Q(object_pk__in=[str(pk) for pk in chunk]), content_type=content_type
            ).only("pk", "changes", "actor_id", "remote_addr", "remote_port")
        )
        for entry in entries:
            entry.changes = blank_changes(entry.changes)
            entry.changes_text = ""
            entry.object_repr = ""
            entry.serialized_data = None
            entry.additional_data = None
            if entry.actor_id is None:
                entry.remote_addr = None
                entry.remote_port = None
        LogEntry.objects.bulk_update(
            entries,
            [
                "changes",
                "changes_text",
                "object_repr",
                "serialized_data",
                "additional_data",
                "remote_addr",
                "remote_port",
            ],
            batch_size=_FORGET_BATCH,
        )
        blanked += len(entries)
    return blanked


class AuditMiddleware(AuditlogMiddleware):  # type: ignore[misc]  # django-auditlog has no type hints
    """auditlog's middleware (the signed-in user is the actor of a request's changes), reading the client's address
    the way the rest of the product does: ``REMOTE_ADDR`` alone (behind a load balancer, ``emarketing.proxies`` sets
    it from the trusted proxies' ``X-Forwarded-For``). A client's own ``X-Forwarded-For`` or ``X-Forwarded-Port`` is
    not believed: it could put any address in the log, or a value the database refuses and so fail every logged
    change of a public page."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        address = request.META.get("REMOTE_ADDR", "")
        try:
            return str(ipaddress.ip_address(address))
        except ValueError:
            return None

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> int | None:
        return None
