"""Content that works: the marketer's scores on the five dimensions, and the Content board relating them to AIDA."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from campaigns.models import AidaStep, ContentDimension, ContentTag, CreativeContent
from campaigns.services.content import creative_content_score
from cycle.models import TouchDaily
from cycle.selectors.content import content_relations
from cycle.selectors.dashboards import DASHBOARDS, Filters
from cycle.selectors.dashboards.content_board import TOO_FEW
from emarketing.brand.selectors import brand_values
from tests.campaigns.factories import CampaignFactory, CreativeFactory

pytestmark = pytest.mark.django_db

E, INTER = ContentDimension.ENTERTAINMENT, ContentDimension.INTERACTION


# --- scores: validation at the boundaries -----------------------------------------------------------------------


@pytest.mark.parametrize("score", [0, 5, None])
def test_a_score_from_0_to_5_or_blank_is_kept(score):
    creative = CreativeFactory()
    creative_content_score(creative=creative, scores={E: score, INTER: 3})
    assert CreativeContent.objects.get(creative=creative).scores()[E] == score


@pytest.mark.parametrize("score", [-1, 6])
def test_a_score_outside_0_to_5_is_refused_and_nothing_changes(score):
    creative = CreativeFactory()
    creative_content_score(creative=creative, scores={E: 2}, tags=["spring"])
    with pytest.raises(ValidationError) as error:
        creative_content_score(creative=creative, scores={E: score, INTER: 4}, tags=["autumn"])
    assert E.value in error.value.message_dict
    content = CreativeContent.objects.get(creative=creative)
    assert (content.entertainment, content.interaction) == (2, None)
    assert list(content.tags.values_list("name", flat=True)) == ["spring"]
    assert not ContentTag.objects.filter(name="autumn").exists()


def test_an_unknown_dimension_or_an_overlong_tag_is_refused_and_nothing_changes():
    creative = CreativeFactory()
    with pytest.raises(ValidationError, match="Unknown content dimension: humour"):
        creative_content_score(creative=creative, scores={"humour": 3})
    with pytest.raises(ValidationError):
        creative_content_score(creative=creative, scores={E: 3}, tags=["x" * 61])
    assert not CreativeContent.objects.exists()
    creative_content_score(creative=creative, scores={E: 3}, tags=["x" * 60, "  summer   sale ", ""])
    assert sorted(creative.content.tags.values_list("name", flat=True)) == ["summer sale", "x" * 60]


def test_the_creative_admin_edits_scores_and_tags(admin_client):
    creative = CreativeFactory()
    tag = ContentTag.objects.create(name="spring")
    page = admin_client.get(reverse("admin:campaigns_creative_change", args=[creative.pk]))
    assert page.status_code == 200
    assert b"content-0-entertainment" in page.content
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("image", "topic")}
    data.update(campaign=creative.campaign.pk, created_at_0="2026-01-01", created_at_1="10:00:00")
    data.update(
        {
            "content-TOTAL_FORMS": "1",
            "content-INITIAL_FORMS": "0",
            "content-0-entertainment": "6",
            "content-0-tags": [str(tag.pk)],
        }
    )
    refused = admin_client.post(reverse("admin:campaigns_creative_change", args=[creative.pk]), data)
    assert refused.status_code == 200  # the form again, with the error
    assert not CreativeContent.objects.exists()
    data["content-0-entertainment"] = "5"
    saved = admin_client.post(reverse("admin:campaigns_creative_change", args=[creative.pk]), data)
    assert saved.status_code == 302, saved.context and saved.context["errors"]
    assert creative.content.entertainment == 5
    assert list(creative.content.tags.all()) == [tag]


# --- the relations: a seeded set computed by hand -----------------------------------------------------------------
#
# Six campaigns met by 100 people each (attention), scored on entertainment 0, 1, 2, 3, 4 and 4.5 (C6 has two
# creatives, 5 and 4: the mean), with information reached by 10, 20, 30, 25, 50, 60 people (so 10, 20, 30, 25, 50
# and 60 % of attention) and nobody further. C1 has a second creative scored on interaction only (5): its blank
# entertainment is left out, not read as 0. Creatives of C1–C3 carry the tag "spring". C7 is met but not scored;
# C8 is scored but nobody met it in the period: neither is counted.
#
# Entertainment against information (% of attention):
#   low (<2): C1 10, C2 20 -> 2 campaigns, mean 15.00
#   middle (2–<4): C3 30, C4 25 -> 2 campaigns, mean 27.50
#   high (>=4): C5 50, C6 60 -> 2 campaigns, mean 55.00
#   Spearman: score ranks 1 2 3 4 5 6, information ranks 1 2 4 3 5 6: d^2 = 0+0+1+1+0+0 = 2,
#   rho = 1 - 6*2 / (6*(36-1)) = 1 - 12/210 = 0.942857 -> 0.943, behind 6 campaigns.
# Entertainment against attention: 100 everywhere, no variation: no coefficient; every band's mean 100.
# Desire is 0 % of information everywhere (no coefficient); action has no base (nobody desired): 0 campaigns.
# Interaction: C1 alone (score 5, high): 1 campaign, too few.
# With the tag "spring": C1–C3 only, rho of (0, 1, 2) against (10, 20, 30) = 1.000, behind 3 campaigns.

INFORMATION = [10, 20, 30, 25, 50, 60]


def _seed():
    today = timezone.localdate()
    spring = ContentTag.objects.create(name="spring")
    campaigns = []
    for i, (score, informed) in enumerate(zip([0, 1, 2, 3, 4, 5], INFORMATION, strict=True), start=1):
        campaign = CampaignFactory(name=f"C{i}")
        campaigns.append(campaign)
        content = creative_content_score(creative=CreativeFactory(campaign=campaign), scores={E: score})
        if i <= 3:
            content.tags.add(spring)
        TouchDaily.objects.create(day=today, campaign=campaign, step=AidaStep.ATTENTION, touches=150, reached=100)
        TouchDaily.objects.create(day=today, campaign=campaign, step=AidaStep.INFORMATION, reached=informed)
    creative_content_score(creative=CreativeFactory(campaign=campaigns[0], name="B", kind="banner"), scores={INTER: 5})
    creative_content_score(creative=CreativeFactory(campaign=campaigns[5], name="B", kind="banner"), scores={E: 4})
    unscored = CampaignFactory(name="C7")
    TouchDaily.objects.create(day=today, campaign=unscored, step=AidaStep.ATTENTION, reached=999)
    creative_content_score(creative=CreativeFactory(campaign=CampaignFactory(name="C8")), scores={E: 5})
    old = today - dt.timedelta(days=90)  # before the period
    TouchDaily.objects.create(day=old, campaign=campaigns[0], step=AidaStep.ATTENTION, reached=900)
    return spring


def _relation(found, dimension, step):
    return next(r for r in found.relations if r.dimension == dimension and r.step == step)


def test_each_dimension_is_related_to_the_aida_steps_as_computed_by_hand():
    _seed()
    found = content_relations(Filters.default())
    assert [c.name for c in found.campaigns] == ["C1", "C2", "C3", "C4", "C5", "C6"]
    assert found.campaigns[5].scores[E] == Decimal("4.50")
    assert found.campaigns[0].scores[INTER] == Decimal("5.00")
    assert found.campaigns[0].scores[E] == Decimal("0.00")

    info = _relation(found, E, AidaStep.INFORMATION)
    assert {b: (f.campaigns, f.mean) for b, f in info.bands.items()} == {
        "low": (2, Decimal("15.00")),
        "middle": (2, Decimal("27.50")),
        "high": (2, Decimal("55.00")),
    }
    assert (info.coefficient, info.campaigns, info.too_few) == (Decimal("0.943"), 6, False)
    assert all(f.too_few for f in info.bands.values())  # 2 campaigns a band: fewer than 5

    attention = _relation(found, E, AidaStep.ATTENTION)
    assert attention.coefficient is None
    assert [f.mean for f in attention.bands.values()] == [Decimal("100.00")] * 3
    assert _relation(found, E, AidaStep.DESIRE).coefficient is None
    assert _relation(found, E, AidaStep.ACTION).campaigns == 0
    interaction = _relation(found, INTER, AidaStep.INFORMATION)
    assert (interaction.campaigns, interaction.too_few, interaction.bands["high"].mean) == (1, True, Decimal("10.00"))


def test_the_tag_filter_keeps_the_campaigns_with_a_tagged_creative():
    spring = _seed()
    found = content_relations(Filters.default(), tag_id=spring.pk)
    assert [c.name for c in found.campaigns] == ["C1", "C2", "C3"]
    info = _relation(found, E, AidaStep.INFORMATION)
    assert (info.coefficient, info.campaigns, info.too_few) == (Decimal("1.000"), 3, True)


@pytest.mark.parametrize(("minimum", "too_few"), [(6, False), (7, True)])
def test_too_few_to_say_below_the_threshold(settings, minimum, too_few):
    """Six campaigns stand behind entertainment against information: enough at 6, too few at 7."""
    settings.CONTENT_MIN_CAMPAIGNS = minimum
    _seed()
    board = DASHBOARDS["content"](Filters.default())
    row = next(
        r
        for r in board.table("relations").rows
        if r[0] == E.label and str(r[1]).startswith(str(AidaStep.INFORMATION.label))
    )
    assert row[-3:-1] == [Decimal("0.943"), 6]
    assert row[-1].startswith(str(TOO_FEW)) is True  # the bands (2 campaigns each) are too few either way
    assert ("6 campaigns, fewer than" in str(row[-1])) is too_few


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_the_page_costs_the_same_queries_whatever_the_data_size(manager_client):
    spring = _seed()
    url = reverse("dashboards:content")
    brand_values()
    small = _queries(manager_client, url, {"tag": spring.pk})
    today = timezone.localdate()
    for i in range(20):
        campaign = CampaignFactory(name=f"More {i}")
        content = creative_content_score(creative=CreativeFactory(campaign=campaign), scores={E: i % 6, INTER: 3})
        content.tags.add(spring, ContentTag.objects.create(name=f"t{i}"))
        TouchDaily.objects.create(day=today, campaign=campaign, step=AidaStep.ATTENTION, reached=10 + i)
    cache.clear()  # the rollups were not refreshed: the page would come from the cache
    assert _queries(manager_client, url, {"tag": spring.pk}) == small


@pytest.mark.parametrize(("language", "six"), [("en", "6"), ("fa", "۶"), ("ar", "٦")])
def test_the_page_renders_in_every_language(manager_client, language, six):
    _seed()
    response = manager_client.get(reverse("dashboards:content"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    body = response.content.decode()
    with translation.override(language):
        assert str(ContentDimension.WORD_OF_MOUTH.label) in body
        assert str(TOO_FEW) in body
    figures = body[body.index('id="dashboard-figures"') :]
    assert f'<div class="fs-4 fw-semibold">{six}</div>' in figures
    if language != "en":
        assert 'dir="rtl"' in body


def test_a_bad_tag_in_the_filter_shows_every_campaign(manager_client):
    _seed()
    response = manager_client.get(reverse("dashboards:content"), {"tag": "nope"})
    assert response.status_code == 200
    assert len(response.context["board"].table("campaigns").rows) == 6
