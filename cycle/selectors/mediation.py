"""Mediation: customers' demand weighed against what the company can make, deliver and serve (seeds 000, 002).

Demand comes from three places: the needs board (how many customers want what), the orders already placed, and a
forecast for each scheduled campaign and live journey. A campaign's forecast is its audience times the conversion
rate (sales attributed / recipients) that earlier campaigns of the same kind reached: sent campaigns of the same
channel, and, when the campaign features products, only those that featured one of them. The rate is the mean of
those campaigns' rates, shown with their range and standard deviation and the number of campaigns behind it.

An expected order is taken to need one unit of each product the campaign features and one shipment to the
customer's delivery region (``orders.DeliveryRegion``: the customer's country and region / province).
Every function here costs a fixed number of queries, whatever the number of campaigns, customers or orders.
"""

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from campaigns.models import (
    Campaign,
    CampaignStatus,
    Channel,
    Enrolment,
    EnrolmentState,
    Journey,
    JourneyStatus,
    Message,
    SmsMessage,
)
from campaigns.selectors import contactable_by_email
from campaigns.sms.selectors import contactable_by_sms
from emarketing.digits import localize_digits
from orders.models import DeliveryRegion, Order, ProductCapacity

# A campaign with no end date is weighed over its first week.
DEFAULT_WINDOW_DAYS = 7
# A live journey's entries per week are read from the last four weeks.
JOURNEY_LOOKBACK_DAYS = 28
FORECAST_CHANNELS = (Channel.EMAIL, Channel.SMS)

RegionKey = int | None  # a DeliveryRegion's id, None: an address in no delivery region


@dataclass(frozen=True)
class ConversionHistory:
    """The conversion rates (sales / recipients) of the earlier campaigns a forecast stands on."""

    rates: tuple[Fraction, ...] = ()

    @property
    def campaigns(self) -> int:
        return len(self.rates)

    @property
    def rate(self) -> Fraction | None:
        return sum(self.rates, Fraction(0)) / len(self.rates) if self.rates else None

    @property
    def low(self) -> Fraction | None:
        return min(self.rates) if self.rates else None

    @property
    def high(self) -> Fraction | None:
        return max(self.rates) if self.rates else None

    @property
    def stdev(self) -> float | None:
        """The sample standard deviation of the rates; None under two campaigns."""
        return statistics.stdev(float(r) for r in self.rates) if len(self.rates) > 1 else None


@dataclass
class Forecast:
    """What a scheduled campaign (or a live journey, per week) is expected to bring in its window."""

    kind: str  # "campaign" or "journey"
    pk: int
    name: str
    channel: str
    start: dt.datetime
    end: dt.datetime
    audience: int
    history: ConversionHistory
    audience_by_region: dict[RegionKey, int] = field(default_factory=dict)
    product_ids: tuple[int, ...] = ()

    @property
    def days(self) -> int:
        return max(1, math.ceil((self.end - self.start).total_seconds() / 86400))

    @property
    def expected(self) -> Fraction | None:
        rate = self.history.rate
        return None if rate is None else self.audience * rate

    @property
    def expected_low(self) -> Fraction | None:
        return None if self.history.low is None else self.audience * self.history.low

    @property
    def expected_high(self) -> Fraction | None:
        return None if self.history.high is None else self.audience * self.history.high


@dataclass(frozen=True)
class Shortfall:
    """One limit a forecast goes past: a product's stock and production, or a region's shipments."""

    what: str  # the product's or the region's name
    expected: Fraction
    available: Fraction
    days_needed: int | None  # the days over which a slower send would fit; None: no pace fits (nothing is made)
    audience_that_fits: int


@dataclass
class CapacityCheck:
    forecast: Forecast
    shortfalls: list[Shortfall]

    @property
    def slower_send_days(self) -> int | None:
        days = [s.days_needed for s in self.shortfalls]
        return None if not days or None in days else max(d for d in days if d is not None)

    @property
    def audience_that_fits(self) -> int | None:
        return min((s.audience_that_fits for s in self.shortfalls), default=None)


# -- history ------------------------------------------------------------------------------------------------------


def _count_per_campaign(qs: QuerySet[Any]) -> Coalesce:
    counted = qs.filter(campaign=OuterRef("pk")).order_by().values("campaign").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _past_campaigns() -> tuple[list[tuple[int, str, int, int]], dict[int, set[int]]]:
    """Every sent campaign with recipients: (id, channel, recipients, sales), and their products (two queries)."""
    rows = (
        Campaign.objects.filter(status=CampaignStatus.SENT)
        .annotate(
            mailed=_count_per_campaign(Message.objects.all()),
            texted=_count_per_campaign(SmsMessage.objects.all()),
            sales=_count_per_campaign(Order.objects.sales()),
        )
        .values_list("pk", "channel", "mailed", "texted", "sales")
    )
    past = [(pk, channel, mailed + texted, sales) for pk, channel, mailed, texted, sales in rows if mailed + texted]
    products: dict[int, set[int]] = defaultdict(set)
    through = Campaign.products.through.objects.filter(campaign__status=CampaignStatus.SENT)
    for campaign_id, product_id in through.values_list("campaign_id", "product_id"):
        products[campaign_id].add(product_id)
    return past, products


