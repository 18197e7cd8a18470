from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Communication")

    def ready(self) -> None:
        # Segments select customers by the AIDA step their touches reached: the field is defined here.
        from campaigns import checks, segment_fields  # noqa: F401 (checks registers itself)

        segment_fields.register()
