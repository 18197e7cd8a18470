"""The demo marketer's scores of the demo creatives on the five dimensions of content, and their tags.

Scores per campaign, by name (0–5, ``None`` for not scored); every creative of the campaign gets them.
"""

from campaigns.models import ContentDimension, Creative
from campaigns.services.content import creative_content_score

E, IN, U, C, W = (
    ContentDimension.ENTERTAINMENT,
    ContentDimension.INTERACTION,
    ContentDimension.UP_TO_DATE,
    ContentDimension.CUSTOMISATION,
    ContentDimension.WORD_OF_MOUTH,
)
SCORES: dict[str, tuple[dict[str, int | None], list[str]]] = {
    "Spring offer": ({E: 3, IN: 2, U: 4, C: 5, W: 2}, ["seasonal", "offer"]),
    "Gulf launch": ({E: 5, IN: 1, U: 5, C: 1, W: None}, ["launch"]),
    "Agent phone follow-up": ({E: 1, IN: 5, U: 2, C: 4, W: 3}, ["follow-up"]),
}


def score_demo_creatives() -> int:
    """Score the demo campaigns' creatives not scored yet; how many were scored."""
    scored = 0
    for creative in Creative.objects.filter(campaign__name__in=SCORES, content__isnull=True).select_related("campaign"):
        scores, tags = SCORES[creative.campaign.name]
        creative_content_score(creative=creative, scores=scores, tags=tags)
        scored += 1
    return scored
