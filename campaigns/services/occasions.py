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

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus, MessageStatus, OccasionOffer
from campaigns.selectors import (
    customers_email_context,
    customers_recommended_products,
    email_creatives_by_language,
    recommended_products,
)
from campaigns.services.campaigns import links_sync
from campaigns.services.sending import SendingInterrupted, _deliver, build_email, mail_connection, render_for
from campaigns.templating import CompiledCreative
from customers.models import Consent, ConsentChannel, Occasion, OccasionKind

_email_consent = Consent.objects.filter(channel=ConsentChannel.EMAIL, granted=True)


def _local_days(now, hour):
    """``{local date: [time zones]}`` for the zones whose local clock has reached ``hour`` today."""
    days = defaultdict(list)
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


def _live_campaigns(now):
    live = (
        Campaign.objects.filter(status=CampaignStatus.SENDING)
        .exclude(occasion_kind="")
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by("occasion_kind", "-started_at", "-pk")
    )
    chosen = {}
    for campaign in live:
        chosen.setdefault(campaign.occasion_kind, campaign)  # the latest started of each kind
    return chosen


@transaction.atomic
def occasion_offers_list(*, now=None) -> int:
    """List today's offers (one per occasion and local year); return how many rows the query offered."""
    now = now or timezone.now()
    campaigns = _live_campaigns(now)
    if not campaigns:
        return 0
    hour = getattr(settings, "CAMPAIGNS_OCCASION_LOCAL_HOUR", 9)
    listed = 0
    size = getattr(settings, "CAMPAIGNS_SEND_BATCH_SIZE", 500)
    for day, zones in _local_days(now, hour).items():
        due = (
            Occasion.objects.filter(_day_filter(day), kind__in=list(campaigns), customer__time_zone__in=zones)
            .exclude(customer__email="")
            .filter(customer__suppressed=False)
            .filter(Exists(_email_consent.filter(customer=OuterRef("customer_id")).order_by()))
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


def _claim(size, now):
    """Claim queued offers (a refused one waits for the next run) and those a dead worker left claimed."""
    stale = now - dt.timedelta(seconds=getattr(settings, "CAMPAIGNS_SEND_CLAIM_TIMEOUT", 900))
    with transaction.atomic():
        due = OccasionOffer.objects.filter(
            Q(status=MessageStatus.QUEUED, claimed_at__isnull=True)
            | Q(status=MessageStatus.QUEUED, claimed_at__lt=now)
            | Q(status=MessageStatus.SENDING, claimed_at__lt=stale)
        ).order_by("pk")
        if db_connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:size])
        OccasionOffer.objects.filter(pk__in=ids).update(status=MessageStatus.SENDING, claimed_at=now)
    return ids


def occasion_offers_send_due(*, now=None) -> dict:
    """List today's offers and send every listed one; a refused address is tried again on the next run."""
    now = now or timezone.now()
    occasion_offers_list(now=now)
    sent = failed = 0
    size = getattr(settings, "CAMPAIGNS_SEND_BATCH_SIZE", 500)
    max_attempts = getattr(settings, "CAMPAIGNS_SEND_MAX_ATTEMPTS", 3)
    kinds = dict(OccasionKind.choices)
    per_campaign = {}
    connection = mail_connection()
    try:
        connection.open()
        while True:
            ids = _claim(size, now)
            if not ids:
                break
            offers = list(
                OccasionOffer.objects.filter(pk__in=ids).select_related("occasion", "campaign").order_by("pk")
            )
            customer_ids = [o.customer_id for o in offers]
            contexts = customers_email_context(customer_ids=customer_ids)
            own_products = customers_recommended_products(customer_ids=customer_ids)
            for i, offer in enumerate(offers):
                campaign = offer.campaign
                if campaign.pk not in per_campaign:
                    creatives = email_creatives_by_language(campaign=campaign)
                    per_campaign[campaign.pk] = (
                        creatives,
                        links_sync(campaign=campaign),
                        recommended_products(campaign=campaign),
                        {},
                    )
                creatives, links, products, compiled = per_campaign[campaign.pk]
                ctx = contexts.get(offer.customer_id)
                creative = creatives.get(ctx["language"]) if ctx else None
                if creative is None:
                    OccasionOffer.objects.filter(pk=offer.pk).update(
                        status=MessageStatus.FAILED, error="The campaign has no e-mail creative."
                    )
                    failed += 1
                    continue
                if creative.pk not in compiled:
                    compiled[creative.pk] = CompiledCreative(
                        subject=creative.subject, html_body=creative.html_body, text_body=creative.text_body
                    )
                occ = offer.occasion
                rendered = render_for(
                    compiled=compiled[creative.pk],
                    context={
                        "customer": ctx["customer"],
                        "occasions": ctx["occasions"],
                        "occasion": {
                            "kind": str(kinds.get(occ.kind, occ.kind)),
                            "label": occ.label,
                            "month": occ.month,
                            "day": occ.day,
                        },
                        "recommended_products": own_products.get(offer.customer_id) or products,
                    },
                    language=ctx["language"],
                    campaign_id=campaign.pk,
                    customer_id=offer.customer_id,
                    creative_id=creative.pk,
                    links=links,
                )
                try:
                    outcome, error = _deliver(build_email(rendered, to=ctx["email"], connection=connection), connection)
                except SendingInterrupted:
                    OccasionOffer.objects.filter(pk__in=[o.pk for o in offers[i:]]).update(
                        status=MessageStatus.QUEUED, claimed_at=None
                    )
                    raise
                if outcome == "sent":
                    OccasionOffer.objects.filter(pk=offer.pk).update(
                        status=MessageStatus.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, error=""
                    )
                    sent += 1
                else:
                    final = offer.attempts + 1 >= max_attempts
                    OccasionOffer.objects.filter(pk=offer.pk).update(
                        status=MessageStatus.FAILED if final else MessageStatus.QUEUED,
                        attempts=F("attempts") + 1,
                        error=error,
                        claimed_at=now,  # not claimed again in this run
                    )
                    failed += int(final)
    finally:
        connection.close()
    return {"sent": sent, "failed": failed}
