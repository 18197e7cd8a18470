"""On PostgreSQL website events are partitioned by month like touches, with a retention of their own."""

import datetime as dt

import pytest
from django.db import connection

from campaigns.models import Touch, WebEvent
from campaigns.services.website import web_event, web_events_write
from emarketing.partitions import partitions_maintain, partitions_of
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.postgres

TABLE = WebEvent._meta.db_table


@pytest.fixture(autouse=True)
def _postgres(db):
    if connection.vendor != "postgresql":
        pytest.fail("these tests need PostgreSQL (DATABASE_URL)")


def test_website_events_keep_their_own_months(settings):
    settings.PARTITIONS_MONTHS_AHEAD = 0
    customer = CustomerFactory()
    for month in range(1, 7):
        partitions_maintain(today=dt.date(2027, month, 1))
        at = dt.datetime(2027, month, 15, tzinfo=dt.UTC)
        event = web_event(raw={"kind": "page_view"}, visitor_id="visitor-part", customer_id=customer.pk, now=at)
        web_events_write([event])
    assert {f"{TABLE}_p202701", f"{TABLE}_p202706"} <= {name for name, _month in partitions_of(TABLE)}

    settings.WEBSITE_EVENT_RETENTION_MONTHS = 3
    settings.TOUCH_RETENTION_MONTHS = 0
    report = partitions_maintain(today=dt.date(2027, 6, 10))

    assert f"{TABLE}_p202702" in report[TABLE]["dropped"]
    assert sorted(WebEvent.objects.values_list("occurred_at__month", flat=True)) == [3, 4, 5, 6]
    assert Touch.objects.filter(customer=customer).count() == 6  # the touches follow their own setting
