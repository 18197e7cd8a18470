from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BrandConfig(AppConfig):
    name = "emarketing.brand"
    label = "brand"
    verbose_name = _("Brand")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from emarketing.brand import signals  # noqa: F401 - the cache forgets the brand when it changes
