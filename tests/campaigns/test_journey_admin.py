"""The journey page: the graph with its counts (in English and right-to-left), the status buttons, manual
enrolment, and the ready-made journeys installed from the admin."""

import pytest
from django.urls import reverse
from django.utils import translation

from campaigns.journeys.engine import journeys_tick
from campaigns.journeys.enrol import journey_enrol
from campaigns.journeys.versions import journey_set_status, journey_steps_save
from campaigns.models import Enrolment, Journey, JourneyStatus, JourneyStatusChange
from tests.customers.factories import CustomerFactory, SegmentFactory

pytestmark = pytest.mark.django_db

STEPS = [
    {"key": "hold", "kind": "wait", "label": "Hold on", "params": {"days": 2}, "next": ["check"]},
    {"key": "check", "kind": "condition", "params": {"condition": "consent"}, "next": ["", "tag"]},
    {"key": "tag", "kind": "action", "params": {"action": "flag_set", "field": "at_risk"}, "next": []},
]


@pytest.fixture
def journey():
    journey = Journey.objects.create(name="Welcome <b>now</b>", trigger="manual")
    journey_steps_save(journey=journey, steps=STEPS)
    journey_set_status(journey=journey, status=JourneyStatus.LIVE)
    journey.refresh_from_db()
    return journey


def page(client, journey, language="en"):
    url = reverse("admin:campaigns_journey_change", args=[journey.pk])
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_the_graph_shows_each_step_with_how_many_are_there_and_escapes_what_people_typed(admin_client, journey):
    journey_enrol(journey=journey, customers=[c.pk for c in CustomerFactory.create_batch(3)])
    html = page(admin_client, journey)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="journey-graph"' in html
    assert html.count('class="journey-step"') == 3
    assert "entered 3 · waiting 3" in html  # everyone waits at the first step
    assert "<b>now</b>" not in html and "Welcome &lt;b&gt;now&lt;/b&gt;" in html
    assert "<script" not in html.split("journey-graph", 1)[1].split("</svg>", 1)[0]


def test_the_graph_reads_right_to_left_with_persian_digits(admin_client, journey):
    journey_enrol(journey=journey, customers=[c.pk for c in CustomerFactory.create_batch(12)])
    with translation.override("fa"):
        html = page(admin_client, journey, "fa")
    svg = html.split('class="journey-graph"', 1)[1].split("</svg>", 1)[0]
    assert 'direction="rtl"' in svg
    assert "۱۲" in svg  # 12 in Persian digits


def test_status_buttons_pause_and_log_the_move(admin_client, journey):
    url = reverse("admin:campaigns_journey_move", args=[journey.pk, JourneyStatus.PAUSED])
    admin_client.post(url)
    journey.refresh_from_db()
    assert journey.status == JourneyStatus.PAUSED
    moves = list(JourneyStatusChange.objects.order_by("id").values_list("from_status", "to_status"))
    assert moves == [(JourneyStatus.DRAFT, JourneyStatus.LIVE), (JourneyStatus.LIVE, JourneyStatus.PAUSED)]
    customer = CustomerFactory()
    journey_set_status(journey=journey, status=JourneyStatus.LIVE)
    journey_enrol(journey=journey, customers=[customer.pk])
    journey_set_status(journey=journey, status=JourneyStatus.PAUSED)
    journeys_tick()
    assert Enrolment.objects.get().step.key == "hold"


def test_manual_enrolment_from_the_journey_page(admin_client, journey):
    segment = SegmentFactory()
    members = CustomerFactory.create_batch(2)
    segment.members.add(*members)
    typed = CustomerFactory(email="typed@example.com")
    url = reverse("admin:campaigns_journey_change", args=[journey.pk])
    response = admin_client.post(
        url,
        {
            "name": journey.name,
            "trigger": "manual",
            "trigger_params": "{}",
            "reentry": "once",
            "reentry_days": "30",
            "goal": "",
            "goal_params": "{}",
            "steps": "",
            "enrol_segment": segment.pk,
            "enrol_customers": "TYPED@example.com\n",
            **{
                f"{inline}-{field}": 0
                for inline in ("versions", "status_changes")
                for field in ("TOTAL_FORMS", "INITIAL_FORMS")
            },
        },
    )
    assert response.status_code == 302
    assert set(Enrolment.objects.values_list("customer_id", flat=True)) == {m.pk for m in members} | {typed.pk}


def test_saving_steps_that_go_nowhere_shows_the_error_and_saves_nothing(admin_client, journey):
    url = reverse("admin:campaigns_journey_change", args=[journey.pk])
    response = admin_client.post(
        url,
        {
            "name": journey.name,
            "trigger": "manual",
            "trigger_params": "{}",
            "reentry": "once",
            "reentry_days": "30",
            "goal_params": "{}",
            "steps": '[{"key": "a", "kind": "wait", "next": ["nowhere"]}]',
        },
    )
    assert response.status_code == 200
    assert "which is not a step" in response.content.decode()
    assert journey.versions.count() == 1


def test_ready_made_journeys_are_installed_once_as_drafts(admin_client):
    url = reverse("admin:campaigns_journey_ready_made")
    assert "Abandoned cart" in admin_client.get(url).content.decode()
    response = admin_client.post(url, {"code": "abandoned_cart"})
    journey = Journey.objects.get()
    assert response.url == reverse("admin:campaigns_journey_change", args=[journey.pk])
    assert journey.status == JourneyStatus.DRAFT and journey.versions.get().steps.count() == 4
    admin_client.post(url, {"code": "abandoned_cart"})
    assert Journey.objects.count() == 1
    assert "installed" in admin_client.get(url).content.decode()
