"""Every read of the communication stage that is more than a ``.get()``: audiences, progress, the AIDA funnel.

The results of A/B tests and holdouts are in ``campaigns.selectors.experiments``."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from campaigns.models import (
    AIDA_ORDER,
    BOUNCE_EVENTS,
    DKIM_PUBLISHED_STATUSES,
    Campaign,
    CampaignStatus,
    Channel,
    Creative,
    CreativeKind,
    DeliveryEvent,
    DeliveryReport,
    DkimKeyStatus,
    Message,
    MessageStatus,
    OccasionOffer,
    ReportSource,
    SendingDomain,
    SmsMessage,
    SmsOrigin,
    Touch,
    TouchKind,
    ascii_domain,
    proxy_open,
)
from customers.models import Consent, ConsentChannel, Customer, Language, SegmentMembership
from emarketing.localized import in_language, with_twins

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


@dataclass(frozen=True)
class AudienceSummary:
    """Who a campaign would reach, before it starts: the target segments' members, less those it may not write to
    (each counted under the first reason that holds, in this order), leaving the audience."""

    members: int
    no_address: int
    suppressed: int
    no_consent: int
    by_sms: bool = False  # the figures are about phone numbers and SMS consent, not addresses and e-mail consent

    @property
    def audience(self) -> int:
        return self.members - self.no_address - self.suppressed - self.no_consent


def campaign_audience_summary(*, campaign: Campaign) -> AudienceSummary:
    """The figures of :func:`campaign_audience` and of the members it leaves out, in one query."""
    segment_ids = list(campaign.segments.values_list("pk", flat=True))
    member = SegmentMembership.objects.filter(customer=OuterRef("pk"), segment_id__in=segment_ids).order_by()
    by_sms = campaign.channel == Channel.SMS
    has_address = ~Q(phone="") if by_sms else ~Q(email="")
    granted = Exists(
        Consent.objects.filter(
            customer=OuterRef("pk"), channel=ConsentChannel.SMS if by_sms else ConsentChannel.EMAIL, granted=True
        ).order_by()
    )
    counts = (
        Customer.objects.filter(Exists(member))
        .annotate(consent=granted)
        .aggregate(
            n_members=Count("pk"),
            n_no_address=Count("pk", filter=~has_address),
            n_suppressed=Count("pk", filter=has_address & Q(suppressed=True)),
            n_no_consent=Count("pk", filter=has_address & Q(suppressed=False, consent=False)),
        )
    )
    return AudienceSummary(**{name.removeprefix("n_"): value for name, value in counts.items()}, by_sms=by_sms)


def email_creatives_by_language(*, campaign: Campaign) -> dict[str, Creative]:
    """The campaign's e-mail variant per language; a language without one falls back to English."""
    found = {
        c.language: c for c in Creative.objects.filter(campaign=campaign, kind=CreativeKind.EMAIL, for_variant=False)
    }
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
    """Sent, failed and remaining messages of a campaign (its SMS for an SMS campaign), in two queries."""
    by_sms = Campaign.objects.filter(pk=campaign_id, channel=Channel.SMS).exists()
    rows = (
        SmsMessage.objects.filter(campaign_id=campaign_id, origin=SmsOrigin.CAMPAIGN)
        if by_sms
        else Message.objects.filter(campaign_id=campaign_id)
    )
    counts = rows.aggregate(
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


def sms_campaigns_needing_a_send(*, exclude: Iterable[int] = (), now: dt.datetime | None = None) -> list[int]:
    """Sending SMS campaigns with due work and no worker on them (as :func:`campaigns_needing_a_send` for e-mail)."""
    now = now or timezone.now()
    fresh_claim = now - dt.timedelta(seconds=settings.CAMPAIGNS_SEND_CLAIM_TIMEOUT)
    mine = SmsMessage.objects.filter(campaign=OuterRef("pk"), origin=SmsOrigin.CAMPAIGN)
    due = mine.filter(
        Q(status=MessageStatus.QUEUED, next_attempt_at__isnull=True)
        | Q(status=MessageStatus.QUEUED, next_attempt_at__lte=now)
        | Q(status__in=[MessageStatus.SENDING, MessageStatus.DELIVERING], claimed_at__lt=fresh_claim)
    )
    busy = mine.filter(status__in=[MessageStatus.SENDING, MessageStatus.DELIVERING], claimed_at__gte=fresh_claim)
    unlisted = Q(audience_built_at__isnull=True)
    return list(
        Campaign.objects.filter(status=CampaignStatus.SENDING, channel=Channel.SMS, occasion_kind="")
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
    # Customers whose message only a mail proxy opened (``campaigns.models.proxy_open``): beside attention, not in it.
    proxy_opens: int = 0

    def count(self, step: str) -> int:
        return next((s.customers for s in self.steps if s.step == step), 0)


def _funnel_from_counts(counts: dict[str, int], proxy_opens: int = 0) -> Funnel:
    funnel = Funnel(proxy_opens=proxy_opens)
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
    """Distinct customers at each AIDA step and the conversion from step to step, from people's touches only;
    beside them, the customers whose message only a mail proxy opened. Bots are never counted.

    Filter by campaign, by segment (current members), or both; one query whatever the number of touches.
    """
    touches = _people_and_proxy_opens(Touch.objects.filter(customer__isnull=False))
    if campaign_id is not None:
        touches = touches.filter(campaign_id=campaign_id)
    if segment_id is not None:
        member = SegmentMembership.objects.filter(customer=OuterRef("customer_id"), segment_id=segment_id)
        touches = touches.filter(Exists(member.order_by()))
    if since is not None:
        touches = touches.filter(occurred_at__gte=since)
    if until is not None:
        touches = touches.filter(occurred_at__lt=until)
    rows = touches.order_by().values("step", "is_automated").annotate(n=Count("customer", distinct=True))
    counts = {row["step"]: row["n"] for row in rows if not row["is_automated"]}
    return _funnel_from_counts(counts, sum(row["n"] for row in rows if row["is_automated"]))


def _people_and_proxy_opens(touches: QuerySet[Touch]) -> QuerySet[Touch]:
    """People's touches (``is_automated`` false) and the opens only a mail proxy made (``is_automated`` true)."""
    return touches.filter(Q(is_automated=False) | proxy_open())


def aida_funnel_by_segment(*, campaign_id: int) -> dict[int, Funnel]:
    """The funnel of one campaign for each of its target segments, in one query."""
    pairs = list(Campaign.segments.through.objects.filter(campaign_id=campaign_id).values_list("segment_id"))
    segment_ids = [s for (s,) in pairs]
    rows = (
        _people_and_proxy_opens(
            Touch.objects.filter(campaign_id=campaign_id, customer__memberships__segment_id__in=segment_ids)
        )
        .order_by()
        .values("customer__memberships__segment_id", "step", "is_automated")
        .annotate(n=Count("customer", distinct=True))
    )
    counts: dict[int, dict[str, int]] = {s: {} for s in segment_ids}
    proxied: dict[int, int] = dict.fromkeys(segment_ids, 0)
    for row in rows:
        segment_id = row["customer__memberships__segment_id"]
        if row["is_automated"]:
            proxied[segment_id] += row["n"]
        else:
            counts[segment_id][row["step"]] = row["n"]
    return {s: _funnel_from_counts(c, proxied[s]) for s, c in counts.items()}


def customers_email_context(*, customer_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The whitelisted data a template may show, per customer, in two queries for the whole batch."""
    from customers.models import Occasion

    context: dict[int, dict[str, Any]] = {
        row["pk"]: {
            "customer": {"first_name": row["first_name"], "last_name": row["last_name"]},
            "occasions": [],
            "language": row["preferred_language"],
            "email": row["email"],
            "time_zone": row["time_zone"],
        }
        for row in Customer.objects.filter(pk__in=customer_ids).values(
            "pk", "first_name", "last_name", "preferred_language", "email", "time_zone"
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


PRODUCT_NAMES = with_twins("name")


def recommended_products(*, campaign: Campaign) -> list[dict[str, Any]]:
    """The products the campaign features, for every recipient (names in every language: see
    ``products_in_language``)."""
    return list(campaign.products.order_by("name").values(*PRODUCT_NAMES, "price", "currency"))


def products_in_language(products: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """Recommended products as an e-mail in ``language`` shows them: each name in that language when written."""
    return [
        {"name": in_language(p, "name", language), "price": p["price"], "currency": p["currency"]} for p in products
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
        .values("customer_id", *(f"product__{name}" for name in PRODUCT_NAMES), "product__price", "product__currency")
    )
    for row in rows:
        mine = found.setdefault(row["customer_id"], [])
        if len(mine) < per_customer:
            mine.append({key.removeprefix("product__"): value for key, value in row.items() if key != "customer_id"})
    return found


# --- The DNS records a sending domain publishes ---------------------------------------------------------------

TXT_STRING_MAX = 255  # one character-string of a TXT record; longer values are published as several


@dataclass(frozen=True)
class DnsRecord:
    """One record to publish: ``name`` without the trailing dot, ``type`` (TXT, MX), ``value`` whole, ``why``."""

    name: str
    type: str
    value: str
    why: str

    @property
    def strings(self) -> list[str]:
        """A TXT value as DNS carries it: strings of at most 255 characters, joined again by the receiver."""
        if self.type != "TXT":
            return [self.value]
        return [self.value[i : i + TXT_STRING_MAX] for i in range(0, len(self.value), TXT_STRING_MAX)] or [""]

    @property
    def zone_line(self) -> str:
        """The record as a line of a zone file, for DNS providers that take one."""
        data = " ".join(f'"{part}"' for part in self.strings) if self.type == "TXT" else self.value
        return f"{self.name}. 3600 IN {self.type} {data}"


def _spf_value() -> str:
    """``v=spf1 <mechanisms> -all`` from ``CAMPAIGNS_SPF_INCLUDE``; a bare domain there means ``include:``."""
    mechanisms = []
    for token in str(settings.CAMPAIGNS_SPF_INCLUDE or "mx").split():
        bare = token.lower().lstrip("+-~?")
        if bare in ("v=spf1", "all"):
            continue
        if ":" not in token and "=" not in token and "." in token:
            token = f"include:{token}"
        mechanisms.append(token)
    return " ".join(["v=spf1", *mechanisms, "-all"])


def _return_path() -> str:
    """Where bounces go (``CAMPAIGNS_RETURN_PATH``, a setting of the bounce handling); "" when unset."""
    return str(getattr(settings, "CAMPAIGNS_RETURN_PATH", "") or "")


def _return_path_domain() -> str:
    domain = _return_path().rpartition("@")[2]
    try:
        return ascii_domain(domain) if domain else ""
    except ValidationError:
        return ""


def sending_domain_dns_records(*, domain: SendingDomain) -> list[DnsRecord]:
    """What the domain's DNS must publish for mail from it to authenticate: a DKIM key record for each pending,
    active and retiring key, SPF and DMARC, and for the return path (where bounces go) its MX and SPF."""
    name = domain.domain
    records = []
    keys = domain.dkim_keys.filter(status__in=DKIM_PUBLISHED_STATUSES).order_by("created_at", "pk")
    for key in keys:
        if key.status == DkimKeyStatus.PENDING:
            why = _("A new key: publish this record, then activate the key once DNS shows it.")
        elif key.status == DkimKeyStatus.ACTIVE:
            why = _("The key that signs the mail now: receivers check each signature against this record.")
        else:
            why = _(
                "A replaced key: keep this record until %(date)s, so mail signed with it that is still on its way "
                "verifies; then it is retired and the record can go."
            ) % {"date": date_format(timezone.localtime(key.retire_after), "DATE_FORMAT") if key.retire_after else ""}
        records.append(
            DnsRecord(f"{key.selector}._domainkey.{name}", "TXT", f"v=DKIM1; k=rsa; p={key.public_key}", str(why))
        )
    spf = _spf_value()
    records.append(
        DnsRecord(
            name,
            "TXT",
            spf,
            _(
                "SPF: the servers allowed to send mail as this domain; -all asks receivers to refuse any other. A "
                "domain has one SPF record: if it already has one, add these mechanisms to it instead."
            ),
        )
    )
    reports = str(settings.CAMPAIGNS_DMARC_REPORTS_EMAIL or f"dmarc-reports@{name}")
    records.append(
        DnsRecord(
            f"_dmarc.{name}",
            "TXT",
            f"v=DMARC1; p=none; rua=mailto:{reports}",
            _(
                "DMARC: p=none only asks receivers for daily reports (to %(reports)s) of who sends as this domain "
                "and whether it passed. Once the reports show only your own mail passing, for a few weeks, move to "
                "p=quarantine and then p=reject, so forged mail is refused. Gmail and Yahoo require a DMARC record "
                "from bulk senders."
            )
            % {"reports": reports},
        )
    )
    bounce_domain = _return_path_domain()
    if bounce_domain:
        bounce_mx = str(settings.CAMPAIGNS_BOUNCE_MX or "").strip().rstrip(".")
        if bounce_mx:
            records.append(
                DnsRecord(
                    bounce_domain,
                    "MX",
                    f"10 {bounce_mx}.",
                    _("Bounces come back to the return path (%(address)s): this sends them to the bounce server.")
                    % {"address": _return_path()},
                )
            )
        aligned = bounce_domain == name or bounce_domain.endswith(f".{name}")
        if bounce_domain != name:
            records.append(
                DnsRecord(
                    bounce_domain,
                    "TXT",
                    spf,
                    _(
                        "SPF of the return path's domain: receivers check SPF against the envelope sender "
                        "(%(address)s), not the From address."
                    )
                    % {"address": _return_path()}
                    + " "
                    + (
                        _("It is under this domain, so SPF also counts for DMARC.")
                        if aligned
                        else _("It is not under this domain, so only DKIM makes DMARC pass.")
                    ),
                )
            )
    return records
