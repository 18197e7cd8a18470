"""Every write of the communication stage. Other stages call these, never the models directly."""

from .campaigns import (
    campaign_cancel,
    campaign_finish,
    campaign_pause,
    campaign_schedule,
    campaign_start,
    campaigns_start_due,
    links_sync,
)
from .tracking import is_automated, request_agent, touch_build, touch_record, touches_record_bulk

__all__ = [
    "campaign_cancel",
    "campaign_finish",
    "campaign_pause",
    "campaign_schedule",
    "campaign_start",
    "campaigns_start_due",
    "is_automated",
    "links_sync",
    "request_agent",
    "touch_build",
    "touch_record",
    "touches_record_bulk",
]
