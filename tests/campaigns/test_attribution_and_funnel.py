"""Attribution of an order to the last counted touch, and the AIDA funnel per campaign and per segment."""

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.models import AidaStep, TouchKind, TouchSource
from campaigns.selectors import aida_funnel, aida_funnel_by_segment, attributable_campaign_id
from campaigns.services import touch_record, touches_record_bulk
from campaigns.services.tracking import touch_build
from tests.campaigns.factories import CampaignFactory, TouchFactory
from tests.customers.factories import CustomerFactory, SegmentFactory

pytestmark = pytest.mark.django_db


def test_the_last_counted_touch_within_the_window_wins(settings):
    settings.ATTRIBUTION_WINDOW_DAYS = 30
    now = timezone.now()
    customer = CustomerFactory()
    old, recent, bot = CampaignFactory(), CampaignFactory(), CampaignFactory()
    TouchFactory(customer=customer, campaign=old, occurred_at=now - dt.timedelta(days=40))
    assert attributable_campaign_id(customer_id=customer.pk, at=now) is None

    TouchFactory(customer=customer, campaign=recent, occurred_at=now - dt.timedelta(days=3))
    TouchFactory(customer=customer, campaign=bot, occurred_at=now - dt.timedelta(days=1), is_automated=True)
    assert attributable_campaign_id(customer_id=customer.pk, at=now) == recent.pk

    later = TouchFactory(customer=customer, campaign=old, occurred_at=now + dt.timedelta(days=1))
    assert attributable_campaign_id(customer_id=customer.pk, at=now) == recent.pk
    assert attributable_campaign_id(customer_id=customer.pk, at=later.occurred_at) == old.pk

    settings.ATTRIBUTION_WINDOW_DAYS = 2
    assert attributable_campaign_id(customer_id=customer.pk, at=now) is None


def test_touch_record_derives_the_step_and_keeps_text_as_text():
    customer, campaign = CustomerFactory(), CampaignFactory()

    touch = touch_record(
        kind=TouchKind.ORDER,
        source=TouchSource.WEBSITE,
        customer=customer,
        campaign=campaign,
        detail="<b>ORD-1</b>" + "x" * 900,
    )

    assert touch.step == AidaStep.ACTION
    assert touch.detail.startswith("<b>ORD-1</b>") and len(touch.detail) == 500


def test_touches_record_bulk_inserts_all():
    customer, campaign = CustomerFactory(), CampaignFactory()
    built = [
        touch_build(kind=k, source=TouchSource.EMAIL, customer_id=customer.pk, campaign_id=campaign.pk)
        for k in (TouchKind.EMAIL_OPEN, TouchKind.CLICK)
    ]
    assert touches_record_bulk(touches=built) == 2
    assert aida_funnel(campaign_id=campaign.pk).count(AidaStep.INFORMATION) == 1


def test_the_funnel_counts_distinct_people_per_step_and_the_conversion_between_steps():
    campaign = CampaignFactory()
    vip, other = SegmentFactory(name="VIP"), SegmentFactory(name="Others")
    campaign.segments.add(vip, other)
    people = [CustomerFactory() for _ in range(4)]
    vip.members.add(*people[:2])
    other.members.add(*people[2:])
    for p in people:  # all four saw it, two of them twice
        TouchFactory(customer=p, campaign=campaign, kind=TouchKind.EMAIL_OPEN, step=AidaStep.ATTENTION)
    TouchFactory(customer=people[0], campaign=campaign, kind=TouchKind.EMAIL_OPEN, step=AidaStep.ATTENTION)
    for p in people[:2]:
        TouchFactory(customer=p, campaign=campaign, kind=TouchKind.CLICK, step=AidaStep.INFORMATION)
    TouchFactory(customer=people[0], campaign=campaign, kind=TouchKind.OFFER_CLAIM, step=AidaStep.DESIRE)
    TouchFactory(customer=people[0], campaign=campaign, kind=TouchKind.ORDER, step=AidaStep.ACTION)
    # A scanner "clicked" for a third person: not counted.
    TouchFactory(
        customer=people[2], campaign=campaign, kind=TouchKind.CLICK, step=AidaStep.INFORMATION, is_automated=True
    )
    TouchFactory(customer=people[3], campaign=CampaignFactory(), kind=TouchKind.CLICK, step=AidaStep.INFORMATION)

    funnel = aida_funnel(campaign_id=campaign.pk)

    assert [(s.step, s.customers, s.conversion) for s in funnel.steps] == [
        ("attention", 4, None),
        ("information", 2, 50.0),
        ("desire", 1, 50.0),
        ("action", 1, 100.0),
        ("satisfaction", 0, 0.0),
    ]
    by_segment = aida_funnel_by_segment(campaign_id=campaign.pk)
    assert by_segment[vip.pk].count("information") == 2
    assert by_segment[other.pk].count("attention") == 2
    assert by_segment[other.pk].count("information") == 0
    assert aida_funnel(segment_id=other.pk).count("information") == 1  # all campaigns: the other campaign's click
