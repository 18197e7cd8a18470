"""Writing the brand (there is one row; saving it replaces the cached brand once committed)."""

from typing import Any

from django.db import transaction

from emarketing.brand.models import SINGLETON_ID, Brand


@transaction.atomic
def brand_update(*, brand: Brand | None = None, **fields: Any) -> Brand:
    """Save the brand: ``brand`` (the admin's edited row) or the row there is, made when missing, with ``fields``
    set. Validated before it is saved (a colour that is not #RRGGBB is refused)."""
    if brand is None:
        brand = Brand.objects.select_for_update().filter(pk=SINGLETON_ID).first() or Brand(pk=SINGLETON_ID)
    brand.pk = SINGLETON_ID
    for name, value in fields.items():
        setattr(brand, name, value)
    brand.full_clean()
    brand.save()
    return brand