def conversion_history(
    *,
    channel: str,
    product_ids: Iterable[int],
    past: Sequence[tuple[int, str, int, int]],
    products: dict[int, set[int]],
) -> ConversionHistory:
    """The rates of the sent campaigns of ``channel`` (featuring one of ``product_ids``, when any are given)."""
    wanted = set(product_ids)
    return ConversionHistory(
        tuple(
            Fraction(sales, recipients)
            for pk, kind, recipients, sales in past
            if kind == channel and (not wanted or wanted & products.get(pk, set()))
        )
    )


# -- regions ------------------------------------------------------------------------------------------------------


class RegionMap:
    """Which delivery region an address falls in: the customer's country and region / province (one query)."""

    def __init__(self) -> None:
        self.regions = {r.pk: r for r in DeliveryRegion.objects.order_by("name")}
        self._by_place = {(r.country.upper(), r.province.strip().casefold()): r.pk for r in self.regions.values()}

    def __call__(self, country: str, province: str) -> RegionKey:
        place = (province or "").strip().casefold()
        return self._by_place.get(((country or "").upper(), place)) or self._by_place.get(("", place))

    def name(self, key: RegionKey) -> str:
        return self.regions[key].name if key is not None else _("Outside every delivery region")


# -- forecasts ----------------------------------------------------------------------------------------------------


