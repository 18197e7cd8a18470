import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory


@pytest.fixture
def manager_client(client):
    """A client signed in as a member of the Managers group (created by the cycle's migration)."""
    user = UserFactory(username="mina", is_staff=True)
    user.groups.add(Group.objects.get(name="Managers"))
    client.force_login(user)
    return client
