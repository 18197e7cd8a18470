"""Staff answering a request for access by post or phone: one customer's data from the admin, with the export
permission only."""

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from cycle.demo.users import _agents_group
from tests.customers.access_data import SECTIONS, customer_with_everything
from tests.factories import UserFactory
from tests.orders.factories import AgentFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:customers_customer_changelist"
ACTION = "download_personal_data"


@pytest.fixture
def mine():
    return customer_with_everything("tag-aaa", arabic=True, first_name="ليلى")


@pytest.fixture
def theirs():
    return customer_with_everything("tag-bbb")


def _staff(client, username, group=None, permissions=()):
    user = UserFactory(username=username, is_staff=True)
    if group is not None:
        user.groups.add(group)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    return user


def _run(client, *customers):
    return client.post(
        reverse(CHANGELIST), {"action": ACTION, "_selected_action": [c.pk for c in customers]}, follow=False
    )


def test_a_marketer_downloads_one_customers_data_and_the_download_is_logged(client, mine, theirs):
    user = _staff(client, "mina", Group.objects.get(name="Marketers"))
    assert f'value="{ACTION}"' in client.get(reverse(CHANGELIST)).content.decode()

    response = _run(client, mine)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="personal-data-')
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    document = json.loads(body)
    assert list(document["sections"]) == SECTIONS
    assert document["sections"]["profile"]["rows"][0]["first_name"] == "ليلى"
    assert document["sections"]["touches"]["columns"]["occurred_at"] == "الوقت"  # in the customer's language
    assert b"tag-bbb" not in body
    entry = LogEntry.objects.get(user=user, object_id=str(mine.pk))
    assert "personal data" in entry.get_change_message()


def test_an_agent_who_may_view_customers_gets_no_file(client, mine):
    user = _staff(client, "ali", _agents_group())
    AgentFactory(user=user)
    assert f'value="{ACTION}"' not in client.get(reverse(CHANGELIST)).content.decode()

    response = _run(client, mine)

    assert not response.has_header("Content-Disposition")
    assert response["Content-Type"].startswith("text/html")  # the list they may view, not a file


def test_changing_customers_is_not_enough_to_download_their_data(client, mine):
    _staff(client, "sara", permissions=["view_customer", "change_customer"])
    response = _run(client, mine)
    assert not response.has_header("Content-Disposition")
    assert b"tag-aaa" not in response.content


def test_one_customer_at_a_time(client, mine, theirs):
    _staff(client, "reza", Group.objects.get(name="Managers"))
    response = _run(client, mine, theirs)
    assert response.status_code == 302
    assert not response.has_header("Content-Disposition")
    page = client.get(response["Location"]).content.decode()
    assert "Select one customer to download their data." in page
