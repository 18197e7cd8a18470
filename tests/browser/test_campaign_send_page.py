"""A marketer sends from the campaign's own page in a real browser: the audience before the click, schedule, start,
and the progress bar moving while the campaign sends (under the strict content security policy)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import CampaignStatus, MessageStatus
from tests.campaigns.factories import CampaignFactory, CreativeFactory, MessageFactory
from tests.customers.factories import ConsentFactory, CustomerFactory, SegmentFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def marketer(transactional_db):
    return UserFactory(username="maryam", is_staff=True, is_superuser=True)


def _sign_in(page, live_server):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "maryam")
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def _blocked_scripts(page):
    """What the policy refused to run, and the page's script errors, collected as they happen."""
    blocked: list[str] = []
    page.on("console", lambda msg: blocked.append(msg.text) if "script-src" in msg.text else None)
    page.on("pageerror", lambda error: blocked.append(str(error)))
    return blocked


def test_send_from_the_campaign_page(page, live_server, marketer, screenshot):
    blocked = _blocked_scripts(page)
    creative = CreativeFactory(
        language="en",
        subject="Hello {{ customer.first_name }}",
        campaign__name="Spring",
        campaign__scheduled_at=timezone.now() + dt.timedelta(days=1),
    )
    campaign = creative.campaign
    segment = SegmentFactory()
    campaign.segments.add(segment)
    for _ in range(2):
        customer = CustomerFactory()
        ConsentFactory(customer=customer)
        segment.members.add(customer)
    segment.members.add(CustomerFactory())  # no consent: left out
    _sign_in(page, live_server)

    page.goto(f"{live_server.url}/admin/campaigns/campaign/{campaign.pk}/change/")
    assert page.inner_text("[data-figure=members]") == "3"
    assert page.inner_text("[data-figure=no_consent]") == "1"
    assert page.inner_text("[data-figure=audience]") == "2"
    assert page.locator("button[data-move=paused]").count() == 0

    with page.expect_navigation():
        page.click("button[data-move=scheduled]")
    assert "campaign scheduled" in page.inner_text(".messagelist")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED

    with page.expect_navigation():
        page.click("button[data-move=sending]")
    # (Waiting on the page's own text: the policy refuses the scripts a wait_for_function would evaluate.)
    expect(page.locator("#campaign-progress-text")).to_contain_text("100%", timeout=15000)
    assert "sent: 2" in page.inner_text("#campaign-progress-text")
    assert page.get_attribute("#campaign-progress-bar", "value") == "100"
    screenshot("campaign-send-page")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert blocked == []


def test_the_progress_bar_follows_the_sending(page, live_server, marketer, screenshot):
    blocked = _blocked_scripts(page)
    campaign = CampaignFactory(status=CampaignStatus.SENDING)
    messages = [MessageFactory(campaign=campaign, status=MessageStatus.QUEUED) for _ in range(4)]
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/admin/campaigns/campaign/{campaign.pk}/change/")
    assert page.get_attribute("#campaign-progress-bar", "value") == "0"

    for message in messages[:3]:
        message.status = MessageStatus.SENT
        message.save(update_fields=["status"])

    expect(page.locator("#campaign-progress-bar")).to_have_attribute("value", "75", timeout=15000)
    assert page.inner_text("#campaign-progress-text").startswith("75%")
    screenshot("campaign-progress-live")
    assert blocked == []
