"""Reads of the public help pages (FAQ, community, search) and of the published reviews: a fixed number of
queries per page, whatever the number of entries, questions or answers."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from aftersales.models import (
    PUBLIC_STATUS,
    CommunityAnswer,
    CommunityQuestion,
    FaqEntry,
    HelpDocument,
    Review,
    ReviewStatus,
)
from aftersales.services.help_search import folded_words
from campaigns.models import Topic
from orders.models import Product

RECENT_QUESTIONS = 20
SEARCH_RESULTS = 20
SEARCH_WORDS = 8  # words of a query beyond these are not searched
PREFIX_MIN = 2  # a shorter word is matched whole, not as the start of longer ones
SEARCH_CANDIDATES = 1000  # matches ranked at most, per search (PostgreSQL)


@dataclass
class TopicSection:
    topic: Topic | None
    entries: list[FaqEntry] = field(default_factory=list)


def faq_by_topic(*, topic: Topic | None = None) -> list[TopicSection]:
    """Published FAQ entries grouped by topic in their order (one query); entries without a topic come last."""
    entries = FaqEntry.objects.filter(published=True).select_related("topic").order_by("position", "pk")
    if topic is not None:
        entries = entries.filter(topic=topic)
    sections: dict[int | None, TopicSection] = {}
    for entry in entries:
        sections.setdefault(entry.topic_id, TopicSection(topic=entry.topic)).entries.append(entry)
    return sorted(sections.values(), key=lambda s: (s.topic is None, s.topic.name if s.topic else ""))


def help_topics() -> QuerySet[Topic]:
    """Topics that hold a published FAQ entry or a public question (one query)."""
    return Topic.objects.filter(
        Exists(FaqEntry.objects.filter(topic=OuterRef("pk"), published=True))
        | Exists(CommunityQuestion.objects.filter(topic=OuterRef("pk"), status=PUBLIC_STATUS))
    )


def questions_recent(*, topic: Topic | None = None, limit: int = RECENT_QUESTIONS) -> list[CommunityQuestion]:
    """The newest public questions with the number of their public answers (one query; the answers are counted
    for the questions shown only, not for every question before the newest are picked)."""
    answers = (
        CommunityAnswer.objects.filter(question=OuterRef("pk"), status=PUBLIC_STATUS)
        .order_by()
        .values("question")
        .annotate(n=Count("pk"))
        .values("n")
    )
    questions = CommunityQuestion.objects.filter(status=PUBLIC_STATUS).annotate(
        answer_count=Coalesce(Subquery(answers, output_field=IntegerField()), 0)
    )
    if topic is not None:
        questions = questions.filter(topic=topic)
    return list(questions.select_related("topic").order_by("-created_at", "-pk")[:limit])


def question_public(*, pk: int) -> CommunityQuestion | None:
    """A public question with its public answers, the best first, then the most helpful (two queries)."""
    answers = CommunityAnswer.objects.filter(status=PUBLIC_STATUS).order_by("-is_best", "-helped_count", "pk")
    return (
        CommunityQuestion.objects.filter(pk=pk, status=PUBLIC_STATUS)
        .select_related("topic")
        .prefetch_related(Prefetch("answers", queryset=answers, to_attr="public_answers"))
        .first()
    )


def _document_key(document: HelpDocument) -> tuple[str, int | None]:
    return (document.kind, document.faq_id or document.question_id or document.page_id)


def help_search(*, query: str, language: str, limit: int = SEARCH_RESULTS) -> list[HelpDocument]:
    """FAQ entries, public questions and information pages matching every word of ``query``, best first, those
    in ``language`` before the others, each once (one query).

    Query and documents are folded alike (``aftersales.services.help_search``). PostgreSQL matches each word as the
    start of a word in the stored vector (prefix matching) and ranks by ``ts_rank``; another database looks for each
    word inside the folded text."""
    words = folded_words(query)[:SEARCH_WORDS]
    if not words:
        return []
    same_language = Case(When(language=language[:2], then=Value(1)), default=Value(0), output_field=IntegerField())
    documents = HelpDocument.objects.defer("folded", "vector").annotate(same_language=same_language)
    if connection.vendor == "postgresql":
        # Words are runs of letters and digits (\w+): nothing in them is tsquery syntax.
        terms = " & ".join(f"{word}:*" if len(word) >= PREFIX_MIN else word for word in words)
        search = SearchQuery(terms, search_type="raw", config="simple")
        # The matches ranked are the first SEARCH_CANDIDATES the index gives: a word found in a third of 100,000
        # documents would otherwise fetch and rank them all (a quarter of a second), for a top 20 no better.
        candidates = HelpDocument.objects.filter(vector=search).values("pk")[:SEARCH_CANDIDATES]
        documents = (
            documents.filter(pk__in=candidates)
            .annotate(rank=SearchRank(F("vector"), search))
            .order_by("-same_language", "-rank", "pk")
        )
    else:
        for word in words:
            documents = documents.filter(folded__icontains=word)
        documents = documents.order_by("-same_language", "kind", "pk")
    seen: set[tuple[str, int | None]] = set()
    found: list[HelpDocument] = []
    for document in documents[: limit * 3]:
        key = _document_key(document)
        if key not in seen:
            seen.add(key)
            found.append(document)
    return found[:limit]


def reviews_published(*, product: Product, limit: int = 50) -> list[Review]:
    """A product's published reviews, newest first, with who wrote them (one query)."""
    return list(
        Review.objects.filter(product=product, status=ReviewStatus.PUBLISHED, consent_to_publish=True)
        .select_related("customer")
        .only("rating", "title", "body", "published_at", "created_at", "customer__first_name")
        .order_by("-published_at", "-pk")[:limit]
    )
