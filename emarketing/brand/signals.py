"""The cached brand is replaced in every process once a change to it commits (a side concern of saving it)."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from emarketing.brand.models import Brand


@receiver(post_save, sender=Brand)
@receiver(post_delete, sender=Brand)
def _brand_changed(**kwargs: Any) -> None:
    from emarketing.brand.selectors import brand_cache_refresh

    transaction.on_commit(brand_cache_refresh)
