import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from cycle.models import Kpi, LoopRun, PlanStatus
from tests.campaigns.factories import CampaignFactory
from tests.customers.factories import CustomerFactory
from tests.cycle.factories import (
    BudgetLineFactory,
    MarketingPlanFactory,
    MilestoneFactory,
    ObjectiveFactory,
    PlanPersonFactory,
)

pytestmark = pytest.mark.django_db


def test_plan_page_shows_objectives_table_with_target_actual_and_3m(admin_client):
    plan = MarketingPlanFactory(name="Spring plan")
    objective = ObjectiveFactory(plan=plan, title="Win new customers", kpi=Kpi.NEW_CUSTOMERS, target=Decimal("1"))
    CampaignFactory(objective=objective, cost=Decimal("120"))
    CustomerFactory()
    PlanPersonFactory(plan=plan, name="Sara", role="Campaign manager")
    BudgetLineFactory(plan=plan, objective=objective, amount=Decimal("500"))
    MilestoneFactory(plan=plan, title="Catalogue live", due_on=dt.date(2020, 1, 1))
    response = admin_client.get(reverse("admin:cycle_marketingplan_change", args=[plan.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Win new customers", "New customers", "Sara", "Campaign manager", "120", "Catalogue live", "Missed"):
        assert text in page


def test_every_cycle_admin_page_opens(admin_client):
    plan = MarketingPlanFactory()
    ObjectiveFactory(plan=plan)
    PlanPersonFactory(plan=plan)
    BudgetLineFactory(plan=plan)
    MilestoneFactory(plan=plan)
    LoopRun.objects.create(trigger="manual", status="succeeded")
    for model in ("marketingplan", "objective", "planperson", "budgetline", "milestone", "planreview"):
        assert admin_client.get(reverse(f"admin:cycle_{model}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:cycle_{model}_add")).status_code == 200
    for model in ("planstatuschange", "looprun"):
        assert admin_client.get(reverse(f"admin:cycle_{model}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:cycle_{model}_add")).status_code == 403


def test_loop_runs_are_read_only_and_listed_with_their_figures(admin_client):
    run = LoopRun.objects.create(trigger="manual", status="succeeded", surveys_read=3, tickets_read=2, needs_created=4)
    page = admin_client.get(reverse("admin:cycle_looprun_changelist")).content.decode()
    assert "5" in page and "4" in page
    response = admin_client.post(reverse("admin:cycle_looprun_change", args=[run.pk]), {"trigger": "schedule"})
    assert response.status_code == 403
    run.refresh_from_db()
    assert run.trigger == "manual"


def test_status_actions_move_the_plan_and_keep_its_history(admin_client):
    plan = MarketingPlanFactory()
    url = reverse("admin:cycle_marketingplan_changelist")
    admin_client.post(url, {"action": "activate", "_selected_action": [plan.pk]})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    admin_client.post(url, {"action": "put_under_review", "_selected_action": [plan.pk]})
    admin_client.post(url, {"action": "close", "_selected_action": [plan.pk]})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED
    assert [c.to_status for c in plan.status_changes.order_by("id")] == ["active", "under_review", "closed"]
    response = admin_client.post(url, {"action": "activate", "_selected_action": [plan.pk]}, follow=True)
    assert "cannot move" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED
