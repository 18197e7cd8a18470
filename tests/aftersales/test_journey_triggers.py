"""After-sales starts the "unhappy customer" recovery: a low survey score enrols, a ticket is opened for the staff."""

import pytest

from aftersales.models import Ticket
from aftersales.services.feedback import survey_response_create
from campaigns.journeys.engine import journeys_tick
from campaigns.journeys.versions import journey_set_status, journey_steps_save
from campaigns.models import Enrolment, Journey, JourneyStatus
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_low_score_enrols_the_customer_and_a_ticket_is_opened_for_the_staff(django_capture_on_commit_callbacks):
    journey = Journey.objects.create(name="Recovery", trigger="survey.answered", trigger_params={"csat_at_most": 2})
    journey_steps_save(
        journey=journey,
        steps=[{"key": "call", "kind": "action", "params": {"action": "ticket_open", "subject": "Call"}, "next": []}],
    )
    journey_set_status(journey=journey, status=JourneyStatus.LIVE)
    unhappy, happy = CustomerFactory(), CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        survey_response_create(customer=unhappy, csat=1)
        survey_response_create(customer=happy, csat=5)
    assert list(Enrolment.objects.values_list("customer_id", flat=True)) == [unhappy.pk]
    journeys_tick()
    journeys_tick()
    assert list(Ticket.objects.values_list("customer_id", "subject")) == [(unhappy.pk, "Call")]
