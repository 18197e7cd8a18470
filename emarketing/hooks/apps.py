from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HooksConfig(AppConfig):
    name = "emarketing.hooks"
    label = "hooks"
    verbose_name = _("Webhooks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from emarketing.hooks.bus import events, subscribe
        from emarketing.hooks.services.outbox import TEST_EVENT, deliveries_record

        events.register(TEST_EVENT, _("Test event"))
        # Outgoing webhooks write their outbox in the publishing transaction: an event commits with its change.
        subscribe(deliveries_record, in_transaction=True)
