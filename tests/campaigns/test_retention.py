"""Retention: touches, messages and delivery reports older than PRIVACY_RETENTION_DAYS lose their personal fields,
and every figure counted from them stays as it was."""

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.models import (
    AidaStep,
    DeliveryEvent,
    DeliveryReport,
    MessageStatus,
    OccasionOffer,
    ReportSource,
    Touch,
    TouchKind,
)
from campaigns.selectors import aida_funnel
from campaigns.services.bounces import soft_bounces_in_a_row
from campaigns.services.retention import retention_apply
from campaigns.tasks import expire_personal_fields
from customers.models import address_hash
from cycle.selectors.dashboards import DASHBOARDS, Filters
from cycle.services.rollups import rollups_rebuild, rollups_refresh
from tests.campaigns.factories import CampaignFactory, MessageFactory, TouchFactory
from tests.customers.factories import CustomerFactory, OccasionFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
DAYS = 730
CUTOFF = NOW - dt.timedelta(days=DAYS)
PERSONAL = {"user_agent": "Mozilla/5.0 (iPhone)", "referrer": "https://mail.example.com/", "detail": "زهرا: چای؟"}


@pytest.fixture(autouse=True)
def _retention(settings):
    settings.PRIVACY_RETENTION_DAYS = DAYS


def _touch(when, **extra):
    return TouchFactory(occurred_at=when, step=AidaStep.DESIRE, kind=TouchKind.INQUIRY, **{**PERSONAL, **extra})


def _personal(touch):
    touch.refresh_from_db()
    return {name: getattr(touch, name) for name in PERSONAL}


def test_exactly_the_age_is_kept_and_one_second_older_is_blanked():
    kept = _touch(CUTOFF)
    gone = _touch(CUTOFF - dt.timedelta(seconds=1))
    counted = ("customer_id", "campaign_id", "step", "kind", "source", "occurred_at", "agent", "is_automated")
    before = Touch.objects.filter(pk=gone.pk).values(*counted).get()

    run = retention_apply(now=NOW)

    assert _personal(kept) == PERSONAL
    assert _personal(gone) == {"user_agent": "", "referrer": "", "detail": ""}
    assert run.blanked["touches"] == 1
    assert Touch.objects.filter(pk=gone.pk).values(*counted).get() == before


def test_zero_keeps_everything(settings):
    settings.PRIVACY_RETENTION_DAYS = 0
    ancient = _touch(NOW - dt.timedelta(days=5000))
    message = MessageFactory(created_at=NOW - dt.timedelta(days=5000), error="550 5.1.1 <zahra@example.com> unknown")

    run = retention_apply(now=NOW)

    assert run.cutoff is None and run.blanked == {}
    assert _personal(ancient) == PERSONAL
    message.refresh_from_db()
    assert message.error == "550 5.1.1 <zahra@example.com> unknown"


def test_old_messages_lose_the_error_that_names_the_address_and_keep_their_status():
    old = MessageFactory(
        created_at=CUTOFF - dt.timedelta(days=1),
        status=MessageStatus.FAILED,
        error="550 5.1.1 <zahra@example.com>: Recipient address rejected",
    )
    young = MessageFactory(created_at=CUTOFF + dt.timedelta(days=1), status=MessageStatus.FAILED, error="550 no")
    occasion = OccasionFactory()
    offer = OccasionOffer.objects.create(
        occasion=occasion,
        customer=occasion.customer,
        campaign=CampaignFactory(),
        year=2023,
        created_at=CUTOFF - dt.timedelta(days=1),
        error="452 mailbox of zahra@example.com full",
    )

    retention_apply(now=NOW)

    old.refresh_from_db(), young.refresh_from_db(), offer.refresh_from_db()
    assert (old.error, old.status) == ("", MessageStatus.FAILED)
    assert young.error == "550 no"
    assert offer.error == ""


def test_old_delivery_reports_lose_the_address_but_still_count_by_its_hash():
    address = "zahra@example.com"
    report = DeliveryReport.objects.create(
        event=DeliveryEvent.SOFT_BOUNCE,
        address=address,
        address_hash=address_hash(address),
        source=ReportSource.MAILGUN,
        status="4.2.2",
        detail=f"452 4.2.2 <{address}> mailbox full",
        reference=f"mailgun:abc:{address}",
        reported_at=CUTOFF - dt.timedelta(minutes=1),
    )

    retention_apply(now=NOW)

    report.refresh_from_db()
    assert (report.address, report.detail, report.reference) == ("", "", "")
    assert (report.event, report.status, report.address_hash) == (
        DeliveryEvent.SOFT_BOUNCE,
        "4.2.2",
        address_hash(address),
    )
    assert soft_bounces_in_a_row(key=address_hash(address)) == 1


