"""The plan's money on the dashboard is guarded as the budget lines are: a marketer who may not open the budget
lines can neither see nor download it, nor read their sum among the figures; a manager can."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cycle.models import PlanStatus
from tests.cycle.factories import BudgetLineFactory, MarketingPlanFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    plan = MarketingPlanFactory(status=PlanStatus.ACTIVE)
    BudgetLineFactory(plan=plan, amount=Decimal("987654"))
    return plan


def _member(client, group, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return client


def test_a_marketer_cannot_download_the_plan_money(client, plan):
    marketer = _member(client, "Marketers", "maryam")
    assert marketer.get(reverse("admin:cycle_budgetline_changelist")).status_code == 403
    response = marketer.get(reverse("dashboards:plan"), {"download": "money"})
    assert response.status_code == 403
    assert b"987" not in response.content
    page = marketer.get(reverse("dashboards:plan")).content.decode()
    assert "download=money" not in page and 'id="table-money"' not in page
    assert "Budget planned" not in page and "987" not in page
    # what is not money still downloads
    assert marketer.get(reverse("dashboards:plan"), {"download": "people"}).status_code == 200


def test_a_manager_downloads_the_plan_money_after_a_marketer_viewed_the_page(client, plan):
    _member(client, "Marketers", "maryam").get(reverse("dashboards:plan"))  # a page cached for a marketer
    manager = _member(client, "Managers", "mina")
    page = manager.get(reverse("dashboards:plan")).content.decode()
    assert 'id="table-money"' in page
    assert "Budget planned" in page
    response = manager.get(reverse("dashboards:plan"), {"download": "money"})
    assert response.status_code == 200
    assert "987654" in response.content.decode("utf-8-sig")
