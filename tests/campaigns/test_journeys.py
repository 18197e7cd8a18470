"""Journeys: customers enter on a trigger, walk the steps set-based, get each step's e-mail once, leave on the goal."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from campaigns.journeys.engine import journeys_tick
from campaigns.journeys.enrol import journey_enrol
from campaigns.journeys.sending import journey_messages_send
from campaigns.journeys.versions import journey_set_status, journey_steps_save
from campaigns.models import (
    Enrolment,
    EnrolmentState,
    Journey,
    JourneyMessage,
    JourneyPassage,
    JourneyStatus,
    MessageStatus,
    Reentry,
    TouchKind,
)
from tests.campaigns.factories import CampaignFactory, CreativeFactory, TouchFactory
from tests.customers.factories import ConsentFactory, CustomerFactory, SegmentFactory

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 5, 17, 12, tzinfo=dt.UTC)


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def settings_quiet(settings):
    settings.CAMPAIGNS_QUIET_HOURS_START = "21:00"
    settings.CAMPAIGNS_QUIET_HOURS_END = "08:00"
    return settings


def email_campaign(name="Welcome"):
    campaign = CampaignFactory(name=name)
    CreativeFactory(campaign=campaign, subject=f"{name} {{{{ customer.first_name }}}}", html_body="<p>Hello</p>")
    return campaign


def live_journey(steps, *, trigger="manual", reentry=Reentry.ONCE, goal="", goal_params=None, **params):
    journey = Journey.objects.create(
        name=f"J{Journey.objects.count()}",
        trigger=trigger,
        trigger_params=params,
        reentry=reentry,
        goal=goal,
        goal_params=goal_params or {},
    )
    journey_steps_save(journey=journey, steps=steps)
    journey_set_status(journey=journey, status=JourneyStatus.LIVE)
    journey.refresh_from_db()
    return journey


def consenting(**kwargs):
    customer = CustomerFactory(**kwargs)
    ConsentFactory(customer=customer)
    return customer


def one_mail(campaign):
    return [{"key": "hello", "kind": "email", "params": {"campaign": campaign.pk}, "next": []}]


def two_mails(first, second):
    return [
        {"key": "hello", "kind": "email", "params": {"campaign": first.pk}, "next": ["pause"]},
        {"key": "pause", "kind": "wait", "params": {"days": 2}, "next": ["opened"]},
        {"key": "opened", "kind": "condition", "params": {"condition": "opened"}, "next": ["", "nudge"]},
        {"key": "nudge", "kind": "email", "params": {"campaign": second.pk}, "next": []},
    ]


@pytest.mark.django_db(transaction=True)
def test_a_customer_walks_the_steps_gets_each_e_mail_once_and_the_branch_follows_what_they_did(smtp_server):
    first, second = email_campaign("Welcome"), email_campaign("Reminder")
    journey = live_journey(two_mails(first, second))
    reader, sleeper = consenting(time_zone="UTC"), consenting(time_zone="UTC")

    assert journey_enrol(journey=journey, customers=[reader.pk, sleeper.pk], now=NOON) == 2
    for _ in range(3):  # ticks repeated, as beat runs them, change nothing twice
        journeys_tick(now=NOON)
    journey_messages_send()
    assert smtp_server.count_by_recipient() == {reader.email: 1, sleeper.email: 1}

    TouchFactory(customer=reader, campaign=first, kind=TouchKind.EMAIL_OPEN, step="attention", occurred_at=NOON)
    journeys_tick(now=NOON + dt.timedelta(days=1))  # still waiting
    assert Enrolment.objects.filter(state=EnrolmentState.WAITING).count() == 2
    for _ in range(2):
        journeys_tick(now=NOON + dt.timedelta(days=2, minutes=1))
    journey_messages_send()

    # The one who opened the welcome is done; the other got the reminder, once.
    assert smtp_server.count_by_recipient() == {reader.email: 1, sleeper.email: 2}
    assert set(Enrolment.objects.values_list("state", flat=True)) == {EnrolmentState.DONE}
    steps_of = {
        e.customer_id: set(JourneyPassage.objects.filter(enrolment=e).values_list("step__key", flat=True))
        for e in Enrolment.objects.all()
    }
    assert steps_of == {reader.pk: {"hello", "pause", "opened"}, sleeper.pk: {"hello", "pause", "opened", "nudge"}}


@pytest.mark.django_db(transaction=True)
def test_no_consent_or_suppressed_gets_no_e_mail_but_still_moves_on(smtp_server):
    journey = live_journey(one_mail(email_campaign("A")))
    silent = CustomerFactory()
    suppressed = consenting(suppressed=True)
    fine = consenting()
    journey_enrol(journey=journey, customers=[silent.pk, suppressed.pk, fine.pk], now=NOON)
    journeys_tick(now=NOON)
    journey_messages_send()
    assert smtp_server.count_by_recipient() == {fine.email: 1}
    assert Enrolment.objects.filter(state=EnrolmentState.DONE).count() == 3


def test_quiet_hours_hold_an_e_mail_until_the_customer_s_morning(settings_quiet, smtp_server):
    journey = live_journey(one_mail(email_campaign()))
    tehran = consenting(time_zone="Asia/Tehran")  # UTC+3:30: 23:30 at 20:00 UTC
    journey_enrol(journey=journey, customers=[tehran.pk], now=utc(2026, 5, 17, 20))
    journeys_tick(now=utc(2026, 5, 17, 20))
    assert not JourneyMessage.objects.exists()
    journeys_tick(now=utc(2026, 5, 18, 4, 29))  # 07:59 in Tehran
    assert not JourneyMessage.objects.exists()
    journeys_tick(now=utc(2026, 5, 18, 4, 31))
    assert JourneyMessage.objects.get().status == MessageStatus.QUEUED


def test_wait_until_a_time_of_day_is_the_customer_s_own_clock():
    steps = [
        {"key": "ten", "kind": "wait_until", "params": {"time": "10:00"}, "next": ["tag"]},
        {"key": "tag", "kind": "action", "params": {"action": "flag_set", "field": "at_risk"}, "next": []},
    ]
    journey = live_journey(steps)
    tehran, london = CustomerFactory(time_zone="Asia/Tehran"), CustomerFactory(time_zone="Europe/London")
    journey_enrol(journey=journey, customers=[tehran.pk, london.pk], now=utc(2026, 5, 17, 5))
    journeys_tick(now=utc(2026, 5, 17, 6, 31))  # 10:01 in Tehran, 07:31 in London
    tehran.refresh_from_db(), london.refresh_from_db()
    assert (tehran.at_risk, london.at_risk) == (True, False)
    journeys_tick(now=utc(2026, 5, 17, 9, 1))  # 10:01 in London (summer time)
    london.refresh_from_db()
    assert london.at_risk


def test_re_entry_rules():
    steps = [{"key": "w", "kind": "wait", "params": {"days": 1}, "next": []}]
    once = live_journey(steps)
    monthly = live_journey(steps, reentry=Reentry.PER_DAYS)
    always = live_journey(steps, reentry=Reentry.ALWAYS)
    customer = CustomerFactory()
    for journey in (once, monthly, always):
        assert journey_enrol(journey=journey, customers=[customer.pk], now=NOON) == 1
        assert journey_enrol(journey=journey, customers=[customer.pk], now=NOON) == 0  # inside already
    journeys_tick(now=NOON + dt.timedelta(days=2))  # all three finished
    later = NOON + dt.timedelta(days=3)
    assert journey_enrol(journey=once, customers=[customer.pk], now=later) == 0
    assert journey_enrol(journey=monthly, customers=[customer.pk], now=later) == 0
    assert journey_enrol(journey=always, customers=[customer.pk], now=later) == 1
    assert journey_enrol(journey=monthly, customers=[customer.pk], now=NOON + dt.timedelta(days=31)) == 1


def test_editing_a_live_journey_makes_a_new_version_and_those_inside_stay_on_theirs():
    steps = [{"key": "w", "kind": "wait", "params": {"days": 1}, "next": []}]
    journey = live_journey(steps)
    early = CustomerFactory()
    journey_enrol(journey=journey, customers=[early.pk], now=NOON)
    journey_steps_save(journey=journey, steps=[{"key": "w2", "kind": "wait", "params": {"days": 5}, "next": []}])
    late = CustomerFactory()
    journey_enrol(journey=journey, customers=[late.pk], now=NOON)
    versions = dict(Enrolment.objects.values_list("customer_id", "version__number"))
    assert versions == {early.pk: 1, late.pk: 2}
    journeys_tick(now=NOON + dt.timedelta(days=2))
    assert dict(Enrolment.objects.values_list("customer_id", "state")) == {
        early.pk: EnrolmentState.DONE,
        late.pk: EnrolmentState.WAITING,
    }


def test_a_random_split_shares_customers_as_told_and_always_the_same_way():
    segment_a, segment_b = SegmentFactory(name="A"), SegmentFactory(name="B")
    steps = [
        {"key": "split", "kind": "split", "params": {"shares": [30, 70]}, "next": ["a", "b"]},
        {"key": "a", "kind": "action", "params": {"action": "segment_add", "segment": segment_a.pk}, "next": []},
        {"key": "b", "kind": "action", "params": {"action": "segment_add", "segment": segment_b.pk}, "next": []},
    ]
    journey = live_journey(steps)
    customers = CustomerFactory.create_batch(200)
    journey_enrol(journey=journey, customers=[c.pk for c in customers], now=NOON)
    journeys_tick(now=NOON)
    in_a, in_b = segment_a.members.count(), segment_b.members.count()
    assert in_a + in_b == 200 and not set(segment_a.members.all()) & set(segment_b.members.all())
    assert 40 <= in_a <= 80


def test_the_goal_converts_and_the_customer_leaves():
    steps = [{"key": "w", "kind": "wait", "params": {"days": 7}, "next": []}]
    segment = SegmentFactory()
    journey = live_journey(steps, goal="in_segment", goal_params={"segment": segment.pk})
    customer, other = CustomerFactory(), CustomerFactory()
    journey_enrol(journey=journey, customers=[customer.pk, other.pk], now=NOON)
    segment.members.add(customer)
    journeys_tick(now=NOON + dt.timedelta(minutes=1))
    assert dict(Enrolment.objects.values_list("customer_id", "state")) == {
        customer.pk: EnrolmentState.CONVERTED,
        other.pk: EnrolmentState.WAITING,
    }


def test_steps_that_go_round_in_a_circle_or_lead_nowhere_are_refused():
    journey = Journey.objects.create(name="Bad", trigger="manual")
    with pytest.raises(ValidationError):
        journey_steps_save(
            journey=journey,
            steps=[
                {"key": "a", "kind": "wait", "params": {"days": 1}, "next": ["b"]},
                {"key": "b", "kind": "wait", "params": {"days": 1}, "next": ["a"]},
            ],
        )
    with pytest.raises(ValidationError):
        journey_steps_save(journey=journey, steps=[{"key": "a", "kind": "wait", "next": ["nowhere"]}])
    with pytest.raises(ValidationError):
        journey_set_status(journey=journey, status=JourneyStatus.LIVE)  # no steps


def test_leaving_a_segment_by_its_rules_or_by_hand_enrols_who_left():
    from customers.models import Customer
    from customers.services.segments import segment_members_add, segment_members_remove

    segment = SegmentFactory()
    stay, go = CustomerFactory(), CustomerFactory()
    segment_members_add(segment=segment, customer_ids=Customer.objects.filter(pk__in=[stay.pk, go.pk]).values("pk"))
    steps = [{"key": "w", "kind": "wait", "params": {"days": 1}, "next": []}]
    live_journey(steps, trigger="segment_left", segment=segment.pk)
    journeys_tick()  # the mark: nobody has left yet
    segment_members_remove(segment=segment, customer_ids=[go.pk])
    journeys_tick()
    journeys_tick()
    assert list(Enrolment.objects.values_list("customer_id", flat=True)) == [go.pk]


def test_an_sms_step_queues_one_sms_per_customer_however_often_it_is_reached():
    from campaigns.models import SmsMessage, SmsOrigin

    steps = [
        {"key": "text", "kind": "action", "params": {"action": "sms", "text": "سلام! کد تخفیف شما: YALDA"}, "next": []}
    ]
    journey = live_journey(steps)
    first, second = CustomerFactory(phone="+989121234567"), CustomerFactory(phone="+989127654321")
    unasked = CustomerFactory(phone="+989120000000")  # no SMS consent: moves on without a message
    for customer in (first, second):
        ConsentFactory(customer=customer, channel="sms")
    journey_enrol(journey=journey, customers=[first.pk, second.pk, unasked.pk], now=NOON)

    journeys_tick(now=NOON + dt.timedelta(minutes=1))
    journeys_tick(now=NOON + dt.timedelta(minutes=2))

    sent = SmsMessage.objects.order_by("customer_id")
    assert [(m.customer_id, m.origin, m.text) for m in sent] == [
        (first.pk, SmsOrigin.SINGLE, "سلام! کد تخفیف شما: YALDA"),
        (second.pk, SmsOrigin.SINGLE, "سلام! کد تخفیف شما: YALDA"),
    ]
    assert set(Enrolment.objects.values_list("state", flat=True)) == {EnrolmentState.DONE}


def test_an_sms_step_speaks_to_each_customer_by_name():
    from campaigns.models import SmsMessage

    steps = [
        {
            "key": "text",
            "kind": "action",
            "params": {"action": "sms", "text": "{{ customer.first_name }} عزیز، کد تخفیف شما: YALDA"},
            "next": [],
        }
    ]
    journey = live_journey(steps)
    sara = CustomerFactory(first_name="سارا", phone="+989121234567")
    ali = CustomerFactory(first_name="Ali", phone="+989127654321")
    for customer in (sara, ali):
        ConsentFactory(customer=customer, channel="sms")
    journey_enrol(journey=journey, customers=[sara.pk, ali.pk], now=NOON)

    journeys_tick(now=NOON + dt.timedelta(minutes=1))

    texts = dict(SmsMessage.objects.values_list("customer_id", "text"))
    assert texts == {sara.pk: "سارا عزیز، کد تخفیف شما: YALDA", ali.pk: "Ali عزیز، کد تخفیف شما: YALDA"}


def test_an_sms_step_whose_text_does_not_parse_is_refused_with_the_reason():
    from django.core.exceptions import ValidationError

    text = "Hi {{ customer.first_name|shout }}"  # no such filter
    steps = [{"key": "text", "kind": "action", "params": {"action": "sms", "text": text}, "next": []}]
    with pytest.raises(ValidationError, match="does not parse"):
        live_journey(steps)