def test_a_run_stopped_half_way_carries_on_where_it_stopped_and_a_second_run_changes_nothing():
    touches = [_touch(CUTOFF - dt.timedelta(days=n + 1)) for n in range(5)]
    young = _touch(NOW)

    start = {"touches": touches[0].pk - 1}
    first = retention_apply(now=NOW, batch_size=2, time_budget=0, after=start)
    assert first.resume == {"touches": touches[1].pk}  # stopped after its first batch of two ids
    assert [_personal(t)["detail"] for t in touches] == ["", "", *[PERSONAL["detail"]] * 3]

    rest = retention_apply(now=NOW, batch_size=2, after=first.resume)
    assert rest.resume is None
    assert all(_personal(t) == {"user_agent": "", "referrer": "", "detail": ""} for t in touches)
    assert (first.blanked["touches"], rest.blanked["touches"]) == (2, 3)
    assert _personal(young) == PERSONAL

    again = retention_apply(now=NOW, batch_size=2)
    assert sum(again.blanked.values()) == 0


def test_the_scheduled_task_blanks_what_is_older_than_the_setting():
    old = _touch(timezone.now() - dt.timedelta(days=DAYS, hours=1))
    recent = _touch(timezone.now() - dt.timedelta(days=DAYS - 1))

    summary = expire_personal_fields.delay().get()

    assert summary["blanked"]["touches"] == 1 and summary["resume"] is None
    assert _personal(old)["detail"] == "" and _personal(recent) == PERSONAL


def _funnel_figures(filters):
    """What the managers see of the funnel: from the rollups and from the tables, per campaign and in total."""
    figures = {}
    for live in (False, True):
        board = DASHBOARDS["funnel"](filters, live=live)
        figures[live] = (
            [(str(label), value) for label, value, _hint in board.figures],
            board.table("campaigns").rows,
            board.table("steps").rows,
        )
    return figures


def test_the_funnel_and_the_dashboards_are_the_same_after_retention():
    now = timezone.now()
    long_ago = now - dt.timedelta(days=DAYS + 30)
    campaign = CampaignFactory(name="Nowruz")
    for when in (long_ago, now - dt.timedelta(days=2)):
        for i in range(3):
            customer = CustomerFactory()
            TouchFactory(customer=customer, campaign=campaign, occurred_at=when, **PERSONAL)
            if i:
                TouchFactory(
                    customer=customer,
                    campaign=campaign,
                    occurred_at=when + dt.timedelta(minutes=5),
                    step=AidaStep.INFORMATION,
                    kind=TouchKind.CLICK,
                    detail="https://shop.example.com/tea",
                    user_agent="Mozilla/5.0",
                )
            if i == 2:
                _touch(when + dt.timedelta(minutes=9), customer=customer, campaign=campaign)
        TouchFactory(campaign=campaign, occurred_at=when, proxy=True, referrer="https://proxy.example/")
    rollups_refresh()
    whole = Filters(start=timezone.localdate(long_ago) - dt.timedelta(days=1), end=timezone.localdate(now))
    before = _funnel_figures(whole)
    funnel_before = aida_funnel(campaign_id=campaign.pk)
    assert before[False] == before[True]
    steps = {row[0]: row[1] for row in before[True][2]}
    assert (steps[AidaStep.ATTENTION.label], steps[AidaStep.INFORMATION.label], steps[AidaStep.DESIRE.label]) == (
        6,
        4,
        2,
    )

    run = retention_apply()
    assert run.blanked["touches"] == 7  # the old period's touches, every one of them carrying personal fields

    rollups_refresh()
    assert _funnel_figures(whole) == before
    assert aida_funnel(campaign_id=campaign.pk) == funnel_before
    rollups_rebuild()
    assert _funnel_figures(whole) == before
    assert Touch.objects.filter(occurred_at__lt=now - dt.timedelta(days=DAYS)).count() == 7
