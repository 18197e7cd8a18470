"""Occasion offers: each consenting customer's birthday or anniversary offer, once a year, on their own day.

A live occasion campaign (status "sending", ``occasion_kind`` set) is sent by a job that runs every hour: for
each time zone whose local time has reached ``CAMPAIGNS_OCCASION_LOCAL_HOUR`` it takes the occasions of the
local date (29 February falls on 28 February in years without it), lists one ``OccasionOffer`` per occasion
and year (the database refuses a second one) and sends the listed offers. Running it again, or twice at once,
sends nothing twice.
"""

import calendar
import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from campaigns.models import Campaign, CampaignStatus, Channel, MessageStatus, OccasionOffer
from campaigns.selectors import (
    customers_email_context,
    customers_recommended_products,
    email_creatives_by_language,
    recommended_products,
)
from campaigns.services.campaigns import links_sync
from campaigns.services.senders import CampaignSenders
from campaigns.services.sending import (
    Claim,
    Loaded,
    MessageKind,
    Pipeline,
    Rendered,
    SendResult,
    mail_connection,
    relaxed_commits,
    render_for,
)
from campaigns.templating import CompiledCreative
from customers.models import Consent, ConsentChannel, Occasion, OccasionKind

_email_consent = Consent.objects.filter(channel=ConsentChannel.EMAIL, granted=True)
_sms_consent = Consent.objects.filter(channel=ConsentChannel.SMS, granted=True)

NO_CREATIVE = gettext_lazy("The campaign has no e-mail creative.")
ERASED = gettext_lazy("The customer's data was erased.")


def _local_days(now: dt.datetime, hour: int) -> dict[dt.date, list[str]]:
    """``{local date: [time zones]}`` for the zones whose local clock has reached ``hour`` today."""
    days: dict[dt.date, list[str]] = defaultdict(list)
    for name in zoneinfo.available_timezones():
        local = now.astimezone(zoneinfo.ZoneInfo(name))
        if local.hour >= hour:
            days[local.date()].append(name)
    return days


def _day_filter(day: dt.date) -> Q:
    same_day = Q(month=day.month, day=day.day)
    if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
        same_day |= Q(month=2, day=29)
    return same_day


def _live_campaigns(now: dt.datetime) -> dict[str, Campaign]:
    live = (
        Campaign.objects.filter(status=CampaignStatus.SENDING)
        .exclude(occasion_kind="")
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by("occasion_kind", "-started_at", "-pk")
    )
    chosen: dict[str, Campaign] = {}
    for campaign in live:
        chosen.setdefault(campaign.occasion_kind, campaign)  # the latest started of each kind
    return chosen


@transaction.atomic
def occasion_offers_list(*, now: dt.datetime | None = None) -> int:
    """List today's offers (one per occasion and local year); return how many rows the query offered."""
    now = now or timezone.now()
    campaigns = _live_campaigns(now)
    if not campaigns:
        return 0
    hour = settings.CAMPAIGNS_OCCASION_LOCAL_HOUR
    listed = 0
    size = settings.CAMPAIGNS_SEND_BATCH_SIZE
    for day, zones in _local_days(now, hour).items():
        by_email = [kind for kind, c in campaigns.items() if c.channel != Channel.SMS]
        by_sms = [kind for kind, c in campaigns.items() if c.channel == Channel.SMS]
        today = Occasion.objects.filter(_day_filter(day), customer__time_zone__in=zones, customer__suppressed=False)
        # Each offer goes by its campaign's channel: to those with an address and e-mail consent, or with a phone
        # and SMS consent (an SMS offer is then queued as an SMS: campaigns.services.sms).
        due = today.filter(kind__in=by_email).exclude(customer__email="").filter(
            Exists(_email_consent.filter(customer=OuterRef("customer_id")).order_by())
        ) | today.filter(kind__in=by_sms).exclude(customer__phone="").filter(
            Exists(_sms_consent.filter(customer=OuterRef("customer_id")).order_by())
        )
        last = 0
        while True:
            rows = list(due.filter(pk__gt=last).order_by("pk").values_list("pk", "customer_id", "kind")[:size])
            if not rows:
                break
            OccasionOffer.objects.bulk_create(
                [
                    OccasionOffer(occasion_id=pk, customer_id=cid, campaign=campaigns[kind], year=day.year)
                    for pk, cid, kind in rows
                ],
                ignore_conflicts=True,
            )
            listed += len(rows)
            last = rows[-1][0]
    return listed


