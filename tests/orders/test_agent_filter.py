"""A sales agent's order list: the "by agent" filter names only them; marketers still see every agent."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cycle.demo.users import _agents_group
from tests.factories import UserFactory
from tests.orders.factories import AgentFactory, OrderFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:orders_order_changelist"


def _agent_filter_names(response):
    spec = next(spec for spec in response.context["cl"].filter_specs if spec.field_path == "agent")
    return {str(name) for _, name in spec.lookup_choices}


def test_an_agent_sees_only_their_own_name_in_the_agent_filter(client):
    user = UserFactory(username="agent-ali", is_staff=True)
    user.groups.add(_agents_group())
    own = AgentFactory(user=user, name="Ali Rezaei")
    other = AgentFactory(name="Sara Karimi")
    OrderFactory(agent=own, channel="agent")
    OrderFactory(agent=other, channel="agent")
    client.force_login(user)
    response = client.get(reverse(CHANGELIST))
    assert _agent_filter_names(response) == {"Ali Rezaei"}
    assert "Sara Karimi" not in response.content.decode()


def test_a_marketer_sees_every_agent_in_the_filter(client):
    user = UserFactory(username="maryam", is_staff=True)
    user.groups.add(Group.objects.get(name="Marketers"))
    AgentFactory(name="Ali Rezaei")
    AgentFactory(name="Sara Karimi")
    client.force_login(user)
    assert {"Ali Rezaei", "Sara Karimi"} <= _agent_filter_names(client.get(reverse(CHANGELIST)))
