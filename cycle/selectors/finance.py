"""Intermediation with finance: what each campaign, journey and channel cost, what it brought in and its return on
spend, read in a fixed number of queries whatever the size of the data.

- **Cost** = the cost recorded on the campaign (``Campaign.cost``: creative work, media, offline spend) + its
  e-mails sent × ``EMAIL_PRICE_PER_THOUSAND`` / 1000 + its SMS parts sent × their sender's price per part for
  the recipient's country (``campaigns.models.SmsSender``) + the agents' commissions on the sales attributed to it
  (``orders.models.Agent.commission_rate`` × the order's total).
- **Revenue** = the total of the sales attributed to it (``orders.services.orders.order_attribute``; what counts as
  a sale is ``orders.models.sale_q``), and where its A/B test keeps a holdout group, the **lift**: what the
  customers sent it spent over the attribution window beyond what the same number of held-out customers spent
  (the revenue side of ``campaigns.selectors.experiments.holdout_lift``, computed for every campaign at once).
- **Return on spend** = (revenue − cost) / cost, as a percentage; not measurable (None) when nothing was spent.

A campaign counts in a period when it began in it (started sending, else its schedule, else its creation), with
everything it has cost and brought in so far: a campaign's result is the whole of it. A journey runs without end:
its figures are those of its e-mails sent, and of the sales attributed to them, in the period. Journeys' e-mails
are sent under a campaign of each e-mail step (``campaigns.journeys.ready_made``); the orders attributed to those
campaigns are the journey's, and those campaigns appear under their journey, not among the campaigns. In the
channels' table, journeys count as e-mail.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.fields import DateTimeField
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from campaigns.models import (
    Campaign,
    Channel,
    Experiment,
    HoldoutMember,
    Journey,
    JourneyMessage,
    JourneyStep,
    Message,
    MessageStatus,
    SmsMessage,
    SmsSender,
    StepKind,
)
from campaigns.sms.selectors import prefix_country
from cycle.models import MarketingPlan
from cycle.selectors.budget import LineMoney, plan_lines
from cycle.selectors.money import TWO, Money, email_price_per_thousand
from orders.models import Order, sale_q

MONEY_FIELD = DecimalField(max_digits=18, decimal_places=2)
ZERO = Decimal("0")

__all__ = [
    "FinanceRow",
    "FinanceSummary",
    "LineMoney",
    "Money",
    "campaign_finance",
    "campaigns_money",
    "finance_summary",
    "journey_finance",
]


@dataclass
class FinanceRow:
    key: Any  # the campaign's or journey's id, the channel's value
    name: str
    money: Money


@dataclass
class FinanceSummary:
    """What the Money board and the six-monthly report show: per channel, campaign and journey, the total, and the
    plan's money per budget line (empty without a plan)."""

    since: dt.date | None
    until: dt.date | None
    plan: MarketingPlan | None
    channels: list[FinanceRow] = field(default_factory=list)
    campaigns: list[FinanceRow] = field(default_factory=list)
    journeys: list[FinanceRow] = field(default_factory=list)
    total: Money = field(default_factory=Money)
    lines: list[LineMoney] = field(default_factory=list)


