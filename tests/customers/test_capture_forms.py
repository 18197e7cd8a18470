"""Capture forms: shown in the visitor's language (right to left in Persian and Arabic), sent, confirmed by the link
of an e-mail, and only then consent given, with the wording read; links altered, reused or expired change nothing,
and an address a customer already has changes nothing of theirs before the confirmation."""

import time

import pytest
from django.core import mail, signing

from campaigns.models import TopicInterest
from customers.models import (
    AcquisitionSource,
    Consent,
    ConsentEvent,
    Customer,
    FormDaily,
    FormSubmission,
    LifecycleStage,
    Occasion,
    wording_version,
)
from tests.campaigns.factories import TopicFactory
from tests.customers.capture_forms import TITLES, WORDING, form_url, link_in, prepared_form, send
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

CONFIRM_BUTTON = {"en": "Confirm", "fa": "تأیید", "ar": "تأكيد"}


@pytest.fixture
def tea_form(db, settings):
    return prepared_form(settings)


@pytest.mark.parametrize("language", ["en", "fa", "ar"])
def test_the_whole_flow_in_the_visitors_language(client, tea_form, language, django_capture_on_commit_callbacks):
    topic = TopicFactory(name="Green tea", name_fa="چای سبز", name_ar="شاي أخضر")
    page = client.get(form_url(tea_form, language))
    html = page.content.decode()
    assert page.status_code == 200 and TITLES[language] in html and WORDING[language] in html
    assert (f'dir="{"ltr" if language == "en" else "rtl"}"') in html and f'lang="{language}"' in html
    assert topic.name_in(language) in html
    policy = page["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://shop.example.com" in policy and "X-Frame-Options" not in page

    sent = send(
        client,
        tea_form,
        language,
        capture=django_capture_on_commit_callbacks,
        city="Shiraz",
        birthday="1990-05-17",
        topics=[str(topic.pk)],
        consent_email="on",
    )

    assert (
        sent.status_code == 200
        and 'role="status"' in sent.content.decode()
        and TITLES[language] in sent.content.decode()
    )
    lead = Customer.objects.get(email="sara@example.com")
    assert lead.lifecycle_stage == LifecycleStage.ACQUISITION
    assert lead.acquisition_source == AcquisitionSource.FORM
    assert lead.preferred_language == language and lead.city == "Shiraz"
    assert not Consent.objects.filter(customer=lead).exists()  # nothing given before the link is followed
    assert not TopicInterest.objects.filter(customer=lead).exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sara@example.com"]
    message = mail.outbox[0]
    assert "Sara" in message.body and TITLES[language] in message.body
    link = link_in(message)

    shown = client.get(link)  # a mail scanner following the link presses no button
    assert shown.status_code == 200 and CONFIRM_BUTTON[language] in shown.content.decode()
    assert not Consent.objects.filter(customer=lead).exists()

    done = client.post(link, REMOTE_ADDR="203.0.113.9")
    assert done.status_code == 200 and f'lang="{language}"' in done.content.decode()
    consent = Consent.objects.get(customer=lead, channel="email")
    assert consent.granted
    event = ConsentEvent.objects.get(customer=lead, channel="email")
    assert event.source == "form" and wording_version(WORDING[language]) in event.note and "tea-club" in event.note
    submission = FormSubmission.objects.get(customer=lead)
    assert submission.confirmed_at is not None and submission.confirmed_ip == "203.0.113.9"
    assert submission.wordings["email"]["text"] == WORDING[language]
    assert TopicInterest.objects.filter(customer=lead, topic=topic).exists()
    assert Occasion.objects.filter(customer=lead, kind="birthday", month=5, day=17).exists()
    day = FormDaily.objects.get(form=tea_form)
    assert (day.views, day.submissions, day.confirmations) == (2, 1, 1)  # the second view: send() shows it again


def _one_link(client, tea_form, capture):
    send(client, tea_form, capture=capture, consent_email="on")
    return link_in(mail.outbox[-1])


def test_a_reused_link_confirms_once(client, tea_form, django_capture_on_commit_callbacks):
    link = _one_link(client, tea_form, django_capture_on_commit_callbacks)
    client.post(link)
    again = client.post(link)

    assert again.status_code == 200 and "confirmed already" in again.content.decode()
    assert ConsentEvent.objects.count() == 1
    assert FormDaily.objects.get(form=tea_form).confirmations == 1


def test_a_forged_or_altered_link_changes_nothing(client, tea_form, django_capture_on_commit_callbacks):
    link = _one_link(client, tea_form, django_capture_on_commit_callbacks)
    submission = FormSubmission.objects.get()
    forged = signing.dumps({"s": submission.pk, "n": "0" * 32}, salt="customers.forms.confirm")
    altered = link.replace(link.rstrip("/").rsplit(":", 1)[-1], "AAAA" + link.rstrip("/").rsplit(":", 1)[-1][4:])
    other_salt = signing.dumps({"s": submission.pk, "n": submission.nonce}, salt="campaigns.preferences")

    for bad in (f"/f/confirm/{forged}/", altered, f"/f/confirm/{other_salt}/", "/f/confirm/made-up/"):
        response = client.post(bad)
        assert response.status_code == 400 and "not valid" in response.content.decode()
    assert not Consent.objects.exists()
    assert FormSubmission.objects.get().confirmed_at is None


def test_an_expired_link_says_so_and_changes_nothing(
    client, tea_form, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.FORMS_UNCONFIRMED_DAYS = 7
    eight_days_ago = time.time() - 8 * 86400
    monkeypatch.setattr(signing.time, "time", lambda: eight_days_ago)
    link = _one_link(client, tea_form, django_capture_on_commit_callbacks)
    monkeypatch.undo()

    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 400 and "expired" in response.content.decode()
    assert not Consent.objects.exists()


def test_an_existing_customers_record_is_untouched_until_they_confirm(
    client, tea_form, django_capture_on_commit_callbacks
):
    topic = TopicFactory()
    customer = CustomerFactory(
        first_name="Maryam", last_name="Karimi", email="maryam@example.com", city="Tehran", preferred_language="fa"
    )
    before = Customer.objects.filter(pk=customer.pk).values().get()

    send(
        client,
        tea_form,
        "en",
        capture=django_capture_on_commit_callbacks,
        first_name="Mallory",
        email="MARYAM@example.com",
        last_name="Attacker",
        city="Elsewhere",
        birthday="1980-01-02",
        topics=[str(topic.pk)],
        consent_email="on",
    )

    assert Customer.objects.filter(pk=customer.pk).values().get() == before
    assert Customer.objects.count() == 1  # no second record for the same address either
    assert not Occasion.objects.exists() and not TopicInterest.objects.exists() and not Consent.objects.exists()
    submission = FormSubmission.objects.get()
    assert submission.customer == customer and not submission.lead_created
    assert [m.to for m in mail.outbox] == [["maryam@example.com"]]  # the customer's own mailbox decides

    client.post(link_in(mail.outbox[0]))

    customer.refresh_from_db()
    assert (customer.first_name, customer.last_name, customer.city) == ("Mallory", "Attacker", "Elsewhere")
    assert customer.preferred_language == "en"
    assert Consent.objects.get(customer=customer).granted
    assert TopicInterest.objects.filter(customer=customer, topic=topic).exists()


def test_without_double_opt_in_a_new_address_is_signed_up_at_once_but_a_known_one_still_confirms(
    client, tea_form, django_capture_on_commit_callbacks
):
    tea_form.double_opt_in = False
    tea_form.save()
    CustomerFactory(email="known@example.com", first_name="Known")

    send(client, tea_form, capture=django_capture_on_commit_callbacks, consent_email="on")
    send(client, tea_form, capture=django_capture_on_commit_callbacks, email="known@example.com", consent_email="on")

    assert Consent.objects.get(customer__email="sara@example.com").granted
    assert not Consent.objects.filter(customer__email="known@example.com").exists()
    assert [m.to for m in mail.outbox] == [["known@example.com"]]
    assert Customer.objects.get(email="known@example.com").first_name == "Known"


def test_a_confirmed_submission_enters_the_journeys_that_wait_for_its_form(
    client, tea_form, django_capture_on_commit_callbacks
):
    from campaigns.journeys.versions import journey_set_status, journey_steps_save
    from campaigns.models import Enrolment, Journey, JourneyStatus

    def journey_for(form):
        journey = Journey.objects.create(name=f"After {form}", trigger="form_submitted", trigger_params={"form": form})
        journey_steps_save(journey=journey, steps=[{"key": "w", "kind": "wait", "params": {"days": 1}, "next": []}])
        journey_set_status(journey=journey, status=JourneyStatus.LIVE)
        return journey

    tea, other = journey_for("tea-club"), journey_for("another-form")
    link = _one_link(client, tea_form, django_capture_on_commit_callbacks)
    assert not Enrolment.objects.exists()  # a submission not yet confirmed enters nothing

    with django_capture_on_commit_callbacks(execute=True):
        client.post(link)

    enrolment = Enrolment.objects.get()
    assert (enrolment.version.journey_id, enrolment.customer.email) == (tea.pk, "sara@example.com")
    assert not Enrolment.objects.filter(version__journey=other).exists()
