"""Content that works: the five dimensions of content against the AIDA steps that follow (docs/content.md)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from campaigns.models import AIDA_ORDER, AidaStep, ContentDimension
from cycle.selectors.content import BANDS, content_relations
from cycle.selectors.dashboards.base import Dashboard, Filters, Table, chart

TOO_FEW = _("Too few campaigns to say")


def _step_label(step: AidaStep) -> Any:
    if step == AidaStep.ATTENTION:
        return _("Attention: people (mean per campaign)")
    return _("%(step)s (%% of the step before)") % {"step": step.label}


def content_dashboard(filters: Filters, *, live: bool = False) -> Dashboard:
    """For each dimension and AIDA step, the mean figure of the campaigns scored low, middle and high and Spearman's
    rank correlation, each with its number of campaigns and a warning where they are too few to say."""
    found = content_relations(filters, tag_id=filters.tag_id, live=live)
    board = Dashboard()
    minimum = found.min_campaigns
    board.figures = [
        (_("Scored campaigns people met in the period"), len(found.campaigns), ""),
        (
            _("Campaigns needed before a figure says anything"),
            minimum,
            _("Figures behind fewer campaigns are marked “too few to say”."),
        ),
    ]
    headers: list[Any] = [_("Dimension"), _("AIDA step")]
    for _band, label in BANDS:
        headers += [_("Scored %(band)s: campaigns") % {"band": label}, _("Scored %(band)s: mean") % {"band": label}]
    headers += [_("Rank correlation (Spearman)"), _("Campaigns"), _("Warning")]
    relations = Table("relations", _("Each dimension against the AIDA steps"), headers)
    for r in found.relations:
        row: list[Any] = [r.dimension.label, _step_label(r.step)]
        for band, _label in BANDS:
            figure = r.bands[band]
            row += [figure.campaigns, figure.mean]
        thin = [str(label) for band, label in BANDS if r.bands[band].campaigns and r.bands[band].too_few]
        warning = ""
        if r.too_few:
            warning = _("%(warning)s: %(n)s campaigns, fewer than %(min)s.") % {
                "warning": TOO_FEW,
                "n": r.campaigns,
                "min": minimum,
            }
        elif thin:
            warning = _("%(warning)s for the bands: %(bands)s.") % {"warning": TOO_FEW, "bands": ", ".join(thin)}
        relations.rows.append([*row, r.coefficient, r.campaigns, warning])
    board.tables.append(relations)
    campaigns = Table(
        "campaigns",
        _("Campaigns: scores and AIDA figures"),
        [_("Campaign"), *(d.label for d in ContentDimension), *(_step_label(s) for s in AIDA_ORDER)],
    )
    for c in found.campaigns:
        campaigns.rows.append(
            [c.name, *(c.scores[d.value] for d in ContentDimension), *(c.steps[s.value] for s in AIDA_ORDER)]
        )
    board.tables.append(campaigns)
    by_key = {(r.dimension, r.step): r for r in found.relations}
    board.charts["correlation"] = chart(
        "bar",
        [d.label for d in ContentDimension],
        [
            (s.label, [by_key[(d, s)].coefficient for d in ContentDimension])
            for s in AIDA_ORDER
            if s != AidaStep.ATTENTION
        ],
    )
    board.notes.append(
        _(
            "Each creative is scored by the marketer from 0 to 5 on each dimension; a campaign's score is the mean of "
            "its scored creatives'. Attention counts people (not mail proxies or bots); each later step is the share "
            "of those who reached the step before. A rank correlation runs from −1 to 1; near 0 says no relation. "
            "A relation is not a cause."
        )
    )
    return board
