from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cycle.services.plans import budget_line_set_amount, objective_set_budget
from tests.campaigns.factories import CampaignFactory
from tests.cycle.factories import BudgetLineFactory, MarketingPlanFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db


def test_a_budget_below_what_its_campaigns_spent_is_refused():
    objective = ObjectiveFactory(budget=Decimal("1000"))
    CampaignFactory(objective=objective, cost=Decimal("300"))
    CampaignFactory(objective=objective, cost=Decimal("200"))
    with pytest.raises(ValidationError) as error:
        objective_set_budget(objective=objective, budget=Decimal("400"))
    assert "already spent (500" in " ".join(error.value.message_dict["budget"])
    objective.refresh_from_db()
    assert objective.budget == Decimal("1000")
    objective_set_budget(objective=objective, budget=Decimal("500"))
    objective.refresh_from_db()
    assert objective.budget == Decimal("500")


def test_lowering_a_budget_line_below_the_spending_is_refused():
    objective = ObjectiveFactory()
    line = BudgetLineFactory(plan=objective.plan, objective=objective, amount=Decimal("800"))
    CampaignFactory(objective=objective, cost=Decimal("600"))
    with pytest.raises(ValidationError):
        budget_line_set_amount(line=line, amount=Decimal("100"))
    budget_line_set_amount(line=line, amount=Decimal("650"))
    line.refresh_from_db()
    assert line.amount == Decimal("650")


def test_the_plan_page_refuses_the_low_budget_with_a_clear_message(admin_client):
    plan = MarketingPlanFactory()
    objective = ObjectiveFactory(plan=plan, budget=Decimal("1000"), title="Grow")
    CampaignFactory(objective=objective, cost=Decimal("700"))
    url = reverse("admin:cycle_marketingplan_change", args=[plan.pk])
    data = {
        "name": plan.name,
        "starts_on": plan.starts_on.isoformat(),
        "ends_on": plan.ends_on.isoformat(),
        "next_review_on": plan.next_review_on.isoformat(),
        "objectives-TOTAL_FORMS": "1",
        "objectives-INITIAL_FORMS": "1",
        "objectives-0-id": objective.pk,
        "objectives-0-plan": plan.pk,
        "objectives-0-position": "0",
        "objectives-0-title": "Grow",
        "objectives-0-kpi": objective.kpi,
        "objectives-0-target": "30",
        "objectives-0-budget": "100",
    }
    for prefix in ("people", "budget_lines", "milestones", "reviews"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "already spent" in response.content.decode()
    objective.refresh_from_db()
    assert objective.budget == Decimal("1000")
