"""Marketers and Managers: what each group may open, from the groups the migration creates."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.cycle.factories import BudgetLineFactory, MarketingPlanFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _member(client, group, username):
    user = UserFactory(username=username, is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return client


@pytest.fixture
def marketer(client):
    return _member(client, "Marketers", "maryam")


@pytest.fixture
def manager(client):
    return _member(client, "Managers", "mina")


def test_the_migration_creates_both_groups_with_managers_having_everything_marketers_have():
    marketers = set(Group.objects.get(name="Marketers").permissions.values_list("codename", flat=True))
    managers = set(Group.objects.get(name="Managers").permissions.values_list("codename", flat=True))
    assert {"change_customer", "change_segment", "change_campaign", "change_creative", "change_ticket"} <= marketers
    assert {"view_order", "change_order", "view_dashboards"} <= marketers
    assert not {"change_budgetline", "view_budgetline", "change_marketingplan"} & marketers
    assert marketers <= managers
    assert {
        "add_budgetline",
        "change_budgetline",
        "change_objective",
        "change_milestone",
        "view_dashboards",
    } <= managers


@pytest.mark.parametrize("page", ["cycle", "funnel", "plan", "transfer", "aftersales", "boni"])
def test_a_marketer_reads_the_dashboards(marketer, page):
    assert marketer.get(reverse(f"dashboards:{page}")).status_code == 200


def test_a_marketer_cannot_open_or_change_the_plan_budget(marketer):
    line = BudgetLineFactory()
    assert marketer.get(reverse("admin:cycle_budgetline_changelist")).status_code == 403
    assert marketer.get(reverse("admin:cycle_budgetline_add")).status_code == 403
    assert marketer.get(reverse("admin:cycle_budgetline_change", args=[line.pk])).status_code == 403
    response = marketer.post(
        reverse("admin:cycle_marketingplan_change", args=[line.plan.pk]),
        {"name": "Renamed by a marketer", "starts_on": "2026-01-01", "ends_on": "2027-01-01"},
    )
    assert response.status_code == 403
    line.plan.refresh_from_db()
    assert line.plan.name != "Renamed by a marketer"


def test_a_manager_opens_the_plan_budget(manager):
    line = BudgetLineFactory()
    assert manager.get(reverse("admin:cycle_budgetline_add")).status_code == 200
    assert manager.get(reverse("admin:cycle_budgetline_change", args=[line.pk])).status_code == 200
    assert manager.get(reverse("admin:cycle_marketingplan_change", args=[MarketingPlanFactory().pk])).status_code == 200
    assert manager.get(reverse("dashboards:plan")).status_code == 200


def test_someone_in_neither_group_cannot_read_the_dashboards(client):
    _member(client, None, "visitor")
    assert client.get(reverse("dashboards:cycle")).status_code == 403
    assert "dashboards-link" not in client.get(reverse("admin:index")).content.decode()


def test_the_dashboards_ask_for_a_login(client):
    response = client.get(reverse("dashboards:funnel"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_admin_index_links_to_the_dashboards(marketer):
    body = marketer.get(reverse("admin:index")).content.decode()
    assert 'id="dashboards-link"' in body
    assert reverse("dashboards:cycle") in body
