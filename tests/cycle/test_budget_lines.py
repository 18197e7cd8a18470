"""The plan's money per budget line: budget, committed and spent; lines at 90 % and past 100 % on the Money board;
the warning before a campaign's budget overspends its line."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus
from campaigns.prestart import prestart_checks
from cycle.selectors.budget import NEAR, OK, OVER, line_state
from cycle.selectors.finance import finance_summary
from tests.campaigns.factories import CampaignFactory
from tests.cycle.factories import BudgetLineFactory, MarketingPlanFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("used", "state"),
    [("8999", OK), ("9000", NEAR), ("10000", NEAR), ("10001", OVER)],  # 89.99 %, 90 %, 100 %, 100.01 %
)
def test_a_line_is_near_its_limit_from_90_percent_and_overspent_past_100(used, state):
    assert line_state(Decimal("10000"), Decimal(used)) == state
    objective = ObjectiveFactory()
    BudgetLineFactory(plan=objective.plan, objective=objective, amount=Decimal("10000"))
    # 4000 spent by a finished campaign, the rest committed by a scheduled one that has spent nothing yet.
    CampaignFactory(objective=objective, cost=Decimal("4000"), budget=Decimal("4000"))
    scheduled = CampaignFactory(objective=objective, cost=Decimal("0"), budget=Decimal(used) - 4000)
    Campaign.objects.filter(pk=scheduled.pk).update(status=CampaignStatus.SCHEDULED)
    [line] = finance_summary(plan=objective.plan, since=None, until=None).lines
    assert (line.spent, line.committed, line.amount) == (Decimal("4000.00"), Decimal(used) - 4000, Decimal("10000"))
    assert line.state == state


def test_committed_is_what_a_live_campaigns_budget_has_not_spent_yet():
    objective = ObjectiveFactory()
    BudgetLineFactory(plan=objective.plan, objective=objective, amount=Decimal("1000"), description="Paid e-mail")
    BudgetLineFactory(plan=objective.plan, objective=objective, amount=Decimal("500"), description="SMS")
    sending = CampaignFactory(objective=objective, cost=Decimal("100"), budget=Decimal("300"))
    Campaign.objects.filter(pk=sending.pk).update(status=CampaignStatus.SENDING)
    CampaignFactory(objective=objective, cost=Decimal("0"), budget=Decimal("900"))  # a draft commits nothing
    over_budget = CampaignFactory(objective=objective, cost=Decimal("50"), budget=Decimal("20"))
    Campaign.objects.filter(pk=over_budget.pk).update(status=CampaignStatus.PAUSED)
    [line] = finance_summary(plan=objective.plan, since=None, until=None).lines
    assert line.description == "Paid e-mail; SMS"
    assert line.amount == Decimal("1500")
    assert line.committed == Decimal("200")  # 300 − 100; the paused one has spent past its budget: 0
    assert line.spent == Decimal("150.00")
    assert line.remaining == Decimal("1150.00")


def test_a_campaign_without_a_line_of_its_own_draws_on_the_plans_general_line():
    plan = MarketingPlanFactory()
    BudgetLineFactory(plan=plan, objective=None, amount=Decimal("100"), description="Everything")
    CampaignFactory(objective=ObjectiveFactory(plan=plan), cost=Decimal("95"))
    [line] = finance_summary(plan=plan, since=None, until=None).lines
    assert (line.spent, line.state) == (Decimal("95.00"), NEAR)


def _draft_pushing_past_the_line():
    objective = ObjectiveFactory(title="Repeat buyers")
    BudgetLineFactory(plan=objective.plan, objective=objective, amount=Decimal("1000"), description="Paid e-mail")
    CampaignFactory(objective=objective, cost=Decimal("700"), budget=Decimal("700"))
    return CampaignFactory(
        name="Autumn",
        objective=objective,
        cost=Decimal("0"),
        budget=Decimal("400"),
        scheduled_at=timezone.now() + dt.timedelta(days=2),
    )


def test_scheduling_a_campaign_that_would_overspend_its_line_warns_and_schedules(admin_client):
    campaign = _draft_pushing_past_the_line()
    [warning] = [w for w in prestart_checks.warnings(campaign) if "Paid e-mail" in w]
    assert "1100" in warning and "100" in warning
    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))
    assert "budget-warning" in page.content.decode()
    response = admin_client.post(
        reverse("admin:campaigns_campaign_changelist"),
        {"action": "schedule", "_selected_action": [campaign.pk]},
    )
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Paid e-mail" in m for m in said), said
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED  # a warning, not a refusal


def test_a_campaign_that_fits_its_line_gets_no_warning(admin_client):
    campaign = _draft_pushing_past_the_line()
    Campaign.objects.filter(pk=campaign.pk).update(budget=Decimal("300"))  # 700 + 300: exactly the line
    campaign.refresh_from_db()
    assert not [w for w in prestart_checks.warnings(campaign) if "Paid e-mail" in w]
    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))
    assert "budget-warning" not in page.content.decode()