@dataclass(frozen=True)
class OfferRow:
    """A claimed offer with what rendering it needs."""

    pk: int
    attempts: int
    customer_id: int
    campaign: Campaign
    occasion: Occasion


class OccasionOffers(MessageKind[OfferRow]):
    """Occasion offers: every listed offer of every occasion campaign, rendered with its occasion."""

    model = OccasionOffer
    code = "o"

    def scope(self) -> Q:
        # Offers of SMS campaigns go as SMS (campaigns.services.sms.sms_offers_enqueue), never by e-mail.
        return ~Q(campaign_id__in=Campaign.objects.filter(channel=Channel.SMS).values("pk"))

    def __init__(self) -> None:
        self.kinds = dict(OccasionKind.choices)
        self.per_campaign: dict[int, _CampaignParts] = {}
        self.contexts: dict[int, Any] = {}
        self.own_products: dict[int, Any] = {}

    def _parts(self, campaign: Campaign) -> "_CampaignParts":
        if campaign.pk not in self.per_campaign:
            self.per_campaign[campaign.pk] = _CampaignParts(
                creatives=email_creatives_by_language(campaign=campaign),
                links=links_sync(campaign=campaign),
                products=recommended_products(campaign=campaign),
                senders=CampaignSenders(campaign.sender),
            )
        return self.per_campaign[campaign.pk]

    def load(self, claim: Claim) -> Loaded[OfferRow]:
        offers = list(
            OccasionOffer.objects.filter(pk__in=claim.ids, claim=claim.token, status=MessageStatus.SENDING)
            .select_related("occasion", "campaign")
            .order_by("pk")
        )
        customer_ids = [o.customer_id for o in offers]
        self.contexts = customers_email_context(customer_ids=customer_ids)
        self.own_products = customers_recommended_products(customer_ids=customer_ids)
        rows, refused = [], {}
        for o in offers:
            if o.occasion is None:  # the customer's data was erased meanwhile
                refused[o.pk] = str(ERASED)
                continue
            ctx = self.contexts.get(o.customer_id)
            if ctx is None or self._parts(o.campaign).creatives.get(ctx["language"]) is None:
                refused[o.pk] = str(NO_CREATIVE)
                continue
            rows.append(OfferRow(o.pk, o.attempts, o.customer_id, o.campaign, o.occasion))
        return Loaded(pending=rows, refused=refused)

    def render(self, row: OfferRow) -> tuple[str, Rendered]:
        parts = self._parts(row.campaign)
        ctx = self.contexts[row.customer_id]
        creative = parts.creatives[ctx["language"]]
        if creative.pk not in parts.compiled:
            parts.compiled[creative.pk] = CompiledCreative.of(creative)
        occ = row.occasion
        rendered = render_for(
            compiled=parts.compiled[creative.pk],
            context={
                "customer": ctx["customer"],
                "occasions": ctx["occasions"],
                "occasion": {
                    "kind": str(self.kinds.get(occ.kind, occ.kind)),
                    "label": occ.label,
                    "month": occ.month,
                    "day": occ.day,
                },
                "recommended_products": self.own_products.get(row.customer_id) or parts.products,
            },
            language=ctx["language"],
            campaign_id=row.campaign.pk,
            customer_id=row.customer_id,
            creative_id=creative.pk,
            links=parts.links,
        )
        return ctx["email"], parts.senders.apply(rendered, language=ctx["language"])


@dataclass
class _CampaignParts:
    creatives: dict[str, Any]
    links: dict[str, int]
    products: Any
    senders: CampaignSenders
    compiled: dict[int, CompiledCreative] = field(default_factory=dict)


def occasion_offers_send_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """List today's offers and send every listed one through the sending pipeline.

    Each offer is marked as being handed to the mail server before the server can accept it, so a worker
    killed at that moment leaves it failed with the reason, never sent twice. A refused address is tried
    again later (exponential backoff) and failed after ``CAMPAIGNS_SEND_MAX_ATTEMPTS``.
    """
    from campaigns.services.sms import sms_offers_enqueue, sms_send_due

    occasion_offers_list(now=now or timezone.now())
    sms_offers_enqueue()
    result = SendResult()
    with relaxed_commits():
        Pipeline(OccasionOffers(), mail_connection()).run(result=result)
    sms = sms_send_due()
    return {"sent": result.sent + sms.sent, "failed": result.failed + sms.failed}
