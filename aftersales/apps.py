from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "aftersales"
    verbose_name = _("After-sales")

    def ready(self) -> None:
        # The REST API's resources here, each a read and a write scope of the API keys.
        from emarketing.api.scopes import resources

        resources.register("tickets", _("Tickets"))
        resources.register("surveys", _("Survey responses"))
        # The kinds of message after-sales sends, so that a bounce naming one of them finds its address.
        from aftersales.models import LateDeliveryApology, SurveyInvitation, TicketAcknowledgement
        from aftersales.services.contact import TicketAcknowledgements
        from aftersales.services.lateness import LateDeliveryApologies
        from aftersales.services.surveys import SurveyInvitations
        from campaigns.deliverability import delivery_kind_register

        delivery_kind_register(
            SurveyInvitations.code,
            model=SurveyInvitation,
            address_of=lambda row: row.customer.email,
            related=("customer",),
        )
        delivery_kind_register(TicketAcknowledgements.code, model=TicketAcknowledgement, address_of=lambda row: row.to)
        delivery_kind_register(
            LateDeliveryApologies.code,
            model=LateDeliveryApology,
            address_of=lambda row: row.customer.email,
            related=("customer",),
        )
        # Right of access: a customer's tickets, survey answers, reviews and the contact line's e-mails.
        from aftersales.access import aftersales_sections
        from customers.access import access_exporters

        access_exporters.register("aftersales", aftersales_sections)
        # The right to be forgotten: what after-sales erases (scores and ratings stay), and the other addresses it
        # knows a customer by (those their tickets came from).
        from aftersales.services.erasure import LABELS, addresses_of, erase_aftersales
        from customers.erasure import erasers

        erasers.register("aftersales", erase_aftersales, labels=LABELS)
        erasers.register_addresses("aftersales", addresses_of)
        # The 360° profile: a customer's tickets and survey answers.
        from aftersales import timeline

        timeline.register()
        # What after-sales publishes (tickets opened and closed, surveys answered) for whoever listens.
        from aftersales import events

        events.register()
        # Journeys: surveys answered (with a score condition) and tickets as triggers; "open a ticket" as an action.
        from aftersales import journeys

        journeys.register()
        # The help search indexes the information pages again when campaigns saves one.
        from aftersales import community_signals

        community_signals.connect()
        # The right to be forgotten in the community: the questions and answers a customer wrote.
        from aftersales.services.community_erasure import LABELS as COMMUNITY_LABELS
        from aftersales.services.community_erasure import erase_community

        erasers.register("community", erase_community, labels=COMMUNITY_LABELS)
        # The live chat's WebSockets, served by the ASGI process (emarketing.asgi).
        from aftersales.chat.routing import websocket_urlpatterns
        from emarketing.websockets import websocket_routes

        websocket_routes.register("chat", websocket_urlpatterns)
