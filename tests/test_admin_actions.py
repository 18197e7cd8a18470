"""Admin actions change things, so a reader with the view permission alone never gets them: every action names
the permission it needs, and a view-only reader who posts one anyway changes nothing."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from campaigns.models import CampaignStatus
from tests.campaigns.factories import CampaignFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Actions of installed libraries, judged by their own authors.
THIRD_PARTY = {"axes"}


def test_every_action_of_the_product_names_the_permission_it_needs():
    missing = [
        f"{model._meta.label}.{name}"
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label not in THIRD_PARTY
        for name in model_admin.actions or ()
        if not getattr(getattr(model_admin, name) if isinstance(name, str) else name, "allowed_permissions", None)
    ]
    assert missing == []


def test_a_reader_who_may_only_view_campaigns_can_neither_see_nor_run_sending(client):
    campaign = CampaignFactory(status=CampaignStatus.DRAFT)
    reader = UserFactory(username="viewer", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_campaign"))
    client.force_login(reader)
    url = reverse("admin:campaigns_campaign_changelist")
    page = client.get(url).content.decode()
    assert 'value="start_sending"' not in page and 'value="schedule"' not in page
    client.post(url, {"action": "start_sending", "_selected_action": [campaign.pk]})
    client.post(url, {"action": "schedule", "_selected_action": [campaign.pk]})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT
