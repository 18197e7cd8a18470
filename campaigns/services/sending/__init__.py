"""Sending customer messages, in layers: ``render`` (a creative for a customer, footer, public URLs), ``mime``
(the message and its bytes), ``transport`` (the SMTP connection, one hand-over, the pace), ``queue`` (claims,
stale claims, retry delay, the raw-SQL hot path), ``pipeline`` (the one loop every kind of customer message goes
through) and ``campaign`` (what is specific to campaigns). The names other code uses are exported here.
"""

from emarketing.db import relaxed_commits

from .campaign import (
    CampaignMessages,
    campaign_preview,
    campaign_send_run,
    campaign_send_test,
    creative_preview,
    messages_claim_due,
    messages_materialize,
    messages_reclaim_stale,
)
from .mime import build_email, from_address, message_bytes
from .pipeline import Loaded, MessageKind, Pipeline, SendResult
from .queue import UNCERTAIN_DELIVERY, Claim, retry_delay, rows_claim_due, rows_reclaim_stale
from .render import RTL_LANGUAGES, Rendered, customer_urls, public_url, render_for
from .transport import SendingInterrupted, Throttle, _deliver, mail_connection

__all__ = [
    "RTL_LANGUAGES",
    "UNCERTAIN_DELIVERY",
    "CampaignMessages",
    "Claim",
    "Loaded",
    "MessageKind",
    "Pipeline",
    "Rendered",
    "SendResult",
    "SendingInterrupted",
    "Throttle",
    "_deliver",
    "build_email",
    "campaign_preview",
    "campaign_send_run",
    "campaign_send_test",
    "creative_preview",
    "customer_urls",
    "from_address",
    "mail_connection",
    "message_bytes",
    "messages_claim_due",
    "messages_materialize",
    "messages_reclaim_stale",
    "public_url",
    "relaxed_commits",
    "render_for",
    "retry_delay",
    "rows_claim_due",
    "rows_reclaim_stale",
]
