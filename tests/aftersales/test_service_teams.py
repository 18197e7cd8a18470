"""Service capacity: each team's tickets per day and chats at once, in the admin and through the API."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from aftersales.models import ServiceTeam
from aftersales.services.capacity import service_team_save
from tests.api import conftest as api_fixtures
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
# The API tests' fixtures: a key with every scope, and keys made to measure.
make_key, api = api_fixtures.make_key, api_fixtures.api


@pytest.mark.parametrize("field", ["tickets_per_day", "chats_at_once"])
def test_zero_is_accepted_and_a_negative_figure_changes_nothing(field):
    team = service_team_save(name="Contact line", **{field: 0})
    with pytest.raises(ValidationError) as error:
        service_team_save(team=team, **{field: -1})
    assert error.value.message_dict[field] == ["Enter zero or more."]
    assert getattr(ServiceTeam.objects.get(), field) == 0


def test_teams_are_created_and_updated_through_the_api(api):
    created = api.post("/api/v1/service-teams/", {"name": "Chat", "tickets_per_day": 40, "chats_at_once": 6})
    assert created.status_code == 201
    pk = created.json()["id"]
    assert api.patch(f"/api/v1/service-teams/{pk}/", {"chats_at_once": 8}).json()["chats_at_once"] == 8
    bad = api.patch(f"/api/v1/service-teams/{pk}/", {"tickets_per_day": -2})
    assert bad.status_code == 400
    assert ServiceTeam.objects.values_list("tickets_per_day", "chats_at_once").get() == (40, 8)


def test_the_admin_refuses_a_negative_figure(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:aftersales_serviceteam_add")
    refused = client.post(url, {"name": "Chat", "tickets_per_day": 5, "chats_at_once": -1})
    assert "Enter zero or more." in refused.content.decode()
    client.post(url, {"name": "Chat", "tickets_per_day": 5, "chats_at_once": 2})
    assert ServiceTeam.objects.values_list("chats_at_once", flat=True).get() == 2
