"""Capture forms against robots and floods: the honeypot, the time check, a replayed token, the rate limits per
address and per network address and the proof of work refuse without changing anything; leads nobody confirmed
are deleted; the public page reads the same number of rows whatever the form holds."""

import datetime as dt
import hashlib
import itertools

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import TopicInterest
from customers.capture import leading_zero_bits
from customers.models import Consent, Customer, FormDaily, FormSubmission
from customers.services import forms_delete_unconfirmed
from tests.campaigns.factories import TopicFactory
from tests.customers.capture_forms import form_url, link_in, make_form, prepared_form, send, token_of
from tests.customers.factories import ConsentFactory, CustomerFactory
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tea_form(db, settings):
    return prepared_form(settings)


def _nothing_recorded(form):
    return (
        not Customer.objects.exists()
        and not FormSubmission.objects.exists()
        and not mail.outbox
        and not FormDaily.objects.filter(form=form, submissions__gt=0).exists()
    )


def test_a_filled_honeypot_is_thanked_and_changes_nothing(client, tea_form, django_capture_on_commit_callbacks):
    response = send(client, tea_form, capture=django_capture_on_commit_callbacks, website="http://spam.example")

    assert response.status_code == 200 and 'role="status"' in response.content.decode()
    assert _nothing_recorded(tea_form)


def test_a_form_sent_too_quickly_is_refused(client, tea_form, settings, django_capture_on_commit_callbacks):
    settings.FORMS_MIN_SECONDS = 60

    response = send(client, tea_form, capture=django_capture_on_commit_callbacks)

    assert response.status_code == 400 and "very quick" in response.content.decode()
    assert 'value="Sara"' in response.content.decode()  # the visitor's answers are kept
    assert _nothing_recorded(tea_form)


