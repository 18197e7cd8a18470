"""The campaigns admin: every page opens, actions move the status machine, progress and funnel are shown."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import (
    CampaignStatus,
    Link,
    Message,
    OccasionOffer,
    Topic,
    TopicInterest,
    Touch,
)
from tests.campaigns.factories import CampaignFactory, CreativeFactory, MessageFactory, TopicFactory, TouchFactory
from tests.customers.factories import CustomerFactory, OccasionFactory, SegmentFactory


@pytest.fixture
def rows(db):
    creative = CreativeFactory()
    campaign = creative.campaign
    customer = CustomerFactory(persian=True)
    topic = TopicFactory()
    objects = {
        "campaign": campaign,
        "creative": creative,
        "topic": topic,
        "message": MessageFactory(campaign=campaign, customer=customer, creative=creative),
        "touch": TouchFactory(campaign=campaign, customer=customer),
        "link": Link.objects.create(campaign=campaign, url="https://shop.example.com/"),
        "topicinterest": TopicInterest.objects.create(customer=customer, topic=topic),
        "occasionoffer": OccasionOffer.objects.create(
            occasion=OccasionFactory(customer=customer), customer=customer, campaign=campaign, year=2026
        ),
    }
    return objects


MODELS = ["campaign", "creative", "topic", "message", "touch", "link", "topicinterest", "occasionoffer"]


@pytest.mark.parametrize("model", MODELS)
def test_every_page_opens(admin_client, rows, model):
    obj = rows[model]
    for url in (
        reverse(f"admin:campaigns_{model}_changelist"),
        reverse(f"admin:campaigns_{model}_add"),
        reverse(f"admin:campaigns_{model}_change", args=[obj.pk]),
    ):
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.parametrize("model", ["message", "touch"])
def test_big_changelists_never_count_the_whole_table(admin_client, rows, model):
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(reverse(f"admin:campaigns_{model}_changelist"))
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and f"campaigns_{model}" in q["sql"]]
    assert counts, "the paginator still counts (a bounded subquery)"
    assert all("LIMIT" in sql.upper() for sql in counts)


def test_the_campaign_page_shows_progress_funnel_and_status_history(admin_client, db):
    campaign = CampaignFactory()
    CreativeFactory(campaign=campaign, kind="banner", name="Top banner", alt_text="<Spring> sale")
    for status in ("sent", "sent", "failed", "queued"):
        MessageFactory(campaign=campaign, status=status)
    TouchFactory(campaign=campaign)
    from campaigns.services import campaign_cancel

    campaign_cancel(campaign=campaign, note="budget moved")

    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()

    assert "75%" in page  # three of four done
    assert "remaining: 1" in page
    assert "aida-funnel" in page and "Attention" in page
    assert "budget moved" in page
    assert "&lt;iframe src=&quot;http" in page and "/t/b/" in page  # the embed code, shown as text
    assert "&amp;lt;Spring&amp;gt; sale" in page  # escaped in the snippet, and the snippet escaped as text


def test_admin_actions_schedule_pause_and_cancel_through_the_state_machine(admin_client, db):
    from django.utils import timezone

    campaign = CampaignFactory(scheduled_at=timezone.now())
    url = reverse("admin:campaigns_campaign_changelist")

    admin_client.post(url, {"action": "schedule", "_selected_action": [campaign.pk]})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED

    admin_client.post(url, {"action": "pause", "_selected_action": [campaign.pk]})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED

    admin_client.post(url, {"action": "cancel", "_selected_action": [campaign.pk]})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CANCELLED
    changes = list(
        campaign.status_changes.order_by("id").values_list("from_status", "to_status", "changed_by__username")
    )
    assert changes == [
        ("draft", "scheduled", "admin"),
        ("scheduled", "paused", "admin"),
        ("paused", "cancelled", "admin"),
    ]

    response = admin_client.post(url, {"action": "schedule", "_selected_action": [campaign.pk]}, follow=True)
    assert "cannot move" in response.content.decode()


def test_preview_as_a_customer_renders_their_language_without_sending(admin_client, db):
    creative = CreativeFactory(language="en")
    CreativeFactory(campaign=creative.campaign, language="fa", subject="سلام {{ customer.first_name }}")
    customer = CustomerFactory(persian=True, first_name="مریم")

    page = admin_client.get(
        reverse("admin:campaigns_campaign_preview", args=[creative.campaign.pk]), {"customer": customer.pk}
    ).content.decode()

    assert "سلام مریم" in page
    # The e-mail itself, in the sandboxed frame: a document of its own.
    document_url = reverse("admin:campaigns_campaign_preview_document", args=[creative.campaign.pk])
    assert f'src="{document_url}?customer={customer.pk}"' in page
    document = admin_client.get(document_url, {"customer": customer.pk}).content.decode()
    assert 'dir="rtl"' in document and "مریم" in document
    assert not Message.objects.exists() and not mail.outbox


def test_send_a_test_to_me(admin_client, admin_user, db):
    creative = CreativeFactory()
    url = reverse("admin:campaigns_campaign_send_test", args=[creative.campaign.pk])

    assert admin_client.get(url).status_code == 200
    admin_client.post(url)

    assert [m.to for m in mail.outbox] == [[admin_user.email]]


def test_an_unknown_template_field_is_refused_in_the_admin(admin_client, db):
    campaign = CampaignFactory()
    url = reverse("admin:campaigns_creative_add")

    response = admin_client.post(
        url,
        {
            "campaign": campaign.pk,
            "kind": "email",
            "language": "en",
            "name": "Bad",
            "subject": "Hi {{ customer.email }}",
            "html_body": "{{ settings.SECRET_KEY }}",
            "text_body": "",
        },
    )

    assert response.status_code == 200
    assert "not available" in response.content.decode()
    assert not campaign.creatives.exists()


def test_an_offline_touch_entered_in_the_admin_gets_its_step(admin_client, db):
    customer = CustomerFactory()
    campaign = CampaignFactory(channel="phone")

    admin_client.post(
        reverse("admin:campaigns_touch_add"),
        {
            "kind": "offline",
            "source": "phone",
            "customer": customer.pk,
            "campaign": campaign.pk,
            "occurred_at_0": "2026-11-01",
            "occurred_at_1": "10:00:00",
            "detail": "Called about the new tea set",
        },
    )

    touch = Touch.objects.get()
    assert (touch.step, touch.customer, touch.campaign) == ("attention", customer, campaign)


def test_topics_segments_and_campaign_forms_save(admin_client, db):
    segment = SegmentFactory()
    admin_client.post(reverse("admin:campaigns_topic_add"), {"name": "Tea", "slug": "tea", "description": ""})
    assert Topic.objects.filter(slug="tea").exists()
    response = admin_client.post(
        reverse("admin:campaigns_campaign_add"),
        {
            "name": "Autumn",
            "channel": "email",
            "segments": [segment.pk],
            "budget": "100",
            "cost": "0",
            "currency": "USD",
            "creatives-TOTAL_FORMS": "0",
            "creatives-INITIAL_FORMS": "0",
            "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_topics_are_found_by_their_persian_or_arabic_name(admin_client):
    TopicFactory(name="Tea", name_fa="چای", name_ar="شاي", slug="tea")
    TopicFactory(name="Coffee", slug="coffee")
    for term in ("چای", "شاي"):
        page = admin_client.get(reverse("admin:campaigns_topic_changelist"), {"q": term}).content.decode()
        assert "Tea" in page and "Coffee" not in page