def _bounds(since: dt.date | None, until: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The period's first and past-the-last moments in the current time zone (``until`` is the last day)."""
    tz = timezone.get_current_timezone()
    lower = dt.datetime.combine(since, dt.time.min, tzinfo=tz) if since else None
    upper = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if until else None
    return lower, upper


def _in_period(name: str, lower: dt.datetime | None, upper: dt.datetime | None) -> Q:
    q = Q()
    if lower is not None:
        q &= Q(**{f"{name}__gte": lower})
    if upper is not None:
        q &= Q(**{f"{name}__lt": upper})
    return q


def journey_campaigns(journey_id: int | None = None) -> dict[int, tuple[int, str]]:
    """The campaign of every e-mail step of every version of the journeys: campaign id → (journey id, name). One
    query over the steps (a few hundred rows, not a customer table)."""
    steps = JourneyStep.objects.filter(kind=StepKind.EMAIL)
    if journey_id is not None:
        steps = steps.filter(version__journey_id=journey_id)
    found: dict[int, tuple[int, str]] = {}
    for journey, name, params in steps.values_list("version__journey_id", "version__journey__name", "params"):
        try:
            found[int((params or {})["campaign"])] = (journey, name)
        except (KeyError, TypeError, ValueError):
            continue
    return found


def _sms_costs(campaign_ids: list[int]) -> tuple[dict[int, int], dict[int, Decimal]]:
    """SMS parts sent and their price per campaign: grouped by provider and calling code (the first digits name the
    country well enough to price it, as the estimate before sending does), so a few rows whatever the audience."""
    parts: dict[int, int] = defaultdict(int)
    costs: dict[int, Decimal] = defaultdict(Decimal)
    if not campaign_ids:
        return parts, costs
    senders = {(s.provider, s.country): s.price_per_part for s in SmsSender.objects.all()}
    groups = (
        SmsMessage.objects.filter(campaign_id__in=campaign_ids, status=MessageStatus.SENT)
        .order_by()
        .annotate(prefix=Substr("to", 1, 4))
        .values("campaign_id", "provider", "prefix")
        .annotate(parts=Sum("parts"))
    )
    for row in groups:
        country = prefix_country(row["prefix"] or "")
        price = senders.get((row["provider"], country), senders.get((row["provider"], "")))
        parts[row["campaign_id"]] += row["parts"] or 0
        if price is not None:
            costs[row["campaign_id"]] += price * (row["parts"] or 0)
    return parts, costs


def _sales(orders: Any) -> dict[int, dict[str, Any]]:
    """Per campaign: the attributed sales, their total and the agents' commissions on them."""
    commission = ExpressionWrapper(F("total") * F("agent__commission_rate") / Value(100), output_field=MONEY_FIELD)
    rows = (
        orders.filter(sale_q())
        .order_by()
        .values("campaign_id")
        .annotate(
            n=Count("pk"),
            revenue=Coalesce(Sum("total"), Value(ZERO), output_field=MONEY_FIELD),
            commissions=Coalesce(Sum(commission, filter=Q(agent__isnull=False)), Value(ZERO), output_field=MONEY_FIELD),
        )
    )
    return {row["campaign_id"]: row for row in rows}


def _lift(campaign_ids: list[int]) -> dict[int, Decimal]:
    """The holdout lift in money of each campaign whose test keeps a holdout group and that has started: what its
    recipients spent (any sale) within the attribution window after it started, less what as many held-out
    customers spent at the held-out rate. Two grouped queries (recipients, held out) for all the campaigns."""
    with_holdout = list(
        Experiment.objects.filter(
            campaign_id__in=campaign_ids, holdout_percent__gt=0, campaign__started_at__isnull=False
        ).values_list("campaign_id", flat=True)
    )
    if not with_holdout:
        return {}
    window = dt.timedelta(days=settings.ATTRIBUTION_WINDOW_DAYS)

    def spent(rows: Any) -> dict[int, tuple[int, Decimal]]:
        rows = rows.annotate(
            lift_since=F("campaign__started_at"),
            lift_until=ExpressionWrapper(F("campaign__started_at") + Value(window), output_field=DateTimeField()),
        )
        sales = (
            Order.objects.filter(sale_q())
            .filter(
                customer_id=OuterRef("customer_id"),
                placed_at__gte=OuterRef("lift_since"),
                placed_at__lte=OuterRef("lift_until"),
            )
            .order_by()
            .values("customer_id")
            .annotate(total=Sum("total"))
            .values("total")[:1]
        )
        per_customer = Coalesce(Subquery(sales, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD)
        grouped = (
            rows.order_by()
            .values("campaign_id")
            .annotate(n=Count("pk"), revenue=Coalesce(Sum(per_customer), Value(ZERO), output_field=MONEY_FIELD))
        )
        return {row["campaign_id"]: (row["n"], row["revenue"]) for row in grouped}

    treated = spent(Message.objects.filter(campaign_id__in=with_holdout, status=MessageStatus.SENT))
    held = spent(HoldoutMember.objects.filter(campaign_id__in=with_holdout))
    lifts: dict[int, Decimal] = {}
    for campaign_id in with_holdout:
        n_treated, revenue_treated = treated.get(campaign_id, (0, ZERO))
        n_held, revenue_held = held.get(campaign_id, (0, ZERO))
        if not n_treated or not n_held:
            continue
        expected = Decimal(revenue_held) * n_treated / n_held
        lifts[campaign_id] = (Decimal(revenue_treated) - expected).quantize(TWO, ROUND_HALF_UP)
    return lifts


def campaigns_money(campaigns: Iterable[dict[str, Any]]) -> dict[int, Money]:
    """Cost, revenue and lift of each campaign (rows with ``id``, ``cost`` and ``budget``), everything so far:
    a fixed number of queries for any number of campaigns."""
    rows = {row["id"]: row for row in campaigns}
    ids = list(rows)
    money = {pk: Money(recorded=row["cost"] or ZERO, budget=row["budget"] or ZERO) for pk, row in rows.items()}
    if not ids:
        return money
    price = email_price_per_thousand()
    emails = (
        Message.objects.filter(campaign_id__in=ids, status=MessageStatus.SENT)
        .order_by()
        .values("campaign_id")
        .annotate(n=Count("pk"))
    )
    for row in emails:
        money[row["campaign_id"]].add_emails(row["n"], price)
    parts, sms_costs = _sms_costs(ids)
    for pk, n in parts.items():
        money[pk].sms_parts += n
        money[pk].sms_cost += sms_costs.get(pk, ZERO)
    for pk, sale in _sales(Order.objects.filter(campaign_id__in=ids)).items():
        money[pk].add_sales(sale["n"], sale["revenue"], sale["commissions"])
    for pk, lift in _lift(ids).items():
        money[pk].lift = lift
    return money


def journeys_money(
    journeys: dict[int, tuple[int, str]], *, lower: dt.datetime | None, upper: dt.datetime | None
) -> dict[int, FinanceRow]:
    """Each journey's cost (its e-mails sent in the period, priced) and revenue (the sales attributed to its
    e-mails' campaigns placed in the period), from the map :func:`journey_campaigns` returns."""
    rows: dict[int, FinanceRow] = {}
    for journey_id, name in journeys.values():
        rows.setdefault(journey_id, FinanceRow(journey_id, name, Money()))
    ids = list(journeys)
    if not ids:
        return rows
    price = email_price_per_thousand()
    sent = (
        JourneyMessage.objects.filter(campaign_id__in=ids, status=MessageStatus.SENT)
        .filter(_in_period("sent_at", lower, upper))
        .order_by()
        .values("campaign_id")
        .annotate(n=Count("pk"))
    )
    for row in sent:
        rows[journeys[row["campaign_id"]][0]].money.add_emails(row["n"], price)
    orders = Order.objects.filter(campaign_id__in=ids).filter(_in_period("placed_at", lower, upper))
    for pk, sale in _sales(orders).items():
        rows[journeys[pk][0]].money.add_sales(sale["n"], sale["revenue"], sale["commissions"])
    return rows


CAMPAIGN_FIELDS = ("id", "name", "channel", "cost", "budget", "status", "objective_id")


def finance_summary(
    *, plan: MarketingPlan | None, since: dt.date | None, until: dt.date | None, lines: bool = True
) -> FinanceSummary:
    """Per channel, campaign and journey: cost, attributed revenue, lift where a holdout exists, return on spend;
    and the plan's money per budget line (budget, committed, spent). ``plan`` None: every campaign; the period's
    days ``since``..``until`` (inclusive; None: unbounded). A fixed number of queries."""
    summary = FinanceSummary(since=since, until=until, plan=plan)
    lower, upper = _bounds(since, until)
    journeys = journey_campaigns()
    campaigns = (
        Campaign.objects.exclude(pk__in=list(journeys))
        .annotate(began=Coalesce("started_at", "scheduled_at", "created_at"))
        .filter(_in_period("began", lower, upper))
    )
    if plan is not None:
        campaigns = campaigns.filter(objective__plan=plan)
    chosen = list(campaigns.order_by("-began", "-id").values(*CAMPAIGN_FIELDS))
    plan_campaigns: list[dict[str, Any]] = []
    if plan is not None and lines:
        plan_campaigns = list(Campaign.objects.filter(objective__plan=plan).values(*CAMPAIGN_FIELDS))
    money = campaigns_money({row["id"]: row for row in chosen + plan_campaigns}.values())

    per_channel: dict[str, Money] = {}
    for row in chosen:
        summary.campaigns.append(FinanceRow(row["id"], row["name"], money[row["id"]]))
        per_channel.setdefault(row["channel"], Money()).merge(money[row["id"]])
    summary.journeys = sorted(journeys_money(journeys, lower=lower, upper=upper).values(), key=lambda r: r.name)
    for journey in summary.journeys:
        per_channel.setdefault(Channel.EMAIL, Money()).merge(journey.money)
    summary.channels = [FinanceRow(c.value, str(c.label), per_channel[c.value]) for c in Channel if c in per_channel]
    for row in summary.channels:
        summary.total.merge(row.money)
    if plan is not None and lines:
        summary.lines = plan_lines(plan, campaigns=plan_campaigns, money=money)
    return summary


def campaign_finance(campaign: Campaign) -> Money:
    """Everything the campaign has cost and brought in so far (its page in the administration)."""
    return campaigns_money([{"id": campaign.pk, "cost": campaign.cost, "budget": campaign.budget}])[campaign.pk]


def journey_finance(journey: Journey) -> Money:
    """Everything the journey's e-mails have cost and brought in since it began (its page in the administration)."""
    rows = journeys_money(journey_campaigns(journey.pk), lower=None, upper=None)
    return rows[journey.pk].money if journey.pk in rows else Money()
