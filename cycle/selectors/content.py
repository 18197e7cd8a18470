"""Content that works: how the marketer's scores of a campaign's creatives relate to the AIDA steps that follow.

A campaign's score on a dimension is the mean of its scored creatives' scores (blanks left out). Its AIDA figures
come from the touch rollups over the period: attention is the number of people who gave it (mail proxies and bots are
never counted), and every later step the share (%) of those who reached the step before. For each dimension and step
:func:`content_relations` gives the mean figure of the campaigns scored low, middle and high, and Spearman's rank
correlation across all of them, each with the number of campaigns behind it. Two queries whatever the data size
(one more for the live source's proxy opens). See docs/content.md.
"""

import itertools
import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Avg, Subquery
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from campaigns.models import AIDA_ORDER, AidaStep, ContentDimension, CreativeContent
from cycle.selectors.dashboards.base import TWO, Filters, percent
from cycle.selectors.dashboards.sources import figure_source

# The bands of a campaign's (mean) score: low below 2, middle from 2 to below 4, high from 4 (scores run 0–5).
MIDDLE_FROM = Decimal(2)
HIGH_FROM = Decimal(4)
BANDS: list[tuple[str, Promise]] = [("low", _("low (0–<2)")), ("middle", _("middle (2–<4)")), ("high", _("high (4–5)"))]
THREE = Decimal("0.001")


def band_of(score: Decimal) -> str:
    return "low" if score < MIDDLE_FROM else "middle" if score < HIGH_FROM else "high"


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rank correlation (ties take their mean rank); ``None`` below two pairs or when either side does
    not vary."""
    if len(xs) < 2:
        return None
    try:
        return statistics.correlation(_ranks(xs), _ranks(ys))
    except statistics.StatisticsError:  # one side is constant
        return None


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


@dataclass
class CampaignContent:
    campaign_id: int
    name: str
    scores: dict[str, Decimal | None]  # dimension -> mean score of the scored creatives
    steps: dict[str, Decimal | None]  # step -> attention (people), or % of the step before


@dataclass
class BandFigure:
    campaigns: int
    mean: Decimal | None
    too_few: bool


@dataclass
class Relation:
    dimension: ContentDimension
    step: AidaStep
    bands: dict[str, BandFigure]
    coefficient: Decimal | None
    campaigns: int
    too_few: bool


@dataclass
class ContentRelations:
    campaigns: list[CampaignContent] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    min_campaigns: int = 5


def campaign_content_scores(*, tag_id: int | None = None) -> dict[int, tuple[str, dict[str, Decimal | None]]]:
    """Each scored campaign's name and mean score per dimension (``None`` where no creative is scored on it); with a
    tag, only the campaigns with a creative that carries it. One query."""
    contents = CreativeContent.objects.all()
    if tag_id is not None:
        tagged = CreativeContent.objects.filter(tags=tag_id).values("creative__campaign_id")
        contents = contents.filter(creative__campaign_id__in=Subquery(tagged))
    rows = (
        contents.order_by()
        .values_list("creative__campaign_id", "creative__campaign__name")
        .annotate(*(Avg(d.value) for d in ContentDimension))
    )
    scores: dict[int, tuple[str, dict[str, Decimal | None]]] = {}
    for campaign_id, name, *means in rows:
        scores[campaign_id] = (
            name,
            {
                d.value: None if m is None else Decimal(str(m)).quantize(TWO, ROUND_HALF_UP)
                for d, m in zip(ContentDimension, means, strict=True)
            },
        )
    return scores


def _step_figures(reached: dict[str, int]) -> dict[str, Decimal | None]:
    figures: dict[str, Decimal | None] = {AidaStep.ATTENTION.value: Decimal(reached.get(AidaStep.ATTENTION, 0))}
    for before, step in itertools.pairwise(AIDA_ORDER):
        figures[step.value] = percent(reached.get(step.value, 0), reached.get(before.value, 0))
    return figures


def content_relations(filters: Filters, *, tag_id: int | None = None, live: bool = False) -> ContentRelations:
    """Across the campaigns scored (and, with a tag, tagged) that people met in the period: for each dimension and
    AIDA step, the mean figure per score band and the rank correlation, with the campaigns behind each and whether
    they are too few to say (fewer than ``CONTENT_MIN_CAMPAIGNS``)."""
    minimum = settings.CONTENT_MIN_CAMPAIGNS
    result = ContentRelations(min_campaigns=minimum)
    scores = campaign_content_scores(tag_id=tag_id)
    reached: dict[int, dict[str, int]] = {}
    for campaign_id, _name, step, _touches, customers, _proxied in figure_source(live=live).touch_figures(
        Filters(filters.start, filters.end)
    ):
        if campaign_id in scores:
            reached.setdefault(campaign_id, {})[step] = customers or 0
    for campaign_id in sorted(reached, key=lambda c: (scores[c][0], c)):
        name, means = scores[campaign_id]
        result.campaigns.append(CampaignContent(campaign_id, name, means, _step_figures(reached[campaign_id])))
    for dimension in ContentDimension:
        for step in AIDA_ORDER:
            pairs: list[tuple[Decimal, Decimal]] = []
            for c in result.campaigns:
                score, value = c.scores[dimension.value], c.steps[step.value]
                if score is not None and value is not None:
                    pairs.append((score, value))
            bands = {}
            for band, _label in BANDS:
                values = [v for s, v in pairs if band_of(s) == band]
                mean = (sum(values, Decimal(0)) / len(values)).quantize(TWO, ROUND_HALF_UP) if values else None
                bands[band] = BandFigure(len(values), mean, len(values) < minimum)
            rho = spearman([float(s) for s, _v in pairs], [float(v) for _s, v in pairs])
            coefficient = None if rho is None else Decimal(str(rho)).quantize(THREE, ROUND_HALF_UP)
            result.relations.append(Relation(dimension, step, bands, coefficient, len(pairs), len(pairs) < minimum))
    return result
