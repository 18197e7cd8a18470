"""Taking the whole customer base away as CSV needs its own permission; viewing customers is not enough."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from cycle.demo.users import _agents_group
from tests.customers.factories import CustomerFactory
from tests.factories import UserFactory
from tests.orders.factories import AgentFactory

pytestmark = pytest.mark.django_db

EXPORT = "admin:customers_customer_export"
CHANGELIST = "admin:customers_customer_changelist"


def _login(client, username, group):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(group)
    client.force_login(user)
    return user


@pytest.fixture
def agent_client(client):
    """A sales agent's login with the permissions the documentation gives agents (view_customer among them)."""
    user = _login(client, "agent-ali", _agents_group())
    AgentFactory(user=user)
    return client


def test_an_agent_who_may_view_customers_cannot_export_them(agent_client):
    CustomerFactory(email="hidden@example.com", phone="+989121234567")
    page = agent_client.get(reverse(CHANGELIST))
    assert page.status_code == 200  # finding a buyer still works
    assert reverse(EXPORT) not in page.content.decode()
    response = agent_client.get(reverse(EXPORT))
    assert response.status_code == 403
    assert b"hidden@example.com" not in response.content


def test_view_permission_alone_does_not_export(client):
    user = UserFactory(username="viewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(user)
    assert client.get(reverse(EXPORT)).status_code == 403


@pytest.mark.parametrize("group", ["Marketers", "Managers"])
def test_marketers_and_managers_export(client, group):
    CustomerFactory(email="buyer@example.com")
    _login(client, f"member-{group.lower()}", Group.objects.get(name=group))
    assert reverse(EXPORT) in client.get(reverse(CHANGELIST)).content.decode()
    response = client.get(reverse(EXPORT))
    assert response.status_code == 200
    assert "buyer@example.com" in b"".join(response.streaming_content).decode()


def test_the_agents_group_never_holds_the_export():
    codenames = set(_agents_group().permissions.values_list("codename", flat=True))
    assert "view_customer" in codenames and "export_customer" not in codenames
