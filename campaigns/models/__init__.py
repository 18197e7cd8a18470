"""Communication: campaigns, their creatives, one message per recipient and the AIDA touches they cause.

One module per subject: campaigns and creatives (``campaigns``); messages, touches, links and occasion offers
(``delivery``); sending domains, DKIM keys, senders and delivery reports (``deliverability``); the e-mails that
confirm a request to erase one's data and a capture form's submission (``privacy``). Every name is imported here, so
the rest of the code imports from ``campaigns.models`` alone, and the dotted paths the migrations name
(``campaigns.models._refuse_script_url``, ``campaigns.models.validate_ascii_domain``) still resolve."""

from campaigns.models.campaigns import (
    Campaign,
    CampaignStatus,
    CampaignStatusChange,
    Channel,
    Creative,
    CreativeKind,
    Topic,
    _refuse_script_url,
)
from campaigns.models.deliverability import (
    BOUNCE_EVENTS,
    DKIM_PUBLISHED_STATUSES,
    DeliveryEvent,
    DeliveryReport,
    DkimKey,
    DkimKeyStatus,
    DkimKeyStatusChange,
    ReportSource,
    Sender,
    SendingDomain,
    ascii_domain,
    validate_ascii_domain,
)
from campaigns.models.delivery import (
    AIDA_ORDER,
    PROXY_FETCH,
    TOUCH_KIND_STEP,
    AidaStep,
    DeliveryState,
    Link,
    Message,
    MessageStatus,
    OccasionOffer,
    TopicInterest,
    Touch,
    TouchKind,
    TouchSource,
    person_looked,
    proxy_open,
)
from campaigns.models.privacy import ErasureConfirmation, FormConfirmationMail
from campaigns.models.website import DIRECT, WEB_EVENT_TOUCH, Visitor, VisitorConsent, WebEvent, WebEventKind

__all__ = [
    "AIDA_ORDER",
    "BOUNCE_EVENTS",
    "DIRECT",
    "DKIM_PUBLISHED_STATUSES",
    "PROXY_FETCH",
    "TOUCH_KIND_STEP",
    "WEB_EVENT_TOUCH",
    "AidaStep",
    "Campaign",
    "CampaignStatus",
    "CampaignStatusChange",
    "Channel",
    "Creative",
    "CreativeKind",
    "DeliveryEvent",
    "DeliveryReport",
    "DeliveryState",
    "DkimKey",
    "DkimKeyStatus",
    "DkimKeyStatusChange",
    "ErasureConfirmation",
    "FormConfirmationMail",
    "Link",
    "Message",
    "MessageStatus",
    "OccasionOffer",
    "ReportSource",
    "Sender",
    "SendingDomain",
    "Topic",
    "TopicInterest",
    "Touch",
    "TouchKind",
    "TouchSource",
    "Visitor",
    "VisitorConsent",
    "WebEvent",
    "WebEventKind",
    "_refuse_script_url",
    "ascii_domain",
    "person_looked",
    "proxy_open",
    "validate_ascii_domain",
]