def _window(campaign: Campaign, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = campaign.scheduled_at or now
    end = campaign.ends_at if campaign.ends_at and campaign.ends_at > start else None
    return start, end or start + dt.timedelta(days=DEFAULT_WINDOW_DAYS)


def _audiences(campaigns: Sequence[Campaign], regions: RegionMap) -> dict[int, dict[RegionKey, int]]:
    """Each campaign's audience per delivery region: one query per channel that is sent."""
    found: dict[int, dict[RegionKey, int]] = defaultdict(lambda: defaultdict(int))
    for channel, contactable in ((Channel.EMAIL, contactable_by_email), (Channel.SMS, contactable_by_sms)):
        ids = [c.pk for c in campaigns if c.channel == channel]
        if not ids:
            continue
        rows = (
            contactable()
            .filter(memberships__segment__campaigns__in=ids)
            .values_list("memberships__segment__campaigns", "country", "region")
            .annotate(n=Count("pk", distinct=True))
            .order_by()
        )
        for campaign_id, country, province, n in rows:
            found[campaign_id][regions(country, province)] += n
    return found


def campaign_forecasts(
    *, campaigns: Sequence[Campaign] | None = None, regions: RegionMap | None = None, now: dt.datetime | None = None
) -> list[Forecast]:
    """The forecast of each campaign given (default: every scheduled e-mail and SMS campaign), in a fixed number
    of queries. A campaign whose channel sends nothing (banners, offline contacts) has no audience to forecast."""
    now = now or timezone.now()
    regions = regions or RegionMap()
    if campaigns is None:
        campaigns = list(
            Campaign.objects.filter(status=CampaignStatus.SCHEDULED, channel__in=FORECAST_CHANNELS)
            .prefetch_related("products")
            .order_by("scheduled_at", "pk")
        )
    campaigns = [c for c in campaigns if c.channel in FORECAST_CHANNELS]
    if not campaigns:
        return []
    past, products = _past_campaigns()
    audiences = _audiences(campaigns, regions)
    forecasts = []
    for campaign in campaigns:
        product_ids = tuple(sorted(p.pk for p in campaign.products.all()))
        by_region = dict(audiences.get(campaign.pk, {}))
        start, end = _window(campaign, now)
        forecasts.append(
            Forecast(
                kind="campaign",
                pk=campaign.pk,
                name=campaign.name,
                channel=campaign.channel,
                start=start,
                end=end,
                audience=sum(by_region.values()),
                history=conversion_history(
                    channel=campaign.channel, product_ids=product_ids, past=past, products=products
                ),
                audience_by_region=by_region,
                product_ids=product_ids,
            )
        )
    return forecasts


def journey_forecasts(*, now: dt.datetime | None = None) -> list[Forecast]:
    """Each live journey's next week: its entries per week (the last four weeks') times the share of entries that
    reached the goal in the journeys with the same trigger (each journey one data point). Three queries."""
    now = now or timezone.now()
    journeys = list(
        Journey.objects.filter(status=JourneyStatus.LIVE).order_by("name").values_list("pk", "name", "trigger")
    )
    if not journeys:
        return []
    since = now - dt.timedelta(days=JOURNEY_LOOKBACK_DAYS)
    entries = dict(
        Enrolment.objects.filter(journey_id__in=[j[0] for j in journeys], entered_at__gte=since)
        .order_by()
        .values_list("journey_id")
        .annotate(n=Count("pk"))
    )
    outcomes = (
        Enrolment.objects.order_by()
        .values_list("journey_id", "journey__trigger")
        .annotate(n=Count("pk"), converted=Count("pk", filter=Q(state=EnrolmentState.CONVERTED)))
    )
    by_trigger: dict[str, list[Fraction]] = defaultdict(list)
    for _pk, trigger, n, converted in outcomes:
        if n:
            by_trigger[trigger].append(Fraction(converted, n))
    return [
        Forecast(
            kind="journey",
            pk=pk,
            name=name,
            channel="",
            start=now,
            end=now + dt.timedelta(days=7),
            audience=round(entries.get(pk, 0) * 7 / JOURNEY_LOOKBACK_DAYS),
            history=ConversionHistory(tuple(by_trigger.get(trigger, ()))),
        )
        for pk, name, trigger in journeys
    ]


# -- capacity -----------------------------------------------------------------------------------------------------


def capacity_check(forecast: Forecast, *, capacities: dict[int, ProductCapacity], regions: RegionMap) -> CapacityCheck:
    """Where the forecast's expected orders go past stock and production, or past shipments, in its window.
    Equal is enough: only more than the capacity is a shortfall. Products and regions without figures are not
    weighed."""
    expected, rate = forecast.expected, forecast.history.rate
    shortfalls: list[Shortfall] = []
    if not expected or not rate:
        return CapacityCheck(forecast, shortfalls)
    days = forecast.days
    for product_id in forecast.product_ids:
        capacity = capacities.get(product_id)
        if capacity is None:
            continue
        available = capacity.stock_on_hand + Fraction(capacity.production_per_week * days, 7)
        if expected > available:
            made = capacity.production_per_week
            shortfalls.append(
                Shortfall(
                    what=str(capacity.product),
                    expected=expected,
                    available=available,
                    days_needed=math.ceil((expected - capacity.stock_on_hand) * 7 / made) if made else None,
                    audience_that_fits=math.floor(available / rate),
                )
            )
    for key, audience in forecast.audience_by_region.items():
        region = regions.regions.get(key) if key is not None else None
        if region is None or not audience:
            continue
        expected_here = audience * rate
        available = Fraction(region.shipments_per_day * days)
        if expected_here > available:
            per_day = region.shipments_per_day
            shortfalls.append(
                Shortfall(
                    what=region.name,
                    expected=expected_here,
                    available=available,
                    days_needed=math.ceil(expected_here / per_day) if per_day else None,
                    audience_that_fits=math.floor(available * forecast.audience / (rate * audience)),
                )
            )
    return CapacityCheck(forecast, shortfalls)


def capacity_checks(forecasts: Sequence[Forecast], *, regions: RegionMap) -> list[CapacityCheck]:
    """The check of each forecast, with the products' capacity read once."""
    product_ids = {p for f in forecasts for p in f.product_ids}
    capacities = {
        c.product_id: c for c in ProductCapacity.objects.filter(product_id__in=product_ids).select_related("product")
    }
    return [capacity_check(f, capacities=capacities, regions=regions) for f in forecasts]


def _n(value: Fraction | int | float) -> str:
    """A figure in a sentence: whole numbers as such, others to one decimal, in the reader's digits."""
    number = float(value)
    text = f"{number:.0f}" if number == int(number) else f"{number:.1f}"
    return str(localize_digits(text, get_language()))


def mediation_warnings(campaign: Campaign) -> list[str]:
    """The pre-start check (``campaigns.prestart``): what the campaign's expected orders go past, and what would
    fit. Nothing when they fit, or when there is no history to expect anything from."""
    regions = RegionMap()
    forecasts = campaign_forecasts(campaigns=[campaign], regions=regions)
    if not forecasts:
        return []
    check = capacity_checks(forecasts, regions=regions)[0]
    if not check.shortfalls:
        return []
    forecast = check.forecast
    assert forecast.expected is not None  # a shortfall needs expected orders
    limits = "; ".join(
        _("%(what)s: %(available)s") % {"what": s.what, "available": _n(s.available)} for s in check.shortfalls
    )
    warning = _(
        "Capacity: about %(expected)s orders expected in %(days)s days (from %(n)s earlier campaigns), more than "
        "can be supplied or shipped (%(limits)s)."
    ) % {
        "expected": _n(forecast.expected),
        "days": _n(forecast.days),
        "n": _n(forecast.history.campaigns),
        "limits": limits,
    }
    proposals = []
    if check.slower_send_days is not None:
        proposals.append(_("send it over %(days)s days") % {"days": _n(check.slower_send_days)})
    if check.audience_that_fits is not None:
        proposals.append(_("send it to at most %(n)s customers") % {"n": _n(check.audience_that_fits)})
    return [warning, _("Proposal: %(proposals)s.") % {"proposals": _(" or ").join(proposals)}]
