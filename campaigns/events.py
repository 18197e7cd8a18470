"""What communication tells whoever listens (outgoing webhooks, the loop): a campaign has been sent."""

from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from emarketing.hooks.bus import events, publish

CAMPAIGN_SENT = "campaign.sent"


def register() -> None:
    events.register(CAMPAIGN_SENT, _("Campaign sent"))


def campaign_sent(campaign: Campaign) -> None:
    publish(
        CAMPAIGN_SENT,
        key=f"campaign:{campaign.pk}",
        payload={
            "id": campaign.pk,
            "name": campaign.name,
            "channel": campaign.channel,
            "started_at": campaign.started_at.isoformat() if campaign.started_at else None,
            "finished_at": campaign.finished_at.isoformat() if campaign.finished_at else None,
        },
    )
