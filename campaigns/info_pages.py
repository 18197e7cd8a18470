"""Reads of the information pages (the 'information' step of AIDA): which page a visitor sees, in which language.

A campaign may write the same information page in several languages (one ``Creative`` of kind ``info_page`` per
language). A visitor sees the one in their language when it exists, else the campaign's others.
"""

from django.db.models import QuerySet

from campaigns.models import Creative, CreativeKind, Topic


def _language(language: str) -> str:
    return language.split("-")[0]


def info_pages_for(*, topic: Topic, language: str) -> list[Creative]:
    """The topic's information pages, newest first: of each campaign, those in ``language`` when it has any, else
    all of its pages. Two queries whatever the number of pages: the pages, and nothing per campaign."""
    pages: QuerySet[Creative] = Creative.objects.filter(topic=topic, kind=CreativeKind.INFO_PAGE).order_by(
        "-created_at", "-pk"
    )
    rows = list(pages)
    language = _language(language)
    campaigns_in_language = {page.campaign_id for page in rows if page.language == language}
    return [page for page in rows if page.campaign_id not in campaigns_in_language or page.language == language]


def info_page_in(*, page: Creative, language: str) -> Creative:
    """The same information page (same campaign, same topic) written in ``language``, else ``page`` itself."""
    language = _language(language)
    if page.language == language or page.topic_id is None:
        return page
    sibling = (
        Creative.objects.select_related("campaign", "topic")
        .filter(campaign_id=page.campaign_id, topic_id=page.topic_id, kind=CreativeKind.INFO_PAGE, language=language)
        .order_by("-created_at", "-pk")
        .first()
    )
    return sibling or page
