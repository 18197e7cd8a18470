"""Searches on the shop's website that found nothing: each normalised query becomes a want on the needs board,
counted each time a visitor searches it again (the website stage hands them in; preparation owns the needs)."""

import datetime as dt
import re
from dataclasses import dataclass

from customers.models import NeedCategory, NeedKind, NeedSource
from customers.services.needs_heard import Mention, MentionResult, needs_record_mentions
from customers.text_reading import fold

QUERY_LIMIT = 200
_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = "\"'`«»“”‘’.,;:!?؟،؛()[]{}<>"


def search_query_normalise(query: str) -> str:
    """One spelling per query: lower case, Persian and Arabic letters folded, ASCII digits, single spaces, no
    quotes or punctuation around it; "" for a query that holds nothing."""
    folded = _SPACES.sub(" ", fold(query or "")).strip()
    return folded.strip(_EDGE_PUNCTUATION + " ")[:QUERY_LIMIT]


@dataclass(frozen=True)
class SearchHeard:
    """One search that found nothing: its query as typed, who searched (when known), when, and a number unique
    to this search (so a search delivered twice counts once)."""

    query: str
    search_id: int
    customer_id: int | None
    searched_at: dt.datetime


def needs_record_searches(*, searches: list[SearchHeard]) -> MentionResult:
    """Count each search that found nothing toward the want of its normalised query, creating the want the first
    time; a search already counted is skipped (see :func:`needs_record_mentions`)."""
    mentions = []
    for search in searches:
        query = search_query_normalise(search.query)
        if not query:
            continue
        mentions.append(
            Mention(
                kind=NeedKind.WANT,
                category=NeedCategory.PRODUCT_REQUEST,
                product_id=None,
                source=NeedSource.SEARCH,
                source_id=search.search_id,
                customer_id=search.customer_id,
                excerpt=search.query,
                heard_at=search.searched_at,
                query=query,
            )
        )
    return needs_record_mentions(mentions=mentions)
