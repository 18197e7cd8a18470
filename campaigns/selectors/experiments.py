"""The results of a campaign's A/B test and of its holdout group, read in a constant number of queries.

A test's figures count only the messages sent in the test share (``Message.in_test``): opens by a person (not a
mail proxy, not a bot: ``campaigns.models.person_looked``), clicks by a person, and sales attributed to the
campaign placed within ``ATTRIBUTION_WINDOW_DAYS`` of the message (through the outcomes transfer registers,
``campaigns.experiments.outcomes``). The holdout compares every customer sent the campaign with those held out:
their sales of any kind in the window after the campaign started, per customer.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from campaigns.experiments.outcomes import outcomes, window
from campaigns.experiments.stats import (
    Comparison,
    Sample,
    Verdict,
    decide,
    min_sample_per_variant,
    two_proportions,
    welch,
)
from campaigns.models import (
    RATE_METRICS,
    Campaign,
    Experiment,
    ExperimentMetric,
    HoldoutMember,
    Message,
    MessageStatus,
    Touch,
    TouchKind,
    Variant,
    person_looked,
)

MONEY = DecimalField(max_digits=18, decimal_places=2)


class VerdictKind:
    WINNER = "winner"
    BEST_NOT_SIGNIFICANT = "best"
    WORSE = "worse"
    NOT_DIFFERENT = "same"


@dataclass
class VariantResult:
    variant: Variant
    sample: Sample  # recipients, successes (or revenue) and the sum of squares
    vs_control: Comparison | None  # None for the control itself
    vs_best: Comparison | None  # None for the best itself
    verdict: str

    @property
    def recipients(self) -> int:
        return self.sample.n

    @property
    def value(self) -> float:
        """The rate (0–1) or the revenue per recipient."""
        return self.sample.mean


@dataclass
class ExperimentResults:
    experiment: Experiment
    metric: str
    is_rate: bool
    confidence: float
    rows: list[VariantResult] = field(default_factory=list)
    verdict: Verdict | None = None
    min_sample: int | None = None  # recipients each variant needs (rates only), see min_sample_per_variant

    @property
    def winner(self) -> Variant | None:
        if self.verdict is None or self.verdict.winner is None:
            return None
        return self.rows[self.verdict.winner].variant

    @property
    def enough_recipients(self) -> bool:
        return self.min_sample is None or all(r.recipients >= self.min_sample for r in self.rows)


def _clicked() -> Exists:
    return Exists(
        Touch.objects.filter(
            customer_id=OuterRef("customer_id"),
            campaign_id=OuterRef("campaign_id"),
            kind=TouchKind.CLICK,
            is_automated=False,
        ).order_by()
    )


def _attributed_sales() -> Any:
    sent = OuterRef("sent_at")
    return outcomes.sales_of(since=sent, until=sent + window(), campaign_id=OuterRef("campaign_id"))


def metric_samples(
    messages: QuerySet[Message], metric: str, *, group: str | None = "variant_id"
) -> list[dict[str, Any]]:
    """Per ``group`` (or for all of ``messages``): ``n``, ``total`` (successes or revenue) and ``squares``."""
    if metric == ExperimentMetric.OPENS:
        figures: dict[str, Any] = {"total": Count("pk", filter=Q(person_looked()))}
    elif metric == ExperimentMetric.CLICKS:
        figures = {"total": Count("pk", filter=Q(_clicked()))}
    elif metric == ExperimentMetric.ORDERS:
        figures = {"total": Count("pk", filter=Q(GreaterThan(_attributed_sales().orders, 0)))}
    else:
        revenue = _attributed_sales().revenue
        figures = {"total": Sum(revenue, output_field=MONEY), "squares": Sum(revenue * revenue, output_field=MONEY)}
    rows = messages.order_by()
    if group:
        return list(rows.values(group).annotate(n=Count("pk"), **figures))
    return [rows.aggregate(n=Count("pk"), **figures)]


def _sample(row: dict[str, Any] | None, *, rate: bool) -> Sample:
    if not row:
        return Sample(0, 0.0, 0.0)
    total = float(row.get("total") or 0)
    squares = total if rate else float(row.get("squares") or 0)  # a 0/1 value is its own square
    return Sample(int(row["n"]), total, squares)


def _level(experiment: Experiment) -> float:
    return float(experiment.confidence) / 100


def experiment_results(*, experiment: Experiment) -> ExperimentResults:
    """Each variant of the test: recipients, the metric, the difference from the control with its interval and
    p-value, and the verdict at the experiment's confidence (Bonferroni-corrected across the variants)."""
    variants = list(Variant.objects.filter(campaign_id=experiment.campaign_id).order_by("pk"))
    metric = experiment.metric
    is_rate = metric in RATE_METRICS
    confidence = _level(experiment)
    results = ExperimentResults(experiment=experiment, metric=metric, is_rate=is_rate, confidence=confidence)
    if not variants:
        return results
    sent = Message.objects.filter(campaign_id=experiment.campaign_id, in_test=True, status=MessageStatus.SENT)
    by_variant = {row["variant_id"]: row for row in metric_samples(sent, metric)}
    samples = [_sample(by_variant.get(v.pk), rate=is_rate) for v in variants]
    verdict = decide(samples, proportions=is_rate, confidence=confidence)
    control_index = next((i for i, v in enumerate(variants) if v.is_control), 0)
    control = samples[control_index]
    for i, (variant, sample) in enumerate(zip(variants, samples, strict=True)):
        vs_control = None
        if i != control_index:
            if is_rate:
                vs_control = two_proportions(
                    int(sample.total), sample.n, int(control.total), control.n, confidence=verdict.level
                )
            else:
                vs_control = welch(sample, control, confidence=verdict.level)
        if verdict.winner == i:
            kind = VerdictKind.WINNER
        elif i == verdict.best:
            kind = VerdictKind.BEST_NOT_SIGNIFICANT
        else:
            c = verdict.comparisons[i]
            kind = VerdictKind.WORSE if c is not None and c.p_value < 1 - verdict.level else VerdictKind.NOT_DIFFERENT
        results.rows.append(VariantResult(variant, sample, vs_control, verdict.comparisons[i], kind))
    results.verdict = verdict
    if is_rate and 0 < control.mean < 1:
        lift = control.mean * float(settings.CAMPAIGNS_EXPERIMENT_DETECTABLE_LIFT)
        if control.mean + lift < 1:
            results.min_sample = min_sample_per_variant(base_rate=control.mean, lift=lift, confidence=verdict.level)
    return results


