"""Orders start journeys, wake customers waiting for them, and are the goal that converts."""

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.journeys.engine import journeys_tick
from campaigns.journeys.enrol import journey_enrol
from campaigns.journeys.versions import journey_set_status, journey_steps_save
from campaigns.models import Enrolment, EnrolmentState, Journey, JourneyStatus, Reentry
from orders.services.orders import order_create
from tests.customers.factories import CustomerFactory, SegmentFactory
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db


def live(trigger, steps, **kwargs):
    journey = Journey.objects.create(name=f"J{Journey.objects.count()}", trigger=trigger, **kwargs)
    journey_steps_save(journey=journey, steps=steps)
    journey_set_status(journey=journey, status=JourneyStatus.LIVE)
    journey.refresh_from_db()
    return journey


WAIT = [{"key": "w", "kind": "wait", "params": {"days": 3}, "next": []}]


def test_an_order_placed_enrols_its_customer_after_commit_and_only_where_the_journey_is_live(
    django_capture_on_commit_callbacks,
):
    journey = live("order.created", WAIT, reentry=Reentry.ALWAYS)
    paused = live("order.created", WAIT)
    journey_set_status(journey=paused, status=JourneyStatus.PAUSED)
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        order_create(customer=customer)
    assert list(Enrolment.objects.values_list("journey_id", "customer_id")) == [(journey.pk, customer.pk)]
    with django_capture_on_commit_callbacks(execute=True):
        order_create(customer=customer)  # still inside: not a second time at once
    assert Enrolment.objects.count() == 1


def test_waiting_for_an_order_moves_on_at_once_when_it_comes_and_down_the_other_branch_when_time_runs_out(
    django_capture_on_commit_callbacks,
):
    bought, waited = SegmentFactory(name="Bought"), SegmentFactory(name="Gave up")
    journey = live(
        "manual",
        [
            {
                "key": "wait",
                "kind": "wait_event",
                "params": {"event": "order.created", "timeout_days": 2},
                "next": ["yes", "no"],
            },
            {"key": "yes", "kind": "action", "params": {"action": "segment_add", "segment": bought.pk}, "next": []},
            {"key": "no", "kind": "action", "params": {"action": "segment_add", "segment": waited.pk}, "next": []},
        ],
    )
    buyer, other = CustomerFactory(), CustomerFactory()
    journey_enrol(journey=journey, customers=[buyer.pk, other.pk])
    with django_capture_on_commit_callbacks(execute=True):
        order_create(customer=buyer)
    journeys_tick()
    assert list(bought.members.all()) == [buyer] and not waited.members.exists()
    journeys_tick(now=timezone.now() + dt.timedelta(days=2, minutes=1))
    assert list(waited.members.all()) == [other]


def test_ordering_is_the_goal_the_customer_leaves_converted():
    journey = live("manual", WAIT, goal="ordered")
    buyer, other = CustomerFactory(), CustomerFactory()
    journey_enrol(journey=journey, customers=[buyer.pk, other.pk])
    OrderFactory(customer=buyer, placed_at=timezone.now() + dt.timedelta(minutes=1))
    OrderFactory(customer=other, placed_at=timezone.now() - dt.timedelta(days=1))  # before entering: no
    journeys_tick(now=timezone.now() + dt.timedelta(minutes=2))
    assert dict(Enrolment.objects.values_list("customer_id", "state")) == {
        buyer.pk: EnrolmentState.CONVERTED,
        other.pk: EnrolmentState.WAITING,
    }


def test_n_days_without_an_order_enrols_lapsed_buyers_once_per_period():
    live("no_order_days", WAIT, trigger_params={"days": 30}, reentry=Reentry.PER_DAYS, reentry_days=60)
    lapsed, recent, never = CustomerFactory(), CustomerFactory(), CustomerFactory()
    OrderFactory(customer=lapsed, placed_at=timezone.now() - dt.timedelta(days=40))
    OrderFactory(customer=recent, placed_at=timezone.now() - dt.timedelta(days=3))
    journeys_tick()
    journeys_tick()
    assert list(Enrolment.objects.values_list("customer_id", flat=True)) == [lapsed.pk]
    assert never.pk not in Enrolment.objects.values_list("customer_id", flat=True)


def test_an_order_whose_process_died_after_commit_still_enrols_once_at_the_next_tick(
    django_capture_on_commit_callbacks,
):
    from campaigns.journeys.listeners import journeys_inbox_hear
    from campaigns.models import JourneyInbox

    journey = live("order.created", WAIT, reentry=Reentry.ALWAYS)
    customer = CustomerFactory()
    # The order commits; the process dies before its after-commit listeners run (they are never called).
    with django_capture_on_commit_callbacks(execute=False):
        order_create(customer=customer)
    assert not Enrolment.objects.exists()

    journeys_tick()
    journeys_tick()
    journeys_inbox_hear()

    assert list(Enrolment.objects.values_list("journey_id", "customer_id")) == [(journey.pk, customer.pk)]
    assert not JourneyInbox.objects.exists()


def test_a_rolled_back_order_enrols_nobody_even_later():
    from django.db import transaction

    from campaigns.models import JourneyInbox

    live("order.created", WAIT, reentry=Reentry.ALWAYS)
    customer = CustomerFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        order_create(customer=customer)
        raise RuntimeError("the payment page crashed")
    journeys_tick()
    assert not Enrolment.objects.exists() and not JourneyInbox.objects.exists()
