import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from tests.factories import UserFactory


@pytest.fixture
def manager(transactional_db):
    """A member of the Managers group. A transactional test starts from empty tables: the groups are created as
    the migration does."""
    importlib.import_module("cycle.migrations.0004_groups_marketers_managers").create_groups(apps, None)
    user = UserFactory(username="mina", is_staff=True)
    user.groups.add(Group.objects.get(name="Managers"))
    return user
