"""The help search's documents: written here whenever an FAQ entry, a community question or an information page
changes, so that one query answers a search across all three.

Every text is folded by ``customers.text_reading`` (one owner of the Persian and Arabic letter rules) before it is
stored, and the query is folded the same way before it is matched: ي and ی, ك and ک, a zero-width non-joiner, the
harakat and the tatweel all read alike. On PostgreSQL the folded text becomes a stored ``tsvector`` ('simple'
configuration, no stemming of a language the database does not know), GIN-indexed; elsewhere the search reads the
folded column itself (``aftersales.selectors_community.help_search``).
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator

from aftersales.models import (
    PUBLIC_STATUS,
    CommunityAnswer,
    CommunityQuestion,
    FaqEntry,
    HelpDocument,
    HelpDocumentKind,
)
from campaigns.models import Creative, CreativeKind
from customers.text_reading import fold, tokens
from emarketing.localized import TWIN_LANGUAGES

EXCERPT_CHARS = 240
BATCH = 1000


def folded_words(text: str) -> list[str]:
    """The words of ``text`` as the index and the query both read them: folded, affixes typed apart glued back."""
    return tokens(fold(text))


def _folded(*texts: str) -> str:
    return " ".join(folded_words(" ".join(t for t in texts if t)))


def _plain(markup: str) -> str:
    return " ".join(html.unescape(strip_tags(markup or "")).split())


def _excerpt(text: str) -> str:
    return Truncator(_plain(text)).chars(EXCERPT_CHARS)


def _faq_documents(entry: FaqEntry) -> list[HelpDocument]:
    if not entry.published:
        return []
    link = entry.get_absolute_url()
    documents = [
        HelpDocument(
            kind=HelpDocumentKind.FAQ,
            faq=entry,
            language="en",
            title=entry.title,
            excerpt=_excerpt(entry.answer),
            link=link,
            folded=_folded(entry.title, _plain(entry.answer)),
        )
    ]
    for language in TWIN_LANGUAGES:
        title, answer = getattr(entry, f"title_{language}"), getattr(entry, f"answer_{language}")
        if title or answer:
            documents.append(
                HelpDocument(
                    kind=HelpDocumentKind.FAQ,
                    faq=entry,
                    language=language,
                    title=title or entry.title,
                    excerpt=_excerpt(answer or entry.answer),
                    link=link,
                    folded=_folded(title, _plain(answer)),
                )
            )
    return documents


def _question_document(question: CommunityQuestion, answers: Iterable[str]) -> HelpDocument | None:
    if question.status != PUBLIC_STATUS:
        return None
    return HelpDocument(
        kind=HelpDocumentKind.QUESTION,
        question=question,
        language=question.language,
        title=question.title,
        excerpt=_excerpt(question.body),
        link=question.get_absolute_url(),
        folded=_folded(question.title, question.body, *answers),
    )


def _page_document(page: Creative) -> HelpDocument | None:
    if page.kind != CreativeKind.INFO_PAGE or page.topic is None:
        return None
    return HelpDocument(
        kind=HelpDocumentKind.PAGE,
        page=page,
        language=page.language,
        title=page.subject or page.name,
        excerpt=_excerpt(page.html_body or page.text_body),
        link=reverse("campaigns:info_page", args=[page.topic.slug, page.pk]),
        folded=_folded(page.subject, page.name, _plain(page.html_body), page.text_body),
    )


def _vectorise(ids: list[int]) -> None:
    """On PostgreSQL, the stored vector of these documents, made from their folded text (one query)."""
    if ids and connection.vendor == "postgresql":
        HelpDocument.objects.filter(pk__in=ids).update(vector=SearchVector("folded", config="simple"))


def _store(documents: list[HelpDocument]) -> None:
    created = HelpDocument.objects.bulk_create(documents)
    _vectorise([d.pk for d in created if d.pk is not None])


@transaction.atomic
def help_index_faq(*, entry: FaqEntry) -> int:
    """Write the documents of one FAQ entry again (one per language it is written in; none when unpublished)."""
    HelpDocument.objects.filter(faq=entry).delete()
    documents = _faq_documents(entry)
    _store(documents)
    return len(documents)


@transaction.atomic
def help_index_question(*, question: CommunityQuestion) -> int:
    """Write the document of one question again: its title, details and approved answers, once it is public."""
    HelpDocument.objects.filter(question=question).delete()
    answers = question.answers.filter(status=PUBLIC_STATUS).values_list("body", flat=True)
    document = _question_document(question, list(answers))
    if document is None:
        return 0
    _store([document])
    return 1


@transaction.atomic
def help_index_page(*, page: Creative) -> int:
    """Write the document of one information page again (none for a creative that is not a topic's page)."""
    HelpDocument.objects.filter(page=page).delete()
    document = _page_document(page)
    if document is None:
        return 0
    _store([document])
    return 1


@transaction.atomic
def help_index_rebuild() -> int:
    """Every document again, in id-ordered batches (after an import, or a change to the folding rules)."""
    HelpDocument.objects.all().delete()
    written = 0
    faq_entries = FaqEntry.objects.filter(published=True).order_by("pk")
    pages = Creative.objects.filter(kind=CreativeKind.INFO_PAGE, topic__isnull=False).select_related("topic")
    questions = CommunityQuestion.objects.filter(status=PUBLIC_STATUS).order_by("pk")
    batch: list[HelpDocument] = []
    for entry in faq_entries.iterator(chunk_size=BATCH):
        batch.extend(_faq_documents(entry))
    page_documents = (_page_document(page) for page in pages.order_by("pk").iterator(chunk_size=BATCH))
    batch.extend(document for document in page_documents if document is not None)
    last = 0
    while True:
        rows = list(questions.filter(pk__gt=last)[:BATCH])
        if not rows:
            break
        answers: dict[int, list[str]] = {}
        for question_id, body in CommunityAnswer.objects.filter(question__in=rows, status=PUBLIC_STATUS).values_list(
            "question_id", "body"
        ):
            answers.setdefault(question_id, []).append(body)
        question_documents = (_question_document(question, answers.get(question.pk, [])) for question in rows)
        batch.extend(document for document in question_documents if document is not None)
        last = rows[-1].pk
        if len(batch) >= BATCH:
            _store(batch)
            written, batch = written + len(batch), []
    _store(batch)
    return written + len(batch)
