"""Communication's part of a customer's erasure (registered in ``customers.erasure.erasers``).

Blanked: what a touch recorded of the visitor (browser, referring page, what they typed in a response), the
error texts of their messages (a mail server's answer quotes the address), the number and text of their SMS, the
addresses and diagnostics of the delivery reports on them, and of their website events the browser's id, the pages
and referrers (addresses can carry personal data) and what they searched for. Removed: the topics they chose and
their browsers (the website visitors whose cookie tied a browser to them). Their unsent messages are cancelled.

Kept, and why: every touch's step, kind, source, agent and time, which the AIDA funnel and the attribution of
orders count; each website event's kind, source, product and time, which the traffic figures count; each message's
and offer's status and dates, which the campaigns' delivery rates count; the hash of the address in the delivery
reports, by which runs of bounces are counted.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models import (
    ErasureConfirmation,
    Message,
    MessageStatus,
    OccasionOffer,
    SmsMessage,
    TopicInterest,
    Touch,
    Visitor,
    WebEvent,
)
from customers.erasure import Counts, ErasureSubject, admin_history_forget

from .bounces import delivery_reports_forget, delivery_reports_forget_rows
from .erasure_requests import ErasureConfirmations
from .occasions import ERASED, OccasionOffers
from .sending import CampaignMessages
from .sms import SMS_KIND

LABELS = {
    "campaigns.touches": _("touches: browser, referring page and what they typed (the events are kept)"),
    "campaigns.messages": _("error texts of messages and offers sent to them"),
    "campaigns.cancelled": _("unsent messages cancelled"),
    "campaigns.topic_interests": _("topics they chose"),
    "campaigns.delivery_reports": _("delivery reports: address and diagnostic (the hash is kept)"),
    "campaigns.web_events": _("website events: browser, pages, referrers and searches (the events are kept)"),
    "campaigns.visitors": _("website browsers tied to them"),
}

_DELIVERY_MODELS: tuple[
    tuple[str, type[Message] | type[OccasionOffer] | type[ErasureConfirmation] | type[SmsMessage]], ...
] = (
    (CampaignMessages.code, Message),
    (OccasionOffers.code, OccasionOffer),
    (ErasureConfirmations.code, ErasureConfirmation),
    (SMS_KIND, SmsMessage),
)


def erase_communication(subject: ErasureSubject) -> Counts:
    cid = subject.customer_id
    counts: Counts = {}
    touches = Touch.objects.filter(customer_id=cid).filter(~Q(user_agent="") | ~Q(referrer="") | ~Q(detail=""))
    counts["campaigns.touches"] = touches.update(user_agent="", referrer="", detail="")
    reports = sum(delivery_reports_forget(address=address) for address in subject.emails)
    blanked = cancelled = 0
    for code, model in _DELIVERY_MODELS:
        rows = model._default_manager.filter(customer_id=cid)
        ids = list(rows.values_list("pk", flat=True))
        reports += delivery_reports_forget_rows(kind=code, row_ids=ids)
        blanked += rows.exclude(error="").update(error="")
        cancelled += rows.filter(status=MessageStatus.QUEUED).update(
            status=MessageStatus.FAILED, error=str(ERASED), claim=""
        )
        if model is not ErasureConfirmation:
            admin_history_forget(model, ids)
    sms = SmsMessage.objects.filter(customer_id=cid).exclude(to="", text="")
    blanked += sms.update(to="", text="")
    counts["campaigns.messages"] = blanked
    counts["campaigns.cancelled"] = cancelled
    counts["campaigns.delivery_reports"] = reports
    counts["campaigns.topic_interests"] = TopicInterest.objects.filter(customer_id=cid).delete()[0]
    browsers = Visitor.objects.filter(customer_id=cid)
    visitor_ids = list(browsers.values_list("visitor_id", flat=True))
    events = WebEvent.objects.filter(
        Q(customer_id=cid) | Q(visitor_id__in=visitor_ids) if visitor_ids else Q(customer_id=cid)
    )
    counts["campaigns.web_events"] = events.exclude(visitor_id="", path="", referrer="", query="").update(
        visitor_id="", path="", referrer="", query=""
    )
    counts["campaigns.visitors"] = browsers.delete()[0]
    return counts
