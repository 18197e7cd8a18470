"""Every read of the communication stage that is more than a ``.get()``: audiences, progress, the AIDA funnel."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from campaigns.models import (
    AIDA_ORDER,
    BOUNCE_EVENTS,
    Campaign,
    CampaignStatus,
    Channel,
    Creative,
    CreativeKind,
    DeliveryEvent,
    DeliveryReport,
    Message,
    MessageStatus,
    OccasionOffer,
    ReportSource,
    Touch,
    TouchKind,
)
from customers.models import Consent, ConsentChannel, Customer, Language, SegmentMembership

# Touches that are the outcome of a campaign rather than a reason to credit one.
OUTCOME_KINDS = (TouchKind.ORDER, TouchKind.SATISFIED, TouchKind.REPEAT_PURCHASE)


def email_consent_granted() -> Exists:
    return Exists(
        Consent.objects.filter(customer=OuterRef("pk"), channel=ConsentChannel.EMAIL, granted=True).order_by()
    )


def contactable_by_email() -> QuerySet[Customer]:
    """Customers who may receive e-mail: an address, e-mail consent given, not suppressed."""
    return Customer.objects.exclude(email="").filter(suppressed=False).filter(email_consent_granted())


def campaign_audience(*, campaign: Campaign) -> QuerySet[Customer]:
    """The consenting members of the campaign's target segments, each once, in id order."""
    segment_ids = list(campaign.segments.values_list("pk", flat=True))
    member = SegmentMembership.objects.filter(customer=OuterRef("pk"), segment_id__in=segment_ids).order_by()
    return contactable_by_email().filter(Exists(member)).order_by("pk")


def email_creatives_by_language(*, campaign: Campaign) -> dict[str, Creative]:
    """The campaign's e-mail variant per language; a language without one falls back to English."""
    found = {c.language: c for c in Creative.objects.filter(campaign=campaign, kind=CreativeKind.EMAIL)}
    fallback = found.get(Language.ENGLISH) or next(iter(found.values()), None)
    return {code: found.get(code, fallback) for code in Language.values} if fallback else {}


@dataclass
class Progress:
    total: int = 0
    sent: int = 0
    failed: int = 0
    queued: int = 0
    sending: int = 0

    @property
    def remaining(self) -> int:
        return self.queued + self.sending

    @property
    def percent_done(self) -> int:
        return round(100 * (self.sent + self.failed) / self.total) if self.total else 0


def campaign_progress(*, campaign_id: int) -> Progress:
    """Sent, failed and remaining messages of a campaign, in one query."""
    counts = Message.objects.filter(campaign_id=campaign_id).aggregate(
        total=Count("pk"),
        sent=Count("pk", filter=Q(status=MessageStatus.SENT)),
        failed=Count("pk", filter=Q(status=MessageStatus.FAILED)),
        queued=Count("pk", filter=Q(status=MessageStatus.QUEUED)),
        sending=Count("pk", filter=Q(status__in=[MessageStatus.SENDING, MessageStatus.DELIVERING])),
    )
    return Progress(**counts)


@dataclass(frozen=True)
class DeliveryRates:
    """A campaign's bounces and complaints against the messages it handed to the mail server (each message
    counted once, whatever number of reports it had)."""

    sent: int  # accepted by our mail server
    refused: int  # refused by the mail server while sending (a permanent refusal, recorded as a hard bounce)
    hard_bounces: int
    soft_bounces: int
    bounced: int  # messages with any bounce (one with a soft and then a hard bounce counts once)
    complaints: int

    @property
    def handed_over(self) -> int:
        return self.sent + self.refused

    @property
    def bounce_rate(self) -> float | None:
        return self.bounced / self.handed_over if self.handed_over else None

    @property
    def complaint_rate(self) -> float | None:
        return self.complaints / self.sent if self.sent else None


