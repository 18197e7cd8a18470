"""Occasion offers: once per occasion per year, on the customer's own local day, 29 February included."""

import datetime as dt

import pytest

from campaigns.models import CampaignStatus, OccasionOffer
from campaigns.services import campaign_start
from campaigns.services.occasions import occasion_offers_send_due
from tests.campaigns.conftest import html_of
from tests.campaigns.factories import CampaignFactory, CreativeFactory
from tests.customers.factories import ConsentFactory, CustomerFactory, OccasionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def birthday_campaign(db):
    campaign = CampaignFactory(name="Birthday", occasion_kind="birthday")
    CreativeFactory(
        campaign=campaign,
        subject="Happy birthday {{ customer.first_name }}",
        html_body="<p>{{ occasion.kind }} on {{ occasion.day }}/{{ occasion.month }}: 20% off</p>",
    )
    CreativeFactory(campaign=campaign, language="fa", subject="تولدت مبارک {{ customer.first_name }}")
    campaign_start(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENDING
    return campaign


def customer_born(month, day, tz="UTC", consent=True, **kwargs):
    customer = CustomerFactory(time_zone=tz, **kwargs)
    ConsentFactory(customer=customer, granted=consent)
    OccasionFactory(customer=customer, kind="birthday", month=month, day=day)
    return customer


def test_the_offer_goes_out_once_on_the_day_however_often_the_job_runs(smtp_server, birthday_campaign):
    customer = customer_born(5, 17)

    occasion_offers_send_due(now=utc(2026, 5, 16, 12))
    assert smtp_server.received == []

    for hour in (10, 11, 15, 23):
        occasion_offers_send_due(now=utc(2026, 5, 17, hour))

    assert smtp_server.count_by_recipient() == {customer.email: 1}
    message = smtp_server.to(customer.email)[0]
    assert message["Subject"] == f"Happy birthday {customer.first_name}"
    assert "Birthday on 17/5: 20% off" in html_of(message)
    assert OccasionOffer.objects.get().year == 2026

    occasion_offers_send_due(now=utc(2027, 5, 17, 12))  # next year: again, once
    assert smtp_server.count_by_recipient() == {customer.email: 2}


def test_the_day_is_the_customers_local_day(smtp_server, birthday_campaign):
    tehran = customer_born(5, 17, tz="Asia/Tehran", persian=True)
    los_angeles = customer_born(5, 17, tz="America/Los_Angeles")

    # 06:00 UTC on the 17th: 09:30 in Tehran (their day, their morning), 23:00 on the 16th in Los Angeles.
    occasion_offers_send_due(now=utc(2026, 5, 17, 6))
    assert set(smtp_server.count_by_recipient()) == {tehran.email}
    assert smtp_server.to(tehran.email)[0]["Subject"].startswith("تولدت مبارک")

    # 17:00 UTC on the 17th: 10:00 in Los Angeles.
    occasion_offers_send_due(now=utc(2026, 5, 17, 17))
    assert smtp_server.count_by_recipient() == {tehran.email: 1, los_angeles.email: 1}

    # 08:00 UTC on the 18th: still the 17th until 01:00 in Los Angeles, but they have had it.
    occasion_offers_send_due(now=utc(2026, 5, 18, 8))
    assert smtp_server.count_by_recipient() == {tehran.email: 1, los_angeles.email: 1}


def test_29_february_is_celebrated_on_28_february_in_other_years(smtp_server, birthday_campaign):
    leapling = customer_born(2, 29)

    occasion_offers_send_due(now=utc(2027, 2, 28, 12))
    occasion_offers_send_due(now=utc(2027, 3, 1, 12))
    assert smtp_server.count_by_recipient() == {leapling.email: 1}

    occasion_offers_send_due(now=utc(2028, 2, 28, 12))
    assert smtp_server.count_by_recipient() == {leapling.email: 1}  # 2028 has its own 29 February
    occasion_offers_send_due(now=utc(2028, 2, 29, 12))
    assert smtp_server.count_by_recipient() == {leapling.email: 2}


def test_no_offer_without_consent_or_when_suppressed_or_for_another_occasion(smtp_server, birthday_campaign):
    customer_born(5, 17, consent=False)
    customer_born(5, 17, suppressed=True)
    married = CustomerFactory()
    ConsentFactory(customer=married)
    OccasionFactory(customer=married, kind="wedding_anniversary", month=5, day=17)

    occasion_offers_send_due(now=utc(2026, 5, 17, 12))

    assert smtp_server.received == []
    assert not OccasionOffer.objects.exists()


def test_a_paused_occasion_campaign_sends_nothing(smtp_server, birthday_campaign):
    from campaigns.services import campaign_pause

    customer_born(5, 17)
    campaign_pause(campaign=birthday_campaign)

    occasion_offers_send_due(now=utc(2026, 5, 17, 12))

    assert smtp_server.received == []


def test_an_offer_a_killed_worker_was_handing_over_is_not_sent_again_and_is_failed_with_the_reason(
    smtp_server, birthday_campaign, settings
):
    from django.utils import timezone

    from campaigns.models import MessageStatus
    from customers.models import Occasion

    settings.CAMPAIGNS_SEND_CLAIM_TIMEOUT = 60
    in_flight = customer_born(5, 17)
    waiting = customer_born(5, 17)
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    for customer, status in ((in_flight, MessageStatus.DELIVERING), (waiting, MessageStatus.SENDING)):
        # What a worker killed mid-batch leaves: one offer marked as being handed over, one claimed, not started.
        OccasionOffer.objects.create(
            occasion=Occasion.objects.get(customer=customer),
            customer=customer,
            campaign=birthday_campaign,
            year=2026,
            status=status,
            claim="dead-worker",
            claimed_at=long_ago,
        )

    occasion_offers_send_due(now=utc(2026, 5, 17, 12))

    assert smtp_server.count_by_recipient() == {waiting.email: 1}
    offer = OccasionOffer.objects.get(customer=in_flight)
    assert offer.status == MessageStatus.FAILED
    assert "may have arrived" in offer.error
    assert OccasionOffer.objects.get(customer=waiting).status == MessageStatus.SENT


def test_each_offer_is_marked_as_being_handed_over_before_the_server_sees_it(
    smtp_server, birthday_campaign, monkeypatch
):
    from campaigns.models import MessageStatus
    from campaigns.services.sending.transport import Handover

    customers = [customer_born(5, 17) for _ in range(3)]
    seen = []
    start = Handover.start

    def watching(handover, email):
        seen.append(OccasionOffer.objects.get(customer__email=email[1][0]).status)
        return start(handover, email)

    monkeypatch.setattr(Handover, "start", watching)
    occasion_offers_send_due(now=utc(2026, 5, 17, 12))

    assert seen == [MessageStatus.DELIVERING] * 3
    assert smtp_server.count_by_recipient() == {c.email: 1 for c in customers}
