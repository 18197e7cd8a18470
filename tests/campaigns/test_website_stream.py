"""Website events on a real Redis Stream, written by a real consumer process: each event stored once, the visitor
who identifies meanwhile given to the customer, and, on PostgreSQL, the events in their month's partition."""

import sys

import pytest
from django.db import connection

from campaigns.models import Touch, Visitor, WebEvent
from campaigns.services.website import WEB_STREAM, identify_event, web_event, web_events_publish
from emarketing import streams
from emarketing.partitions import is_partitioned
from tests.campaigns.test_event_stream import processes, stream_env  # noqa: F401 (fixtures)
from tests.conftest import wait_until
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.worker

VISITOR = "visitor-stream-1"


def test_website_events_go_through_the_stream_and_a_consumer_once_each(stream_env, processes):  # noqa: F811
    customer = CustomerFactory()
    before = [web_event(raw={"kind": "product_view", "ref": f"SKU-{n}"}, visitor_id=VISITOR) for n in range(120)]
    after = [web_event(raw={"kind": "add_to_cart", "ref": "SKU-1"}, visitor_id=VISITOR) for _ in range(30)]
    entries = [*before, identify_event(visitor_id=VISITOR, customer_id=customer.pk), *after]
    web_events_publish(entries)
    web_events_publish(before[:10])  # delivered twice: stored once
    assert not WebEvent.objects.exists()  # in Redis's hands, not yet written
    assert streams.stream_backlog()[WEB_STREAM]["waiting"] == len(entries) + 10

    processes([sys.executable, "manage.py", "consume_events", "--name", "web"], stream_env, "web")

    assert wait_until(lambda: streams.stream_backlog()[WEB_STREAM] == {"waiting": 0, "pending": 0}, timeout=60)
    assert WebEvent.objects.count() == 150
    assert set(WebEvent.objects.values_list("customer_id", flat=True)) == {customer.pk}
    assert Visitor.objects.get(visitor_id=VISITOR).customer == customer
    assert Touch.objects.filter(customer=customer).count() == 150
    assert is_partitioned(WebEvent._meta.db_table) == (connection.vendor == "postgresql")