def campaign_delivery_rates(*, campaign: Campaign) -> DeliveryRates:
    """Bounce and complaint rates of a campaign (its messages, or its occasion offers): three indexed counts."""

    def messages(event: Any) -> Count:
        return Count("row_id", distinct=True, filter=Q(event__in=event) if isinstance(event, tuple) else Q(event=event))

    reports = DeliveryReport.objects.filter(campaign=campaign, row_id__isnull=False).aggregate(
        hard=messages(DeliveryEvent.HARD_BOUNCE),
        soft=messages(DeliveryEvent.SOFT_BOUNCE),
        bounced=messages(BOUNCE_EVENTS),
        complaints=messages(DeliveryEvent.COMPLAINT),
        refused=Count("row_id", distinct=True, filter=Q(source=ReportSource.SMTP, event__in=BOUNCE_EVENTS)),
    )
    model = OccasionOffer if campaign.occasion_kind else Message
    sent = model._default_manager.filter(campaign=campaign, status=MessageStatus.SENT).count()
    return DeliveryRates(
        sent=sent,
        refused=reports["refused"],
        hard_bounces=reports["hard"],
        soft_bounces=reports["soft"],
        bounced=reports["bounced"],
        complaints=reports["complaints"],
    )


def campaigns_needing_a_send(*, exclude: Iterable[int] = (), now: dt.datetime | None = None) -> list[int]:
    """Sending campaigns with due work and no worker on them: due retries, or claims gone stale."""
    now = now or timezone.now()
    fresh_claim = now - dt.timedelta(seconds=settings.CAMPAIGNS_SEND_CLAIM_TIMEOUT)
    due = Message.objects.filter(campaign=OuterRef("pk")).filter(
        Q(status=MessageStatus.QUEUED, next_attempt_at__isnull=True)
        | Q(status=MessageStatus.QUEUED, next_attempt_at__lte=now)
        | Q(status__in=[MessageStatus.SENDING, MessageStatus.DELIVERING], claimed_at__lt=fresh_claim)
    )
    busy = Message.objects.filter(
        campaign=OuterRef("pk"),
        status__in=[MessageStatus.SENDING, MessageStatus.DELIVERING],
        claimed_at__gte=fresh_claim,
    )
    unlisted = Q(audience_built_at__isnull=True)
    return list(
        Campaign.objects.filter(status=CampaignStatus.SENDING, channel=Channel.EMAIL, occasion_kind="")
        .exclude(pk__in=list(exclude))
        .filter(unlisted | (Exists(due.order_by()) & ~Exists(busy.order_by())))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def attributable_campaign_id(*, customer_id: int, at: dt.datetime) -> int | None:
    """The campaign of the customer's last counted touch within ``ATTRIBUTION_WINDOW_DAYS`` before ``at``.

    Touches flagged as automated (privacy proxies, scanners) and outcomes (orders, satisfaction) do not count.
    """
    window = dt.timedelta(days=settings.ATTRIBUTION_WINDOW_DAYS)
    return (
        Touch.objects.filter(
            customer_id=customer_id,
            campaign__isnull=False,
            is_automated=False,
            occurred_at__gte=at - window,
            occurred_at__lte=at,
        )
        .exclude(kind__in=OUTCOME_KINDS)
        .order_by("-occurred_at", "-id")
        .values_list("campaign_id", flat=True)
        .first()
    )


@dataclass
class FunnelStep:
    step: str
    label: str
    customers: int
    conversion: float | None  # share of the previous step, in percent; None for the first step


@dataclass
class Funnel:
    steps: list[FunnelStep] = field(default_factory=list)

    def count(self, step: str) -> int:
        return next((s.customers for s in self.steps if s.step == step), 0)


def _funnel_from_counts(counts: dict[str, int]) -> Funnel:
    funnel = Funnel()
    previous: int | None = None
    for step in AIDA_ORDER:
        n = counts.get(step, 0)
        conversion = None if previous is None else (round(100 * n / previous, 1) if previous else 0.0)
        funnel.steps.append(FunnelStep(step=step, label=str(step.label), customers=n, conversion=conversion))
        previous = n
    return funnel


def aida_funnel(
    *,
    campaign_id: int | None = None,
    segment_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Funnel:
    """Distinct customers at each AIDA step and the conversion from step to step, automated touches excluded.

    Filter by campaign, by segment (current members), or both; one query whatever the number of touches.
    """
    touches = Touch.objects.filter(is_automated=False, customer__isnull=False)
    if campaign_id is not None:
        touches = touches.filter(campaign_id=campaign_id)
    if segment_id is not None:
        member = SegmentMembership.objects.filter(customer=OuterRef("customer_id"), segment_id=segment_id)
        touches = touches.filter(Exists(member.order_by()))
    if since is not None:
        touches = touches.filter(occurred_at__gte=since)
    if until is not None:
        touches = touches.filter(occurred_at__lt=until)
    rows = touches.order_by().values("step").annotate(n=Count("customer", distinct=True))
    return _funnel_from_counts({row["step"]: row["n"] for row in rows})


def aida_funnel_by_segment(*, campaign_id: int) -> dict[int, Funnel]:
    """The funnel of one campaign for each of its target segments, in one query."""
    pairs = list(Campaign.segments.through.objects.filter(campaign_id=campaign_id).values_list("segment_id"))
    segment_ids = [s for (s,) in pairs]
    rows = (
        Touch.objects.filter(
            is_automated=False,
            campaign_id=campaign_id,
            customer__memberships__segment_id__in=segment_ids,
        )
        .order_by()
        .values("customer__memberships__segment_id", "step")
        .annotate(n=Count("customer", distinct=True))
    )
    counts: dict[int, dict[str, int]] = {s: {} for s in segment_ids}
    for row in rows:
        counts[row["customer__memberships__segment_id"]][row["step"]] = row["n"]
    return {s: _funnel_from_counts(c) for s, c in counts.items()}


def customers_email_context(*, customer_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The whitelisted data a template may show, per customer, in two queries for the whole batch."""
    from customers.models import Occasion

    context: dict[int, dict[str, Any]] = {
        row["pk"]: {
            "customer": {"first_name": row["first_name"], "last_name": row["last_name"]},
            "occasions": [],
            "language": row["preferred_language"],
            "email": row["email"],
        }
        for row in Customer.objects.filter(pk__in=customer_ids).values(
            "pk", "first_name", "last_name", "preferred_language", "email"
        )
    }
    kinds = dict(Occasion._meta.get_field("kind").choices or ())
    for occ in Occasion.objects.filter(customer_id__in=customer_ids).values(
        "customer_id", "kind", "label", "month", "day"
    ):
        if occ["customer_id"] in context:
            context[occ["customer_id"]]["occasions"].append(
                {
                    "kind": str(kinds.get(occ["kind"], occ["kind"])),
                    "label": occ["label"],
                    "month": occ["month"],
                    "day": occ["day"],
                }
            )
    return context


def recommended_products(*, campaign: Campaign) -> list[dict[str, Any]]:
    """The products the campaign features, for every recipient."""
    return [
        {"name": p["name"], "price": p["price"], "currency": p["currency"]}
        for p in campaign.products.order_by("name").values("name", "price", "currency")
    ]


def customers_recommended_products(
    *, customer_ids: list[int], per_customer: int = 3
) -> dict[int, list[dict[str, Any]]]:
    """Each customer's own best product recommendations (cross-sell and up-sell), in one query."""
    from customers.models import ProductRecommendation

    found: dict[int, list[dict[str, Any]]] = {}
    rows = (
        ProductRecommendation.objects.filter(customer_id__in=customer_ids, product__is_active=True)
        .order_by("customer_id", "-score", "id")
        .values("customer_id", "product__name", "product__price", "product__currency")
    )
    for row in rows:
        mine = found.setdefault(row["customer_id"], [])
        if len(mine) < per_customer:
            mine.append(
                {"name": row["product__name"], "price": row["product__price"], "currency": row["product__currency"]}
            )
    return found
