"""FAQ and community as readers and moderators meet them: moderation hides until approved, votes count once, the
best answer leads, an asker becomes a lead only with consent, and the pages answer in a fixed number of queries."""

import time

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.forms_community import shown_token
from aftersales.models import CommunityAnswer, CommunityQuestion, FaqEntry, ModerationStatus
from aftersales.selectors_community import help_search
from aftersales.services import community
from customers.models import Consent, Customer
from tests.campaigns.factories import TopicFactory
from tests.customers.factories import CustomerFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.PUBLIC_FORM_RATE_LIMIT = 50
    settings.HELP_FORM_MIN_SECONDS = 3
    cache.clear()


def shown_long_enough():
    return shown_token(time.time() - 10)


def faq(**fields):
    entry = FaqEntry(title="How long does delivery take?", answer="Two to four days.", published=True, **fields)
    return community.faq_entry_save(entry=entry)


def ask(client, **fields):
    data = {"title": "Do you ship to Shiraz?", "asker_name": "Sara", "shown": shown_long_enough(), **fields}
    return client.post(reverse("aftersales:help_ask"), data)


def approved_question(title="Can I pay on delivery?"):
    question = community.question_ask(title=title, asker_name="Ali", language="en")
    community.question_approve(question=question)
    return question


def test_a_question_shows_only_once_a_moderator_approved_it(client):
    assert ask(client).status_code == 200
    question = CommunityQuestion.objects.get()
    assert question.status == ModerationStatus.PENDING
    assert "Do you ship to Shiraz?" not in client.get(reverse("aftersales:help")).content.decode()
    assert client.get(question.get_absolute_url()).status_code == 404

    community.question_approve(question=question, by=UserFactory())

    assert "Do you ship to Shiraz?" in client.get(reverse("aftersales:help")).content.decode()
    assert client.get(question.get_absolute_url()).status_code == 200


def test_a_rejected_question_stays_hidden(client):
    question = approved_question()
    community.question_reject(question=question)
    assert client.get(question.get_absolute_url()).status_code == 404


def test_robots_are_turned_away_by_the_honeypot_and_the_time_check(client):
    assert ask(client, website="http://spam.example").status_code == 400
    assert ask(client, shown=shown_token()).status_code == 400  # posted at once
    assert ask(client, shown="forged").status_code == 400
    assert not CommunityQuestion.objects.exists()


def test_posting_is_rate_limited(client, settings):
    settings.PUBLIC_FORM_RATE_LIMIT = 2
    assert [ask(client).status_code for _ in range(3)] == [200, 200, 429]
    assert CommunityQuestion.objects.count() == 2


def test_an_answer_from_the_public_waits_for_moderation_the_teams_shows_at_once(client):
    question = approved_question()
    response = client.post(
        question.get_absolute_url(),
        {"body": "Yes, in every city.", "author_name": "Reza", "shown": shown_long_enough()},
    )
    assert response.status_code == 302
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Yes, in every city." not in page

    community.answer_add(question=question, body="Yes: cash or card at the door.", staff=UserFactory())
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Yes: cash or card at the door." in page

    community.answer_approve(answer=CommunityAnswer.objects.get(author_name="Reza"))
    assert "Yes, in every city." in client.get(question.get_absolute_url()).content.decode()


def test_nobody_answers_a_question_that_is_not_public():
    question = community.question_ask(title="Hidden question", asker_name="Ali", language="en")
    with pytest.raises(ValidationError):
        community.answer_add(question=question, body="An answer", author_name="Mina")


def test_the_best_answer_comes_first_and_there_is_only_one(client):
    question = approved_question()
    first = community.answer_add(question=question, body="First answer here", staff=UserFactory())
    second = community.answer_add(question=question, body="Second answer here", staff=UserFactory())

    community.answer_mark_best(answer=second)
    page = client.get(question.get_absolute_url()).content.decode()
    assert page.index("Second answer here") < page.index("First answer here")
    assert "Best answer" in page

    community.answer_mark_best(answer=first)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_best, second.is_best) == (True, False)


def test_an_unapproved_answer_cannot_be_the_best():
    question = approved_question()
    answer = community.answer_add(question=question, body="Pending answer", author_name="Mina")
    with pytest.raises(ValidationError):
        community.answer_mark_best(answer=answer)


def test_this_helped_counts_once_per_browser(client):
    entry = faq()
    vote = {"faq": entry.pk, "next": reverse("aftersales:help")}
    for _ in range(3):
        assert client.post(reverse("aftersales:help_vote"), vote).status_code == 302
    entry.refresh_from_db()
    assert entry.helped_count == 1

    other_browser = type(client)()
    other_browser.post(reverse("aftersales:help_vote"), vote)
    entry.refresh_from_db()
    assert entry.helped_count == 2


