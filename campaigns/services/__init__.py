"""Every write of the communication stage. Other stages call these, never the models directly."""

from .campaigns import (  # noqa: F401
    campaign_cancel,
    campaign_finish,
    campaign_pause,
    campaign_schedule,
    campaign_start,
    campaigns_start_due,
    links_sync,
)
from .tracking import is_automated, touch_build, touch_record, touches_record_bulk  # noqa: F401
