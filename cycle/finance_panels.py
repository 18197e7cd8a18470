"""Money on communication's pages: the campaign's and the journey's cost, revenue and return on spend, and the
warning before a campaign's budget overspends a budget line. Registered into ``campaigns.panels`` and
``campaigns.prestart`` by ``CycleConfig.ready()``: communication shows them without knowing the plan or the orders.
"""

from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from campaigns.models import Campaign, CampaignStatus, Journey
from cycle.models import MarketingPlan
from cycle.selectors.budget import OVER, plan_lines
from cycle.selectors.finance import CAMPAIGN_FIELDS, campaign_finance, campaigns_money, journey_finance
from cycle.selectors.money import Money

# A campaign in one of these has not committed its budget yet, or holds it: its page warns before it overspends.
BEFORE_SPENDING = frozenset({CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.PAUSED})


def budget_line_warnings(campaign: Campaign) -> list[str]:
    """What scheduling ``campaign`` would do to the budget line it draws on: a message when committed + spent would
    pass the line's amount. Nothing for a campaign outside a plan or without a budget."""
    if campaign.pk is None or not campaign.objective_id or not campaign.budget:
        return []
    plan = MarketingPlan.objects.filter(objectives=campaign.objective_id).first()
    if plan is None:
        return []
    campaigns = list(Campaign.objects.filter(objective__plan=plan).values(*CAMPAIGN_FIELDS))
    money = campaigns_money(campaigns)
    lines = plan_lines(plan, campaigns=campaigns, money=money, committing=campaign.pk)
    return [
        gettext(
            "Budget line “%(line)s” (%(objective)s): with this campaign's budget committed, committed and "
            "spent come to %(used)s of %(amount)s %(currency)s — %(over)s over."
        )
        % {
            "line": line.description,
            "objective": line.objective,
            "used": line.used,
            "amount": line.amount,
            "currency": line.currency,
            "over": -line.remaining,
        }
        for line in lines
        if campaign.pk in line.campaign_ids and line.state == OVER
    ]


def _money_html(money: Money, currency: str, warnings: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 - rendered by our own template, autoescaped
        render_to_string("cycle/admin/money_panel.html", {"money": money, "currency": currency, "warnings": warnings})
    )


def campaign_money_panel(campaign: Campaign) -> SafeString:
    warnings = budget_line_warnings(campaign) if campaign.status in BEFORE_SPENDING else []
    return _money_html(campaign_finance(campaign), campaign.currency, warnings)


def journey_money_panel(journey: Journey) -> SafeString:
    return _money_html(journey_finance(journey), "", [])


def register() -> None:
    from campaigns.panels import campaign_panels, journey_panels
    from campaigns.prestart import prestart_checks

    campaign_panels.register("money", campaign_money_panel)
    journey_panels.register("money", journey_money_panel)
    prestart_checks.register("budget_lines", budget_line_warnings)


__all__: list[Any] = ["budget_line_warnings", "campaign_money_panel", "journey_money_panel", "register"]
