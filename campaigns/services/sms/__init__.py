"""The SMS channel's writes: sending (claim → delivering → record), queuing one message, delivery reports and
replies. See docs/sms.md."""

from .links import short_url, shorten, sms_links_sync, urls_in
from .replies import SMS_KIND, is_stop_word, sms_reply_record, sms_status_record
from .sending import (
    SmsRun,
    SmsRunResult,
    e164_mobile,
    pace,
    sms_campaign_send_run,
    sms_message_enqueue,
    sms_messages_materialize,
    sms_offers_enqueue,
    sms_send_due,
)

__all__ = [
    "SMS_KIND",
    "SmsRun",
    "SmsRunResult",
    "e164_mobile",
    "is_stop_word",
    "pace",
    "short_url",
    "shorten",
    "sms_campaign_send_run",
    "sms_links_sync",
    "sms_message_enqueue",
    "sms_messages_materialize",
    "sms_offers_enqueue",
    "sms_reply_record",
    "sms_send_due",
    "sms_status_record",
    "urls_in",
]
