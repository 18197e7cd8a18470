"""The help search as a reader meets it: Persian and Arabic spellings of the same words find the same entry (on
SQLite here, on PostgreSQL's stored vectors under the ``postgres`` marker), across FAQ, community questions and
information pages; a search that finds nothing becomes a want on the needs board."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.models import FaqEntry, HelpDocument
from aftersales.selectors_community import help_search
from aftersales.services import community
from aftersales.services.help_search import help_index_rebuild
from campaigns.models import CreativeKind
from customers.models import Need, NeedSource
from tests.campaigns.factories import CreativeFactory, TopicFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The same question written with Persian letters and a zero-width non-joiner.
PERSIAN = "قیمت‌های کتاب‌ها"


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.HELP_SEARCH_RATE_LIMIT = 100
    cache.clear()


@pytest.fixture
def entry():
    return community.faq_entry_save(
        entry=FaqEntry(
            title="Book prices",
            answer="Prices include tax.",
            title_fa=PERSIAN,
            answer_fa="قیمت‌ها با مالیات است.",
            title_ar="أسعار الكتب",
            answer_ar="الأسعار تشمل الضريبة.",
            published=True,
        )
    )


@pytest.mark.parametrize(
    "query",
    [
        "قيمتهاي كتابها",  # Arabic ي and ك instead of Persian ی and ک, no ZWNJ
        "قیمتهای کتابها",  # no zero-width non-joiner
        "قیمت‌های کتاب‌ها",  # as written
        "قیمت های کتاب ها",  # the affixes typed apart
        "قِیمَت",  # with harakat, the start of the word
        "قیـــمت",  # with tatweel
    ],
)
def test_persian_and_arabic_spellings_find_the_same_entry(entry, query):
    found = help_search(query=query, language="fa")
    assert [(d.kind, d.faq_id) for d in found] == [("faq", entry.pk)]
    assert found[0].title == PERSIAN  # the entry in the reader's language


def test_arabic_letter_variants_and_diacritics_find_the_arabic_entry(entry):
    for query in ("اسعار الکتب", "أَسْعَار", "الكتب"):
        found = help_search(query=query, language="ar")
        assert [d.faq_id for d in found] == [entry.pk], query


def test_an_entry_shows_once_in_the_readers_language(entry):
    found = help_search(query="prices", language="ar")
    assert len(found) == 1
    found = help_search(query="book", language="en")
    assert found[0].title == "Book prices"


def test_the_search_reads_questions_and_information_pages_too(client, django_capture_on_commit_callbacks):
    question = community.question_ask(title="Is the warranty two years?", asker_name="Ali", language="en")
    with django_capture_on_commit_callbacks(execute=True):  # a page is indexed once campaigns saved it
        page = CreativeFactory(
            kind=CreativeKind.INFO_PAGE,
            topic=TopicFactory(),
            subject="Our warranty",
            html_body="<p>Every device has a <b>warranty</b> of two years.</p>",
        )
    assert help_search(query="warranty", language="en") == [HelpDocument.objects.get(page=page)]

    community.question_approve(question=question)
    kinds = {d.kind for d in help_search(query="warranty", language="en")}
    assert kinds == {"question", "page"}
    response = client.get(reverse("aftersales:help_search"), {"q": "warranty"})
    assert "Is the warranty two years?" in response.content.decode()
    assert f"/i/{page.topic.slug}/{page.pk}/" in response.content.decode()


def test_a_public_answer_makes_its_question_findable():
    question = community.question_ask(title="Delivery on Fridays?", asker_name="Ali", language="en")
    community.question_approve(question=question)
    community.answer_add(question=question, body="Yes, couriers work on weekends.", staff=UserFactory())
    assert [d.question_id for d in help_search(query="couriers", language="en")] == [question.pk]


def test_unpublished_and_rejected_things_are_not_found(entry):
    entry.published = False
    community.faq_entry_save(entry=entry)
    question = community.question_ask(title="Book prices in winter", asker_name="Ali", language="en")
    assert help_search(query="book prices", language="en") == []
    community.question_approve(question=question)
    community.question_reject(question=question)
    assert help_search(query="book prices", language="en") == []


def test_a_search_that_finds_nothing_becomes_a_want(client, entry):
    client.get(reverse("aftersales:help_search"), {"q": "Gift wrapping"})
    client.get(reverse("aftersales:help_search"), {"q": "gift   WRAPPING"})
    client.get(reverse("aftersales:help_search"), {"q": "book"})  # found: no want
    want = Need.objects.get()
    assert want.query == "gift wrapping"
    assert want.mentions.filter(source=NeedSource.SEARCH).count() == 2


def test_searching_is_rate_limited(client, settings):
    settings.HELP_SEARCH_RATE_LIMIT = 2
    codes = [client.get(reverse("aftersales:help_search"), {"q": "book"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_the_search_page_takes_a_fixed_number_of_queries(client):
    def add(n):
        for i in range(n):
            community.faq_entry_save(entry=FaqEntry(title=f"Tea kind {i}", answer="Green", published=True))

    add(1)
    client.get(reverse("aftersales:help_search"), {"q": "tea"})
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("aftersales:help_search"), {"q": "tea"})
    add(10)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("aftersales:help_search"), {"q": "tea"})
    assert len(many) == len(few)


def test_rebuilding_the_index_finds_the_same(entry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        CreativeFactory(kind=CreativeKind.INFO_PAGE, topic=TopicFactory(), subject="Book club", html_body="<p>x</p>")
    before = sorted((d.kind, d.language, d.title) for d in HelpDocument.objects.all())
    help_index_rebuild()
    assert sorted((d.kind, d.language, d.title) for d in HelpDocument.objects.all()) == before
    assert {d.kind for d in help_search(query="book", language="en")} == {"faq", "page"}


def test_what_readers_typed_is_escaped(client):
    response = client.get(reverse("aftersales:help_search"), {"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in response.content.decode()
