"""Saving a column mapping from an import preview as a named preset, for the next file with the same headers."""

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction

from customers.models import ImportPreset
from emarketing.tables import header_key


@transaction.atomic
def import_preset_save(
    *,
    kind: str,
    name: str,
    header: list[str],
    columns: list[str],
    date_formats: dict[str, str],
    by: User | AnonymousUser | None = None,
) -> ImportPreset:
    """Save (or replace, by name) the mapping of ``header`` to ``columns``: every header is kept, ignored ones as
    "", so the preset is detected only for files with the same headers."""
    mapping = {header_key(h): c for h, c in zip(header, columns, strict=False) if header_key(h)}
    user = by if isinstance(by, User) else None
    preset, _created = ImportPreset.objects.update_or_create(
        kind=kind,
        name=name.strip()[:100],
        defaults={"columns": mapping, "date_formats": date_formats, "created_by": user},
    )
    return preset
