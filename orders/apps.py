from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Transfer")

    def ready(self) -> None:
        # The REST API's resources here, each a read and a write scope of the API keys.
        from emarketing.api.scopes import resources

        resources.register("orders", _("Orders"))
        resources.register("products", _("Products"))
        resources.register("capacity", _("Capacity (stock, delivery, service)"))
        # Preparation rates and selects customers by what they bought: the rules are computed here, from orders.
        from customers.registry import profile_sources
        from orders import profiles, segment_fields

        profile_sources.register_purchases(profiles.purchases_of, profiles.purchase_quintiles)
        profile_sources.register_lifecycle(profiles.lifecycle_stages_of)
        segment_fields.register()  # with orders as a source of change
        # Big order history files are applied by preparation's background import jobs.
        from customers.models import ImportKind
        from customers.registry import import_runners
        from orders.services.history import order_history_runner

        import_runners.register(ImportKind.ORDERS, order_history_runner)
        # Right of access: a customer's orders, with their lines, payments and shipments.
        from customers.access import access_exporters
        from orders.access import transfer_sections

        access_exporters.register("orders", transfer_sections)
        # The right to be forgotten: what transfer blanks when a customer is erased (amounts and dates stay).
        from customers.erasure import erasers
        from orders.services.erasure import LABELS, erase_transfer

        erasers.register("orders", erase_transfer, labels=LABELS)
        # The 360° profile: a customer's orders with the state of their delivery.
        from orders import timeline

        timeline.register()
        # What transfer publishes (orders created, paid, delivered) for whoever listens.
        from orders import events

        events.register()
        # Communication's A/B tests and holdouts judge campaigns by the sales that followed them.
        from orders import experiment_outcomes

        experiment_outcomes.register()
        # Journeys: orders as triggers, "N days without an order", and "ordered since entry" as a condition and goal.
        from orders import journeys

        journeys.register()
