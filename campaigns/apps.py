from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Communication")

    def ready(self) -> None:
        # The REST API's resources here, each a read and a write scope of the API keys.
        from emarketing.api.scopes import resources

        resources.register("campaigns", _("Campaigns"))
        resources.register("events", _("Events"))
        # Segments select customers by the AIDA step their touches reached: the field is defined here.
        from campaigns import checks, segment_fields  # noqa: F401 (checks registers itself)

        segment_fields.register()
        # The kinds of message a bounce can name (later stages register theirs in their ready()).
        from campaigns.deliverability import delivery_kind_register
        from campaigns.journeys.sending import JourneyMessages
        from campaigns.models import JourneyMessage, Message, OccasionOffer
        from campaigns.services.occasions import OccasionOffers
        from campaigns.services.sending import CampaignMessages

        kinds = (
            (CampaignMessages.code, Message),
            (OccasionOffers.code, OccasionOffer),
            (JourneyMessages.code, JourneyMessage),
        )
        for code, model in kinds:
            delivery_kind_register(
                code,
                model=model,
                address_of=lambda row: row.customer.email,
                campaign_of=lambda row: row.campaign_id,
                related=("customer",),
            )
        # SMS messages: a delivery report names one by its row; its "address" is the number it went to.
        from campaigns.models import SmsMessage
        from campaigns.services.sms import SMS_KIND

        delivery_kind_register(
            SMS_KIND, model=SmsMessage, address_of=lambda row: row.to, campaign_of=lambda row: row.campaign_id
        )
        # Bounces, complaints and deliveries reported by the sending providers' webhooks (django-anymail).
        from anymail.signals import tracking

        from campaigns.services.provider_events import tracking_received

        tracking.connect(tracking_received, dispatch_uid="campaigns.provider_events")
        # Right of access: the messages, touches and topics of a customer.
        from campaigns.access import communication_sections
        from customers.access import access_exporters

        access_exporters.register("campaigns", communication_sections)
        # The audit log: who changed a campaign (its target segments and products too), a creative, a sender or a
        # sending domain. DKIM keys are not logged: their private half is a secret.
        from campaigns.models import Campaign, Creative, Sender, SendingDomain
        from emarketing.audit import audit_register

        audit_register(Campaign, m2m=("segments", "products"))
        audit_register(Creative)
        from campaigns.models import Experiment, Variant

        audit_register(Experiment)
        audit_register(Variant)
        audit_register(Sender)
        audit_register(SendingDomain)
        # The right to be forgotten: the e-mail that confirms a customer's request, and what communication erases.
        from campaigns.models import ErasureConfirmation
        from campaigns.services.erasure import LABELS, erase_communication
        from campaigns.services.erasure_requests import ErasureConfirmations
        from customers.erasure import erasers

        delivery_kind_register(
            ErasureConfirmations.code,
            model=ErasureConfirmation,
            address_of=lambda row: row.customer.email,
            related=("customer",),
        )
        erasers.register("campaigns", erase_communication, labels=LABELS)
        # Capture forms (preparation): the topics they offer and their confirmation e-mail, a kind of message.
        from campaigns import form_topics
        from campaigns.models import FormConfirmationMail
        from campaigns.services.form_confirmations import FormConfirmations

        form_topics.register()
        delivery_kind_register(
            FormConfirmations.code,
            model=FormConfirmationMail,
            address_of=lambda row: row.submission.email,
            related=("submission",),
        )
        # The 360° profile: the campaigns a customer was sent and their AIDA touches.
        from campaigns import timeline

        timeline.register()
        # Tracking hits: published on the ``touches`` stream by the public endpoints, written by its consumers.
        from campaigns.services.tracking import TOUCH_STREAM, touches_write_events
        from emarketing.streams import stream_register

        stream_register(TOUCH_STREAM, touches_write_events)
        # On PostgreSQL touches are partitioned by month: the daily job makes the months ahead, drops the expired.
        from campaigns.models import Touch
        from emarketing.partitions import partitioned_register

        partitioned_register(Touch._meta.db_table, "occurred_at", retention_setting="TOUCH_RETENTION_MONTHS")
        # What communication publishes (a campaign sent) for whoever listens.
        from campaigns import events

        events.register()
        # Website events: their own stream and writer, partitioned by month like touches, with their own retention.
        from campaigns.models import WebEvent
        from campaigns.services.website import WEB_STREAM, web_events_write

        stream_register(WEB_STREAM, web_events_write)
        partitioned_register(WebEvent._meta.db_table, "occurred_at", retention_setting="WEBSITE_EVENT_RETENTION_MONTHS")
        # Journeys: communication's own triggers, conditions and actions (orders and after-sales register theirs in
        # their ready()), and the bus: noted inside the publishing transaction, heard after its commit.
        from campaigns.journeys import builtin
        from campaigns.journeys.listeners import journeys_note
        from emarketing.hooks.bus import subscribe

        builtin.register()
        subscribe(journeys_note, in_transaction=True)
