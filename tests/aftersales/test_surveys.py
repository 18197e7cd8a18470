import datetime as dt
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from aftersales import services
from aftersales.models import SurveyInvitation, SurveyResponse
from aftersales.services.surveys import survey_invitation_from_token, survey_token
from aftersales.tasks import send_survey_invitations
from orders import services as orders
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.SURVEY_DELAY_DAYS = 3
    settings.PUBLIC_FORM_RATE_LIMIT = 20
    cache.clear()


def delivered_order(days_ago, **customer):
    order = OrderLineFactory(order__customer=CustomerFactory(**customer)).order
    orders.order_confirm(order=order)
    orders.order_ship(order=order)
    orders.order_deliver(order=order)
    order.status_changes.filter(to_status="delivered").update(changed_at=timezone.now() - dt.timedelta(days=days_ago))
    return order


def test_a_survey_link_goes_out_days_after_delivery_once_per_order():
    due = delivered_order(4, persian=True)
    delivered_order(1)  # too recent
    result = send_survey_invitations.delay().get()
    assert result == {"created": 1, "sent": 1}
    invitation = SurveyInvitation.objects.get()
    assert invitation.order == due and invitation.sent_at
    assert mail.outbox[0].to == [due.customer.email]
    token = re.search(r"/survey/([^/\s]+)/", mail.outbox[0].body).group(1)
    assert survey_invitation_from_token(token) == invitation
    assert send_survey_invitations.delay().get() == {"created": 0, "sent": 0}
    assert len(mail.outbox) == 1


def test_the_delay_is_a_setting(settings):
    settings.SURVEY_DELAY_DAYS = 0
    delivered_order(0)
    assert services.survey_invitations_create(now=timezone.now() + dt.timedelta(seconds=1)) == 1


def test_suppressed_customers_are_not_emailed():
    delivered_order(5, suppressed=True)
    assert send_survey_invitations.delay().get() == {"created": 1, "sent": 0}
    assert not mail.outbox


def invitation_for(order=None):
    return services.survey_invitation_create(order=order or delivered_order(4))


def test_the_survey_page_records_the_answer_with_persian_and_arabic_digits(client):
    invitation = invitation_for()
    url = reverse("aftersales:survey", args=[survey_token(invitation)])
    assert client.get(url).status_code == 200
    answer = {"csat": "۲", "nps": "٣", "comment": "ارسال خیلی دیر بود", "product_opinion": "خوب"}
    response = client.post(url, answer)
    assert response.status_code == 200
    assert "survey_thanks" in response.templates[0].name
    stored = SurveyResponse.objects.get()
    assert (stored.csat, stored.nps, stored.comment) == (2, 3, "ارسال خیلی دیر بود")
    assert stored.order == invitation.order and stored.product == invitation.order.lines.get().product
    invitation.refresh_from_db()
    assert invitation.response == stored and invitation.answered_at


def test_a_second_use_of_the_link_shows_already_answered_and_keeps_the_first(client):
    invitation = invitation_for()
    url = reverse("aftersales:survey", args=[survey_token(invitation)])
    client.post(url, {"csat": "5", "nps": "10"})
    response = client.post(url, {"csat": "1", "nps": "0", "comment": "changed my mind"})
    assert response.status_code == 200
    assert "Already answered" in response.content.decode()
    assert client.get(url).status_code == 200
    stored = SurveyResponse.objects.get()
    assert (stored.csat, stored.nps, stored.comment) == (5, 10, "")


def test_out_of_range_answers_are_refused_with_a_message(client):
    url = reverse("aftersales:survey", args=[survey_token(invitation_for())])
    response = client.post(url, {"csat": "6", "nps": "۱۱"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"csat", "nps"}
    assert not SurveyResponse.objects.exists()


def test_a_forged_link_is_refused(client):
    invitation = invitation_for()
    token = survey_token(invitation)
    assert client.get(reverse("aftersales:survey", args=[token + "x"])).status_code == 404
    forged = f"{invitation.pk + 1}:{token.split(':', 1)[1]}"
    assert client.post(reverse("aftersales:survey", args=[forged]), {"csat": "1", "nps": "0"}).status_code == 404
    assert not SurveyResponse.objects.exists()


def test_an_expired_link_is_refused(client, settings):
    url = reverse("aftersales:survey", args=[survey_token(invitation_for())])
    settings.SURVEY_LINK_MAX_AGE_DAYS = -1
    assert client.get(url).status_code == 404


def test_an_invitation_a_killed_worker_was_handing_over_is_not_sent_again_and_is_failed_with_the_reason(settings):
    from campaigns.models import MessageStatus

    settings.CAMPAIGNS_SEND_CLAIM_TIMEOUT = 60
    in_flight = invitation_for()
    # What a worker killed while handing the e-mail to the server leaves behind: the mark, no answer.
    SurveyInvitation.objects.filter(pk=in_flight.pk).update(
        status=MessageStatus.DELIVERING, claim="dead-worker", claimed_at=timezone.now() - dt.timedelta(minutes=5)
    )

    assert send_survey_invitations.delay().get() == {"created": 0, "sent": 0}

    assert not mail.outbox
    in_flight.refresh_from_db()
    assert in_flight.status == MessageStatus.FAILED
    assert "may have arrived" in in_flight.error
    assert in_flight.sent_at is None
