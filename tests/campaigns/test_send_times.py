"""Campaigns sent at a local clock time in each customer's time zone, at the hour each customer usually reads,
and never in the quiet hours; the campaign is "sent" only when every message has gone."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.agents import AgentKind
from campaigns.models import CampaignStatus, Message, MessageStatus, TouchKind
from campaigns.services.sending import campaign_send_run, messages_materialize
from tests.campaigns.experiments_data import campaign_with_audience
from tests.campaigns.factories import TouchFactory

UTC = dt.UTC
ZONES = ("Asia/Tehran", "Asia/Dubai", "America/New_York")


def moments(campaign):
    return {
        tz: sorted(
            set(
                Message.objects.filter(campaign=campaign, customer__time_zone=tz).values_list(
                    "next_attempt_at", flat=True
                )
            )
        )
        for tz in ZONES
    }


def message_updates(queries):
    return [q for q in queries if q["sql"].startswith("UPDATE") and "campaigns_message" in q["sql"].split("SET")[0]]


@pytest.mark.django_db
def test_at_ten_in_each_customers_time_zone_one_update_per_zone():
    campaign, _customers = campaign_with_audience(30, zones=ZONES, local_send_time=dt.time(10, 0))
    now = dt.datetime(2026, 12, 6, 5, 0, tzinfo=UTC)

    with CaptureQueriesContext(connection) as queries:
        messages_materialize(campaign=campaign, now=now)

    assert moments(campaign) == {
        "Asia/Tehran": [dt.datetime(2026, 12, 6, 6, 30, tzinfo=UTC)],
        "Asia/Dubai": [dt.datetime(2026, 12, 6, 6, 0, tzinfo=UTC)],
        "America/New_York": [dt.datetime(2026, 12, 6, 15, 0, tzinfo=UTC)],
    }
    assert len(message_updates(queries.captured_queries)) == 3


@pytest.mark.django_db
def test_quiet_hours_hold_a_campaign_sent_at_once(settings):
    settings.CAMPAIGNS_QUIET_HOURS_START, settings.CAMPAIGNS_QUIET_HOURS_END = "21:00", "08:00"
    campaign, _customers = campaign_with_audience(6, zones=ZONES)
    now = dt.datetime(2026, 12, 6, 20, 0, tzinfo=UTC)  # 23:30 in Tehran, midnight in Dubai, 15:00 in New York

    messages_materialize(campaign=campaign, now=now)

    assert moments(campaign) == {
        "Asia/Tehran": [dt.datetime(2026, 12, 7, 4, 30, tzinfo=UTC)],  # 08:00 there
        "Asia/Dubai": [dt.datetime(2026, 12, 7, 4, 0, tzinfo=UTC)],
        "America/New_York": [now],
    }


@pytest.mark.django_db(transaction=True)
def test_a_message_claimed_in_its_customers_quiet_hours_waits_and_the_campaign_is_not_sent_yet(settings):
    campaign, (in_utc, in_tehran) = campaign_with_audience(2, zones=("UTC", "Asia/Tehran"))
    messages_materialize(campaign=campaign)
    campaign.__class__.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SENDING)
    # Quiet hours around this moment in UTC; in Tehran (3 h 30 ahead) the day goes on.
    now = timezone.now()
    settings.CAMPAIGNS_QUIET_HOURS_START = (now - dt.timedelta(hours=1)).strftime("%H:%M")
    settings.CAMPAIGNS_QUIET_HOURS_END = (now + dt.timedelta(hours=2)).strftime("%H:%M")

    campaign_send_run(campaign_id=campaign.pk)

    assert [m.to for m in mail.outbox] == [[in_tehran.email]]
    waiting = Message.objects.get(campaign=campaign, customer=in_utc)
    assert waiting.status == MessageStatus.QUEUED and waiting.next_attempt_at > now + dt.timedelta(hours=1)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENDING


@pytest.mark.django_db
def test_each_customer_at_the_hour_they_usually_read(settings):
    settings.CAMPAIGNS_SEND_TIME_LAST_TOUCHES = 4
    settings.CAMPAIGNS_SEND_TIME_MIN_TOUCHES = 3
    campaign, (reader, newcomer) = campaign_with_audience(
        2, zones=("Asia/Tehran",), local_send_time=dt.time(10, 0), send_time_per_customer=True
    )
    day = dt.datetime(2026, 11, 1, tzinfo=UTC)
    # Long ago the reader opened at 07:xx Tehran time; their last four touches are at 19:xx (15:30–16:29 UTC).
    for i in range(3):
        TouchFactory(customer=reader, occurred_at=day + dt.timedelta(days=i, hours=3, minutes=40))
    for i in range(4):
        kind = TouchKind.CLICK if i % 2 else TouchKind.EMAIL_OPEN
        TouchFactory(customer=reader, kind=kind, occurred_at=day + dt.timedelta(days=10 + i, hours=15, minutes=40))
    # A mail proxy's fetches are not reading.
    for i in range(5):
        TouchFactory(
            customer=reader, is_automated=True, agent=AgentKind.PROXY, occurred_at=day + dt.timedelta(days=20 + i)
        )
    # Two opens are too few to go by.
    for i in range(2):
        TouchFactory(customer=newcomer, occurred_at=day + dt.timedelta(days=i, hours=15, minutes=40))
    now = dt.datetime(2026, 12, 6, 5, 0, tzinfo=UTC)

    messages_materialize(campaign=campaign, now=now)

    at = dict(Message.objects.filter(campaign=campaign).values_list("customer_id", "next_attempt_at"))
    assert at[reader.pk] == dt.datetime(2026, 12, 6, 15, 30, tzinfo=UTC)  # 19:00 in Tehran
    assert at[newcomer.pk] == dt.datetime(2026, 12, 6, 6, 30, tzinfo=UTC)  # the campaign's 10:00


@pytest.mark.django_db
def test_a_variant_that_tests_a_send_time_keeps_it_over_the_customer_usual_hour(settings):
    from campaigns.models import Variant
    from campaigns.services.send_times import messages_schedule

    settings.CAMPAIGNS_SEND_TIME_LAST_TOUCHES = 4
    settings.CAMPAIGNS_SEND_TIME_MIN_TOUCHES = 3
    campaign, (tested, other) = campaign_with_audience(
        2, zones=("Asia/Tehran",), local_send_time=dt.time(10, 0), send_time_per_customer=True
    )
    day = dt.datetime(2026, 11, 1, tzinfo=UTC)
    for customer in (tested, other):  # both usually read at 19:xx in Tehran
        for i in range(4):
            TouchFactory(customer=customer, occurred_at=day + dt.timedelta(days=i, hours=15, minutes=40))
    noon = Variant.objects.create(campaign=campaign, name="Noon", local_send_time=dt.time(12, 0))
    now = dt.datetime(2026, 12, 6, 5, 0, tzinfo=UTC)
    messages_materialize(campaign=campaign, now=now)
    Message.objects.filter(campaign=campaign).update(next_attempt_at=None)
    Message.objects.filter(campaign=campaign, customer=tested).update(variant=noon)

    messages_schedule(campaign=campaign, now=now)

    at = dict(Message.objects.filter(campaign=campaign).values_list("customer_id", "next_attempt_at"))
    assert at[tested.pk] == dt.datetime(2026, 12, 6, 8, 30, tzinfo=UTC)  # the variant's 12:00 in Tehran
    assert at[other.pk] == dt.datetime(2026, 12, 6, 15, 30, tzinfo=UTC)  # their usual 19:00
