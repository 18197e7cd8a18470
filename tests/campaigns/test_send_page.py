"""The campaign's own page as the place to send from, and preview and test-send by searching a customer."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import CampaignStatus, MessageStatus
from campaigns.selectors import campaign_audience, campaign_audience_summary
from tests.campaigns.factories import CampaignFactory, CreativeFactory, MessageFactory
from tests.customers.factories import ConsentFactory, CustomerFactory, SegmentFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def targeted():
    """Two segments: 3 consenting members (one in both), 1 without an address, 1 suppressed (consenting), 2 without
    consent (one of whom withdrew it), and a consenting customer in no segment."""
    campaign = CampaignFactory()
    first, second = SegmentFactory(), SegmentFactory()
    campaign.segments.add(first, second)
    consenting = [CustomerFactory() for _ in range(3)]
    for c in consenting:
        ConsentFactory(customer=c)
    first.members.add(*consenting[:2])
    second.members.add(*consenting[1:])
    no_address = CustomerFactory(email="")
    suppressed = CustomerFactory(suppressed=True)
    ConsentFactory(customer=suppressed)
    never_asked, withdrew = CustomerFactory(), CustomerFactory()
    ConsentFactory(customer=withdrew, granted=False)
    first.members.add(no_address, suppressed, never_asked)
    second.members.add(withdrew)
    ConsentFactory(customer=CustomerFactory())
    return campaign


def test_the_audience_figures_are_right_and_read_in_one_query(targeted):
    with CaptureQueriesContext(connection) as queries:
        summary = campaign_audience_summary(campaign=targeted)
    assert (summary.members, summary.no_address, summary.suppressed, summary.no_consent) == (7, 1, 1, 2)
    assert summary.audience == 3 == campaign_audience(campaign=targeted).count()
    assert len(queries) == 2  # the segments' ids, then the figures


def test_the_campaign_page_shows_the_figures_before_the_click(admin_client, targeted):
    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[targeted.pk])).content.decode()
    for figure, value in {"members": 7, "no_address": 1, "suppressed": 1, "no_consent": 2}.items():
        assert f'data-figure="{figure}">{value}</dd>' in page
    assert 'data-figure="audience"><strong>3</strong>' in page
    assert 'src="/static/js/campaign_progress.js"' in page


def test_the_campaign_page_costs_the_same_queries_whatever_the_audience(admin_client):
    def queries_for(members):
        campaign = CampaignFactory()
        segment = SegmentFactory()
        campaign.segments.add(segment)
        for _ in range(members):
            customer = CustomerFactory()
            ConsentFactory(customer=customer)
            segment.members.add(customer)
            MessageFactory(campaign=campaign, customer=customer)
        url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
        admin_client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        return len(queries)

    assert queries_for(2) == queries_for(12)


def test_progress_is_a_plain_figure_on_the_page_and_live_as_json(admin_client):
    campaign = CampaignFactory(status=CampaignStatus.SENDING)
    for status in (MessageStatus.SENT, MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.QUEUED):
        MessageFactory(campaign=campaign, status=status)
    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()
    url = reverse("admin:campaigns_campaign_progress", args=[campaign.pk])
    assert f'data-url="{url}"' in page
    assert '<progress id="campaign-progress-bar" max="100" value="75">75%</progress>' in page
    assert "sent: 2 · failed: 1 · remaining: 1 · recipients: 4" in page

    data = json.loads(admin_client.get(url).content)
    assert (data["percent"], data["sent"], data["failed"], data["remaining"], data["total"]) == (75, 2, 1, 1, 4)
    assert data["status"] == "sending" and data["live"] is True


def test_a_finished_campaign_is_not_polled(admin_client):
    campaign = CampaignFactory(status=CampaignStatus.SENT)
    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()
    assert 'id="campaign-progress"' in page and "data-url=" not in page.split('id="campaign-progress"')[1][:80]


def test_progress_needs_the_permission_to_view_the_campaign(client):
    campaign = CampaignFactory()
    stranger = UserFactory(is_staff=True)
    stranger.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(stranger)
    response = client.get(reverse("admin:campaigns_campaign_progress", args=[campaign.pk]))
    assert response.status_code in (302, 403, 404)
    assert b'"percent"' not in response.content


def test_the_page_schedules_then_starts_and_keeps_polling(admin_client, audience):
    campaign, _segment, _customers = audience(consenting=2, scheduled_at="2030-01-01T10:00:00Z")
    page = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    admin_client.post(reverse("admin:campaigns_campaign_move", args=[campaign.pk, CampaignStatus.SCHEDULED]))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED
    assert 'data-figure="audience"><strong>2</strong>' in admin_client.get(page).content.decode()

    admin_client.post(reverse("admin:campaigns_campaign_move", args=[campaign.pk, CampaignStatus.SENDING]))

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENDING
    assert [c.to_status for c in campaign.status_changes.order_by("changed_at", "id")] == ["scheduled", "sending"]
    html = admin_client.get(page).content.decode()
    assert f'data-url="{reverse("admin:campaigns_campaign_progress", args=[campaign.pk])}"' in html
    assert f'action="{reverse("admin:campaigns_campaign_move", args=[campaign.pk, CampaignStatus.PAUSED])}"' in html


# --- Finding a customer -------------------------------------------------------------------------------------------


def _autocomplete(client, term):
    response = client.get(
        reverse("admin:autocomplete"),
        {"term": term, "app_label": "campaigns", "model_name": "message", "field_name": "customer"},
    )
    return response


@pytest.fixture
def namesakes():
    return (
        CustomerFactory(first_name="مریم", last_name="احمدی", email="maryam.a@example.com", phone="+989121110001"),
        CustomerFactory(first_name="مریم", last_name="احمدی", email="m.ahmadi@example.org", phone="+989352220002"),
        CustomerFactory(first_name="Sara", last_name="Karimi", email="sara@example.net", phone="+447700900123"),
    )


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("احمدی", {0, 1}),
        ("احمدي", {0, 1}),  # typed with the Arabic yeh
        ("m.ahmadi@example", {1}),
        ("sara@", {2}),
        ("+989121110001", {0}),
        ("09352220002", {1}),  # the national form of a stored E.164 number
        ("۰۹۳۵۲۲۲۰۰۰۲", {1}),  # the same in Persian digits
        ("۰۹۳۵ ۲۲۲ ۰۰۰۲", {1}),  # and spaced as people write it
        ("٠٧٧٠٠٩٠٠١٢٣", {2}),  # Arabic-Indic digits, a British number
    ],
)
def test_the_autocomplete_finds_by_name_email_and_phone(admin_client, namesakes, term, found):
    response = _autocomplete(admin_client, term)
    assert response.status_code == 200
    ids = {int(r["id"]) for r in response.json()["results"]}
    assert ids == {namesakes[i].pk for i in found}


def test_the_autocomplete_tells_namesakes_apart_by_email_and_phone(admin_client, namesakes):
    labels = {r["text"] for r in _autocomplete(admin_client, "مریم").json()["results"]}
    assert labels == {
        "مریم احمدی · \u2066maryam.a@example.com\u2069 · \u2066+989121110001\u2069",
        "مریم احمدی · \u2066m.ahmadi@example.org\u2069 · \u2066+989352220002\u2069",
    }


def test_the_autocomplete_answers_only_who_may_view_customers(client, namesakes):
    campaigns_only = UserFactory(is_staff=True)
    for codename in ("view_campaign", "change_campaign", "view_message"):
        campaigns_only.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(campaigns_only)
    response = _autocomplete(client, "احمدی")
    assert response.status_code == 403
    assert b"example" not in response.content


def test_preview_as_a_customer_picked_from_the_autocomplete(admin_client, namesakes):
    creative = CreativeFactory(language="fa", subject="سلام {{ customer.first_name }}")
    url = reverse("admin:campaigns_campaign_preview", args=[creative.campaign.pk])
    page = admin_client.get(url).content.decode()
    assert "admin-autocomplete" in page and 'data-model-name="message"' in page
    assert "admin/js/autocomplete.js" in page

    response = admin_client.get(url, {"customer": namesakes[1].pk})
    assert response.context["rendered"].subject == "سلام مریم"
    assert "m.ahmadi@example.org" in response.content.decode()


def test_preview_refuses_a_customer_the_user_may_not_see(client, namesakes):
    creative = CreativeFactory()
    reader = UserFactory(is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_campaign"))
    client.force_login(reader)
    response = client.get(
        reverse("admin:campaigns_campaign_preview", args=[creative.campaign.pk]), {"customer": namesakes[0].pk}
    )
    assert "rendered" not in response.context
    assert "maryam.a@example.com" not in response.content.decode()
    assert "Choose a customer from the list." in response.content.decode()


def test_a_test_is_sent_to_me_as_the_customer_picked(admin_client, admin_user, namesakes):
    creative = CreativeFactory(language="fa", subject="سلام {{ customer.first_name }}")
    url = reverse("admin:campaigns_campaign_send_test", args=[creative.campaign.pk])
    admin_client.post(url, {"customer": namesakes[0].pk})
    assert [m.to for m in mail.outbox] == [[admin_user.email]]
    assert "سلام مریم" in mail.outbox[0].subject
