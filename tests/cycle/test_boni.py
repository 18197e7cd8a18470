"""The BONI scorecard: every figure checked against a data set computed by hand from the definitions in
docs/dashboards.md ("BONI: which figures back each factor")."""

import datetime as dt
from decimal import Decimal

import pytest

from campaigns.models import AidaStep
from cycle.models import OrderDaily, ServiceDaily, TouchDaily
from cycle.selectors.dashboards import DASHBOARDS, Filters
from orders.models import SalesChannel
from tests.campaigns.factories import CampaignFactory

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
FILTERS = Filters(start=START, end=END)

# The data set, two days in the period (and a day before it, which must not count):
#   surveys 2 + 1 = 3 with CSAT 7 + 4 = 11           -> CSAT 11/3 = 3.666… -> shown 3.67
#   NPS answers 3 + 3 = 6: 3 promoters, 1 detractor   -> NPS (3 − 1)/6 × 100 = 33.333… -> shown 33.33
#   Benefit = mean((11/3 − 1) × 25, (100/3 + 100)/2) = mean(66.666…, 66.666…) = 66.67
#     (from the rounded figures it would be mean((3.67 − 1) × 25, (33.33 + 100)/2) = mean(66.75, 66.665) = 66.71)
#   tickets opened 5 + 3 = 8, answered in time 4 + 2 = 6  -> 75.00 %
#   payments 6 + 4 = 10, succeeded 4 + 3 = 7               -> 70.00 %
#   Online service and information = mean(75, 70) = 72.50
#   campaign A: attention 40, information 10, desire 4; campaign B: 20, 5, 1; touches with no campaign (100
#   attention) are not in the funnel -> attention 60, information 15, desire 5
#   attention → information 15/60 = 25.00 %; information → desire 5/15 = 33.333… -> 33.33 %
#   Navigation = mean(25, 33.333…) = 29.1666… = 29.17
#   delivered 5 + 4 = 9, on time 4 + 2 = 6 -> 66.666… -> 66.67 %
#   orders: web 5, agent 2, phone 1, store 1 = 9 -> not web 4/9 = 44.444… -> 44.44 %
#   Integration = mean(66.666…, 44.444…) = 55.555… = 55.56
BENEFIT, ONLINE, NAVIGATION, INTEGRATION = "66.67", "72.50", "29.17", "55.56"
FIGURES = {
    "Average satisfaction (CSAT)": "3.67",
    "Net promoter score": "33.33",
    "Tickets answered within the target (%)": "75.00",
    "Payment success (%)": "70.00",
    "Attention → information: customers who chose to read on (%)": "25.00",
    "Information → desire (%)": "33.33",
    "On-time delivery (%)": "66.67",
    "Orders through agents, phone and stores (%)": "44.44",
}


def _service(day, **counts):
    ServiceDaily.objects.create(day=day, **counts)


def _seed():
    day1, day2 = START + dt.timedelta(days=3), END
    _service(
        day1,
        surveys=2,
        csat_total=7,
        nps_answers=3,
        promoters=2,
        detractors=1,
        tickets_opened=5,
        tickets_answered_in_time=4,
        payments=6,
        payments_succeeded=4,
        payments_failed=2,
        delivered=5,
        delivered_on_time=4,
    )
    _service(
        day2,
        surveys=1,
        csat_total=4,
        nps_answers=3,
        promoters=1,
        detractors=0,
        tickets_opened=3,
        tickets_answered_in_time=2,
        payments=4,
        payments_succeeded=3,
        payments_failed=1,
        delivered=4,
        delivered_on_time=2,
    )
    _service(START - dt.timedelta(days=1), surveys=50, csat_total=50, nps_answers=50, detractors=50, delivered=50)
    a, b = CampaignFactory(name="A"), CampaignFactory(name="B")
    for campaign, day, (attention, information, desire) in ((a, day1, (40, 10, 4)), (b, day2, (20, 5, 1))):
        TouchDaily.objects.create(day=day, campaign=campaign, step=AidaStep.ATTENTION, reached=attention)
        TouchDaily.objects.create(day=day, campaign=campaign, step=AidaStep.INFORMATION, reached=information)
        TouchDaily.objects.create(day=day, campaign=campaign, step=AidaStep.DESIRE, reached=desire)
    TouchDaily.objects.create(day=day1, campaign=None, step=AidaStep.ATTENTION, reached=100)
    for day, channel, n in (
        (day1, SalesChannel.WEB, 3),
        (day2, SalesChannel.WEB, 2),
        (day1, SalesChannel.AGENT, 2),
        (day2, SalesChannel.PHONE, 1),
        (day2, SalesChannel.STORE, 1),
        (START - dt.timedelta(days=1), SalesChannel.AGENT, 40),
    ):
        OrderDaily.objects.create(day=day, channel=channel, orders=n, sold=n)


def _scores(board):
    return {str(label): value for label, value, _hint in board.figures}


def test_each_boni_score_matches_the_hand_computed_set():
    _seed()
    board = DASHBOARDS["boni"](FILTERS)
    assert _scores(board) == {
        "Benefit to the customer": Decimal(BENEFIT),
        "Online service and information": Decimal(ONLINE),
        "Navigation": Decimal(NAVIGATION),
        "Integration": Decimal(INTEGRATION),
    }


def test_each_figure_behind_the_scores_matches_the_hand_computed_set():
    _seed()
    rows = DASHBOARDS["boni"](FILTERS).table("boni").rows
    assert {str(label): value for _factor, _score, label, value in rows} == {k: Decimal(v) for k, v in FIGURES.items()}
    assert [str(factor) for factor, *_rest in rows[::2]] == [
        "Benefit to the customer",
        "Online service and information",
        "Navigation",
        "Integration",
    ]


def test_a_factor_is_the_mean_of_the_figures_that_have_data():
    # Only NPS answers (2 promoters of 4: NPS 50 -> 75 on 0–100); no surveys' CSAT, no tickets, no orders.
    _service(START, nps_answers=4, promoters=2, payments=3, payments_succeeded=0)
    scores = _scores(DASHBOARDS["boni"](FILTERS))
    assert scores == {
        "Benefit to the customer": Decimal("75.00"),
        "Online service and information": Decimal("0.00"),  # 0 of 3 payments succeeded; no tickets
        "Navigation": None,
        "Integration": None,
    }


def test_the_extremes_of_each_rescale():
    # CSAT 1 everywhere and NPS −100 -> 0; CSAT 5 and NPS 100 -> 100.
    _service(START, surveys=2, csat_total=2, nps_answers=2, detractors=2)
    assert _scores(DASHBOARDS["boni"](FILTERS))["Benefit to the customer"] == Decimal("0.00")
    ServiceDaily.objects.filter(day=START).update(csat_total=10, detractors=0, promoters=2)
    assert _scores(DASHBOARDS["boni"](FILTERS))["Benefit to the customer"] == Decimal("100.00")
