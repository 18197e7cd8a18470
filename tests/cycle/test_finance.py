"""Cost, attributed revenue, lift and return on spend per campaign, journey and channel, against figures computed
by hand (tests/cycle/finance_data.py)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from campaigns.models import Channel
from cycle.selectors.finance import campaign_finance, finance_summary, journey_finance
from cycle.selectors.money import return_on_spend
from tests.cycle.finance_data import EMAIL_PRICE, finance_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("email_price")]


@pytest.fixture
def email_price():
    with override_settings(EMAIL_PRICE_PER_THOUSAND=EMAIL_PRICE):
        yield


def _period():
    today = timezone.localdate()
    return today - dt.timedelta(days=29), today


def test_a_campaign_costs_its_recorded_cost_its_emails_and_its_agents_commissions():
    world = finance_world()
    money = campaign_finance(world.spring)
    assert money.emails == 40  # the three failed ones cost nothing
    assert money.email_cost == Decimal("1.00")
    assert money.commissions == Decimal("10.00")
    assert money.cost == Decimal("111.00")  # 100 recorded + 1 of e-mail + 10 of commission
    assert money.revenue == Decimal("300.00")  # the cancelled 999 is no sale
    assert money.orders == 2
    assert money.return_on_spend == Decimal("170.27")  # (300 − 111) / 111
    assert money.lift == Decimal("60.00")  # 300 spent by 40 recipients, 6 × 40 expected from the holdout group


def test_sms_are_priced_per_part_by_the_sender_of_the_recipients_country():
    world = finance_world()
    money = campaign_finance(world.texts)
    assert money.sms_parts == 7  # 3 × 2 to Iran, 1 to the Emirates; the failed one not
    assert money.sms_cost == Decimal("0.1700")  # 6 × 0.02 + 1 × 0.05 (no sender for AE: the general one)
    assert money.cost == Decimal("0.17")
    assert money.lift is None  # no holdout group
    assert money.return_on_spend == Decimal("29311.76")  # (50 − 0.17) / 0.17


def test_nothing_spent_is_not_measurable():
    world = finance_world()
    money = campaign_finance(world.quiet)
    assert money.cost == 0
    assert money.return_on_spend is None
    assert return_on_spend(Decimal("10"), Decimal("0")) is None
    assert return_on_spend(Decimal("0"), Decimal("10")) == Decimal("-100.00")


def test_a_journey_earns_what_its_emails_campaigns_were_attributed():
    world = finance_world()
    money = journey_finance(world.journey)
    assert money.emails == 2
    assert money.cost == Decimal("0.05")
    assert money.revenue == Decimal("80.00")
    assert money.return_on_spend == Decimal("159900.00")  # (80 − 0.05) / 0.05


def test_the_summary_per_channel_campaign_and_journey():
    world = finance_world()
    since, until = _period()
    summary = finance_summary(plan=None, since=since, until=until)
    campaigns = {row.name: row.money for row in summary.campaigns}
    assert set(campaigns) == {"Spring", "Texts", "Quiet"}  # the journey's campaign is the journey's
    assert [row.name for row in summary.journeys] == ["Welcome"]
    channels = {row.key: row.money for row in summary.channels}
    assert set(channels) == {Channel.EMAIL, Channel.SMS}
    assert channels[Channel.EMAIL].cost == Decimal("111.05")  # Spring, Quiet and the journey
    assert channels[Channel.EMAIL].revenue == Decimal("380.00")
    assert channels[Channel.SMS].cost == Decimal("0.17")
    assert summary.total.cost == Decimal("111.22")
    assert summary.total.revenue == Decimal("430.00")
    assert summary.total.lift == Decimal("60.00")
    assert summary.total.return_on_spend == Decimal("286.62")  # (430 − 111.22) / 111.22
    assert world.spring.pk in {row.key for row in summary.campaigns}


def test_a_campaign_that_began_before_the_period_is_left_out():
    finance_world(started=timezone.now() - dt.timedelta(days=60))
    since, until = _period()
    summary = finance_summary(plan=None, since=since, until=until)
    assert summary.campaigns == []
    assert summary.journeys[0].money.revenue == Decimal("0")  # its sales were placed 59 days ago
