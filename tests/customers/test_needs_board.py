"""The needs board: needs by segment and product, where they were heard, their trend, and what to do next."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from customers.models import Need, NeedMention, NeedStatus, SegmentMembership
from customers.services import need_set_status
from cycle.services.need_objectives import need_turn_into_objective
from tests.customers.factories import CustomerFactory, NeedFactory, SegmentFactory
from tests.cycle.factories import MarketingPlanFactory
from tests.orders.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _mention(need, n, *, days_ago, source="survey", customer=None):
    now = timezone.now()
    start = NeedMention.objects.count() + 1
    for i in range(n):
        NeedMention.objects.create(
            need=need,
            customer=customer,
            source=source,
            source_id=start + i,
            heard_at=now - dt.timedelta(days=days_ago),
            excerpt="Late again",
        )


def test_board_shows_trend_and_sources(admin_client):
    need = NeedFactory(title="Faster delivery", product=ProductFactory(name="Saffron"))
    _mention(need, 3, days_ago=5)
    _mention(need, 1, days_ago=10, source="ticket")
    _mention(need, 1, days_ago=45)
    response = admin_client.get(reverse("admin:customers_need_changelist"))
    assert response.status_code == 200
    row = response.context["cl"].result_list[0]
    assert (row.recent, row.previous) == (4, 1)
    html = response.content.decode()
    assert "▲ +3" in html
    assert "Satisfaction survey: 4" in html and "Contact line ticket: 1" in html


def test_board_filters_needs_heard_in_a_segment(admin_client):
    segment = SegmentFactory()
    member = CustomerFactory()
    SegmentMembership.objects.create(segment=segment, customer=member)
    heard_in_segment = NeedFactory(category="delivery")
    elsewhere = NeedFactory(category="price")
    _mention(heard_in_segment, 1, days_ago=1, customer=member)
    _mention(elsewhere, 1, days_ago=1, customer=CustomerFactory())
    response = admin_client.get(reverse("admin:customers_need_changelist"), {"heard_in_segment": segment.pk})
    assert [n.pk for n in response.context["cl"].result_list] == [heard_in_segment.pk]


def test_accept_and_close_from_the_board(admin_client):
    need = NeedFactory()
    url = reverse("admin:customers_need_changelist")
    admin_client.post(url, {"action": "accept", "_selected_action": [need.pk]})
    need.refresh_from_db()
    assert need.status == NeedStatus.ACCEPTED
    admin_client.post(url, {"action": "close", "_selected_action": [need.pk]})
    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED


def test_a_planned_need_cannot_be_accepted_again():
    need = NeedFactory(status=NeedStatus.PLANNED)
    with pytest.raises(ValidationError):
        need_set_status(need=need, status=NeedStatus.ACCEPTED)


def test_turn_a_need_into_an_objective_from_the_board(admin_client):
    plan = MarketingPlanFactory()
    need = NeedFactory(title="Deliver on time")
    _mention(need, 2, days_ago=3)
    Need.objects.filter(pk=need.pk).update(mention_count=2)
    url = reverse("admin:customers_need_changelist")
    page = admin_client.post(url, {"action": "turn_into_objective", "_selected_action": [need.pk]})
    assert page.status_code == 200
    assert "Create the objectives" in page.content.decode()
    response = admin_client.post(
        url,
        {
            "action": "turn_into_objective",
            "_selected_action": [need.pk],
            "apply": "1",
            "plan": plan.pk,
            "kpi": "on_time_delivery",
            "target": "95",
        },
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == NeedStatus.PLANNED
    objective = need.objective
    assert (objective.plan, objective.title, objective.kpi, objective.target) == (
        plan,
        "Deliver on time",
        "on_time_delivery",
        Decimal("95.00"),
    )
    assert "2 times" in objective.motivation


def test_a_need_becomes_an_objective_only_once():
    plan = MarketingPlanFactory()
    need = NeedFactory()
    need_turn_into_objective(need=need, plan=plan, kpi="csat", target=Decimal("4.5"))
    with pytest.raises(ValidationError):
        need_turn_into_objective(need=need, plan=plan, kpi="csat", target=Decimal("4.5"))
    assert plan.objectives.count() == 1
