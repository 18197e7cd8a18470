import pytest

from emarketing.hooks.models import Subscription
from tests.factories import UserFactory
from tests.hooks.receiver import Receiver


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def subscription(db, receiver):
    owner = UserFactory(username="integrator", email="integrator@example.com", is_staff=True)
    return Subscription.objects.create(
        name="CRM", url=receiver.url, events=["order.created", "order.paid", "customer.updated"], owner=owner
    )