def test_a_missing_made_up_or_replayed_token_is_refused(client, tea_form, django_capture_on_commit_callbacks):
    url = form_url(tea_form)
    token = token_of(client.get(url).content.decode())
    data = {"first_name": "Sara", "email": "sara@example.com"}

    assert client.post(url, data).status_code == 400
    assert client.post(url, {**data, "token": "made-up"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {**data, "token": token}).status_code == 200
    replayed = client.post(url, {**data, "email": "other@example.com", "token": token})

    assert replayed.status_code == 400 and "sent already" in replayed.content.decode()
    assert list(FormSubmission.objects.values_list("email", flat=True)) == ["sara@example.com"]


def test_a_token_of_another_form_is_refused(client, tea_form):
    other = make_form(slug="coffee-club")
    token = token_of(client.get(form_url(other)).content.decode())

    response = client.post(form_url(tea_form), {"first_name": "Sara", "email": "sara@example.com", "token": token})

    assert response.status_code == 400 and not FormSubmission.objects.exists()


def test_submissions_per_address_are_limited(client, tea_form, settings, django_capture_on_commit_callbacks):
    settings.FORMS_RATE_PER_ADDRESS = 2

    answers = [send(client, tea_form, capture=django_capture_on_commit_callbacks) for _ in range(3)]

    assert [r.status_code for r in answers] == [200, 200, 429]
    assert FormSubmission.objects.count() == 2 and len(mail.outbox) == 2
    assert send(client, tea_form, email="another@example.com").status_code == 200  # other addresses go on


def test_posts_per_network_address_are_limited(client, tea_form, settings):
    settings.FORMS_RATE_PER_IP = 1
    url = form_url(tea_form)
    tokens = [token_of(client.get(url).content.decode()) for _ in range(2)]

    first = client.post(url, {"first_name": "A", "email": "a@example.com", "token": tokens[0]})
    second = client.post(url, {"first_name": "B", "email": "b@example.com", "token": tokens[1]})

    assert (first.status_code, second.status_code) == (200, 429)
    assert list(Customer.objects.values_list("email", flat=True)) == ["a@example.com"]


def test_a_large_post_is_refused_unread(client, tea_form, settings):
    settings.FORMS_MAX_BODY_BYTES = 1000

    response = client.post(form_url(tea_form), {"first_name": "x" * 2000, "email": "sara@example.com"})

    assert response.status_code == 413 and _nothing_recorded(tea_form)


def _solve(challenge, bits):
    for n in itertools.count():
        if leading_zero_bits(hashlib.sha256(f"{challenge}:{n}".encode()).digest()) >= bits:
            return str(n)


def test_the_proof_of_work_is_checked(client, tea_form, settings, django_capture_on_commit_callbacks):
    settings.FORMS_POW_BITS = 8
    tea_form.proof_of_work = True
    tea_form.save()
    url = form_url(tea_form)
    data = {"first_name": "Sara", "email": "sara@example.com"}

    page = client.get(url).content.decode()
    assert "data-pow-challenge" in page and "<noscript>" in page  # without JavaScript the page says why
    wrong = client.post(url, {**data, "token": token_of(page), "pow": "1"})
    assert wrong.status_code == 400 and _nothing_recorded(tea_form)

    page = client.get(url).content.decode()
    challenge = page.split('data-pow-challenge="')[1].split('"')[0]
    with django_capture_on_commit_callbacks(execute=True):
        solved = client.post(url, {**data, "token": token_of(page), "pow": _solve(challenge, 8)})
    assert solved.status_code == 200 and FormSubmission.objects.count() == 1


def test_unconfirmed_leads_are_deleted_after_the_configured_days(
    client, tea_form, settings, django_capture_on_commit_callbacks
):
    settings.FORMS_UNCONFIRMED_DAYS = 7
    known = CustomerFactory(email="known@example.com", first_name="Known")
    emails = ("late@example.com", "confirmed@example.com", "known@example.com", "staff-asked@example.com")
    for email in (*emails, "bought@example.com"):
        send(client, tea_form, capture=django_capture_on_commit_callbacks, email=email, consent_email="on")
    client.post(link_in(next(m for m in mail.outbox if m.to == ["confirmed@example.com"])))
    ConsentFactory(customer=Customer.objects.get(email="staff-asked@example.com"), channel="sms", granted=True)
    OrderFactory(customer=Customer.objects.get(email="bought@example.com"))  # the books keep who bought
    FormSubmission.objects.update(created_at=timezone.now() - dt.timedelta(days=8))
    send(client, tea_form, capture=django_capture_on_commit_callbacks, email="recent@example.com")

    deleted = forms_delete_unconfirmed()

    assert deleted == 1
    assert set(Customer.objects.values_list("email", flat=True)) == {
        "confirmed@example.com",
        "known@example.com",
        "staff-asked@example.com",
        "recent@example.com",
        "bought@example.com",
    }
    known.refresh_from_db()
    assert known.first_name == "Known"
    assert not FormSubmission.objects.filter(customer=known).exists()  # what was sent in their name is gone
    assert FormSubmission.objects.filter(email="confirmed@example.com").exists()  # the record of a consent stays
    assert FormSubmission.objects.filter(email="recent@example.com").exists()


def test_the_public_page_reads_a_fixed_number_of_rows(client, tea_form):
    TopicFactory.create_batch(2)
    url = form_url(tea_form, "fa")
    client.get(url)  # the day's counter row exists from here on

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    big = make_form(slug="big", channels=("email", "sms", "phone", "post"))
    TopicFactory.create_batch(20)
    with CaptureQueriesContext(connection) as large:
        assert client.get(form_url(big, "fa")).status_code == 200
    with CaptureQueriesContext(connection) as again:
        assert client.get(form_url(big, "fa")).status_code == 200

    # The form, its texts, its wordings, the topics, and the day's counter.
    assert len(small) == len(again) == 5
    # The first view of a form in a day also inserts its counter row (in a savepoint, should another process race).
    assert len(large) == len(small) + 3
    assert not TopicInterest.objects.exists() and not Consent.objects.exists()
