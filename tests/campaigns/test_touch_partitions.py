"""On PostgreSQL touches are partitioned by month: the daily job makes the months ahead, moves strays out of the
default partition into their month, and drops whole months past TOUCH_RETENTION_MONTHS."""

import datetime as dt

import pytest
from django.db import connection

from campaigns.models import Touch, TouchKind, TouchSource
from campaigns.services.tracking import touch_record
from emarketing.partitions import partitions_maintain, partitions_of

pytestmark = pytest.mark.postgres

TABLE = Touch._meta.db_table


@pytest.fixture(autouse=True)
def _postgres(db):
    if connection.vendor != "postgresql":
        pytest.fail("these tests need PostgreSQL (DATABASE_URL)")


def _months():
    return [month for _name, month in partitions_of(TABLE) if month is not None]


def _touch(when):
    return touch_record(kind=TouchKind.EMAIL_OPEN, source=TouchSource.EMAIL, occurred_at=when)


def test_the_daily_job_makes_the_months_ahead(settings):
    settings.PARTITIONS_MONTHS_AHEAD = 5
    today = dt.date(2027, 11, 20)

    report = partitions_maintain(today=today)

    months = _months()
    assert dt.date(2028, 4, 1) in months  # November plus five months ahead
    assert f"{TABLE}_p202804" in report[TABLE]["created"]
    assert partitions_maintain(today=today)[TABLE]["created"] == []  # a second run makes nothing


def test_a_touch_outside_every_month_waits_in_the_default_partition_then_moves_into_its_month(settings):
    settings.PARTITIONS_MONTHS_AHEAD = 1
    far = dt.datetime(2031, 3, 14, 12, tzinfo=dt.UTC)
    touch = _touch(far)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}_default")  # noqa: S608
        assert cursor.fetchone()[0] == 1

    partitions_maintain(today=dt.date(2031, 3, 1))

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}_p203103 WHERE id = %s", [touch.pk])  # noqa: S608
        assert cursor.fetchone()[0] == 1
        cursor.execute(f"SELECT count(*) FROM {TABLE}_default")  # noqa: S608
        assert cursor.fetchone()[0] == 0
    assert Touch.objects.get(pk=touch.pk).occurred_at == far


def test_retention_drops_whole_months_and_keeps_the_rest(settings):
    settings.PARTITIONS_MONTHS_AHEAD = 0
    today = dt.date(2027, 6, 10)
    partitions_maintain(today=dt.date(2027, 1, 1))
    for month in range(1, 7):
        partitions_maintain(today=dt.date(2027, month, 1))
        _touch(dt.datetime(2027, month, 15, tzinfo=dt.UTC))

    settings.TOUCH_RETENTION_MONTHS = 3
    dropped = partitions_maintain(today=today)[TABLE]["dropped"]

    assert {f"{TABLE}_p202701", f"{TABLE}_p202702"} <= set(dropped)
    assert f"{TABLE}_p202703" not in dropped  # March, April and May are the three whole months kept
    kept = sorted(Touch.objects.values_list("occurred_at__month", flat=True))
    assert kept == [3, 4, 5, 6]


def test_retention_off_keeps_every_month(settings):
    settings.TOUCH_RETENTION_MONTHS = 0
    _touch(dt.datetime(2020, 1, 5, tzinfo=dt.UTC))
    partitions_maintain(today=dt.date(2020, 1, 1))

    assert partitions_maintain(today=dt.date(2027, 1, 1))[TABLE]["dropped"] == []
    assert Touch.objects.count() == 1