@dataclass
class Lift:
    """Sent the campaign (treated) against held out: customers who bought and revenue per customer."""

    since: dt.datetime
    until: dt.datetime
    treated_buyers: Sample
    held_buyers: Sample
    treated_revenue: Sample
    held_revenue: Sample
    orders: Comparison
    revenue: Comparison
    confidence: float


def _lift_figures(rows: QuerySet[Any], since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    sales = outcomes.sales_of(since=since, until=until, campaign_id=None)
    return rows.order_by().aggregate(
        n=Count("pk"),
        buyers=Count("pk", filter=Q(GreaterThan(sales.orders, 0))),
        revenue=Sum(sales.revenue, output_field=MONEY),
        squares=Sum(sales.revenue * sales.revenue, output_field=MONEY),
    )


def holdout_lift(*, campaign: Campaign) -> Lift | None:
    """The campaign's real lift on orders and revenue: customers sent it against those held out, over the
    attribution window from the moment it started (None without a holdout or before it started)."""
    experiment = Experiment.objects.filter(campaign=campaign).first()
    if experiment is None or not experiment.holdout_percent or campaign.started_at is None:
        return None
    since = campaign.started_at
    until = min(since + window(), timezone.now())
    treated = _lift_figures(Message.objects.filter(campaign=campaign, status=MessageStatus.SENT), since, until)
    held = _lift_figures(HoldoutMember.objects.filter(campaign=campaign), since, until)
    confidence = _level(experiment)

    def samples(figures: dict[str, Any]) -> tuple[Sample, Sample]:
        buyers = Sample(figures["n"], float(figures["buyers"] or 0), float(figures["buyers"] or 0))
        revenue = Sample(figures["n"], float(figures["revenue"] or 0), float(figures["squares"] or 0))
        return buyers, revenue

    treated_buyers, treated_revenue = samples(treated)
    held_buyers, held_revenue = samples(held)
    return Lift(
        since=since,
        until=until,
        treated_buyers=treated_buyers,
        held_buyers=held_buyers,
        treated_revenue=treated_revenue,
        held_revenue=held_revenue,
        orders=two_proportions(
            int(treated_buyers.total), treated_buyers.n, int(held_buyers.total), held_buyers.n, confidence=confidence
        ),
        revenue=welch(treated_revenue, held_revenue, confidence=confidence),
        confidence=confidence,
    )


__all__ = ["ExperimentResults", "Lift", "VariantResult", "VerdictKind", "experiment_results", "holdout_lift"]
