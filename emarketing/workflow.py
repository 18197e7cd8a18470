"""Status machines, after django-oscar's ``Order.set_status``.

A model that moves through statuses declares ``TRANSITIONS = {from: {to, ...}}`` and a log model that
inherits :class:`StatusChangeBase` with a foreign key named ``subject`` (``related_name="status_changes"``).
:func:`change_status` is the only way a status moves: the same status again is a no-op, a move the table does
not allow raises :class:`InvalidTransition`, and every move writes an audit row (who, when, from, to).
"""

import datetime as dt
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


class InvalidTransition(ValidationError):
    """A status move that the model's transition table does not allow."""


class StatusChangeBase(models.Model):
    from_status = models.CharField(_("from"), max_length=32)
    to_status = models.CharField(_("to"), max_length=32)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        abstract = True
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


@transaction.atomic
def change_status(
    instance: models.Model,
    to_status: str,
    *,
    by: "AbstractBaseUser | AnonymousUser | None" = None,
    note: str = "",
    field: str = "status",
    extra_updates: Mapping[str, object] | None = None,
    at: dt.datetime | None = None,
) -> bool:
    """Move ``instance`` to ``to_status`` under a row lock; return True if it moved.

    ``at`` is when the move happened (now, unless the move is being recorded after the fact, as an import does).

    ``extra_updates`` are further fields set in the same save (``shipped_at`` with ``shipped``, say).
    """
    model = type(instance)
    if by is not None and not getattr(by, "is_authenticated", False):
        by = None
    locked = model._default_manager.select_for_update().get(pk=instance.pk)
    current = getattr(locked, field)
    if current == to_status:
        setattr(instance, field, current)
        return False
    # TRANSITIONS is declared by each status model, not by Model.
    transitions: Mapping[str, Collection[str]] = model.TRANSITIONS  # type: ignore[attr-defined]
    if to_status not in transitions.get(current, set()):
        raise InvalidTransition(
            _("%(model)s cannot move from “%(from)s” to “%(to)s”."),
            code="invalid_transition",
            params={"model": model._meta.verbose_name, "from": current, "to": to_status},
        )
    updates = {field: to_status, **(extra_updates or {})}
    for name, value in updates.items():
        setattr(locked, name, value)
    locked.full_clean()
    # A field kept current on every save (``updated_at``, which syncs read) moves with the status too.
    touched = [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
    locked.save(update_fields=[*updates, *touched])
    locked.status_changes.create(  # type: ignore[attr-defined]  # the log model's related_name
        from_status=current, to_status=to_status, changed_by=by, note=note[:255], changed_at=at or timezone.now()
    )
    for name, value in updates.items():
        setattr(instance, name, value)
    return True