def test_this_helped_counts_once_per_customer_across_browsers():
    question = approved_question()
    answer = community.answer_add(question=question, body="Use the tracking link.", staff=UserFactory())
    customer = CustomerFactory()
    voter = community.voter_key(customer_id=customer.pk, browser_id="one")
    assert community.helpful_vote(voter=voter, answer=answer) is True
    assert community.helpful_vote(voter=community.voter_key(customer_id=customer.pk), answer=answer) is False
    answer.refresh_from_db()
    assert answer.helped_count == 1


def test_a_vote_goes_back_only_to_this_site(client):
    entry = faq()
    response = client.post(reverse("aftersales:help_vote"), {"faq": entry.pk, "next": "https://evil.example/"})
    assert response["Location"] == entry.get_absolute_url()


def test_an_asker_who_consents_becomes_a_lead(client):
    ask(client, asker_email="new.reader@example.com", wants_news="on")
    lead = Customer.objects.get(email="new.reader@example.com")
    assert Consent.objects.get(customer=lead, channel="email").granted
    assert CommunityQuestion.objects.get().customer == lead


def test_an_asker_without_the_consent_tick_is_not_a_lead(client):
    ask(client, asker_email="quiet@example.com")
    assert not Customer.objects.filter(email="quiet@example.com").exists()
    assert CommunityQuestion.objects.get().asker_email == "quiet@example.com"


def test_a_known_address_changes_nobodys_record(client):
    existing = CustomerFactory(email="known@example.com", first_name="Original")
    ask(client, asker_email="Known@example.com", wants_news="on", asker_name="Someone Else")
    existing.refresh_from_db()
    assert existing.first_name == "Original"
    assert not Consent.objects.filter(customer=existing).exists()
    question = CommunityQuestion.objects.get()
    assert question.customer is None
    assert question.asker_email == "known@example.com"


def test_faq_entries_show_in_the_readers_language(client):
    faq(title_fa="ارسال چند روز طول می‌کشد؟", answer_fa="دو تا چهار روز.", topic=TopicFactory(name="Delivery"))
    page = client.get(reverse("aftersales:help"), HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert "ارسال چند روز طول می‌کشد؟" in page


def test_an_unpublished_entry_is_not_shown(client):
    faq(title_fa="")
    community.faq_entry_save(entry=FaqEntry(title="Draft entry about refunds", answer="Not yet.", published=False))
    assert "Draft entry about refunds" not in client.get(reverse("aftersales:help")).content.decode()


def test_the_help_page_takes_a_fixed_number_of_queries(client):
    def grow(n):
        topic = TopicFactory()
        for i in range(n):
            faq(topic=topic, position=i)
            question = approved_question(title=f"Question number {n}-{i}")
            community.answer_add(question=question, body="An answer", staff=UserFactory())

    grow(1)
    client.get(reverse("aftersales:help"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("aftersales:help"))
    grow(8)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("aftersales:help"))
    assert len(many) == len(few)


def test_the_question_page_takes_a_fixed_number_of_queries(client):
    question = approved_question()
    community.answer_add(question=question, body="One", staff=UserFactory())
    client.get(question.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(question.get_absolute_url())
    for i in range(6):
        community.answer_add(question=question, body=f"More {i}", staff=UserFactory())
    with CaptureQueriesContext(connection) as many:
        client.get(question.get_absolute_url())
    assert len(many) == len(few)


def test_moderators_approve_from_the_queue(admin_client):
    question = community.question_ask(title="Where is my parcel?", asker_name="Ali", language="en")
    changelist = reverse("admin:aftersales_communityquestion_changelist")
    assert "Where is my parcel?" in admin_client.get(changelist).content.decode()
    admin_client.post(changelist, {"action": "approve_questions", "_selected_action": [question.pk]})
    question.refresh_from_db()
    assert question.status == ModerationStatus.APPROVED
    assert "Where is my parcel?" not in admin_client.get(changelist).content.decode()  # the queue moved on


def test_an_erased_customer_leaves_no_words_in_the_community(client):
    from customers.services.erasure import customer_erase

    customer = CustomerFactory(email="leaving@example.com")
    asked = community.question_ask(
        title="Question by the leaving customer", asker_name="Leila", asker_email="Leaving@example.com", language="en"
    )
    community.question_approve(question=asked)
    other = approved_question(title="Someone else's question")
    community.answer_add(
        question=other, body="Answer by the leaving customer", author_name="Leila", customer_id=customer.pk
    )
    community.answer_approve(answer=CommunityAnswer.objects.get(author_name="Leila"))

    customer_erase(customer=customer, source="admin", requested_by=None)

    asked.refresh_from_db()
    assert (asked.title, asked.asker_name, asked.asker_email) == ("", "", "")
    assert client.get(asked.get_absolute_url()).status_code == 404
    page = client.get(other.get_absolute_url()).content.decode()
    assert "Answer by the leaving customer" not in page and "Leila" not in page
    assert help_search(query="leaving customer", language="en") == []
