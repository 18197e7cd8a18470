"""The managers' dashboards: what they show, from rollups kept fresh by a job, the same as from the tables."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from aftersales.models import TicketStatus
from campaigns.agents import AgentKind
from campaigns.models import AidaStep, TouchKind
from customers.models import CustomerHistory, LifecycleStage, ProfileAttribute, ValueTier
from cycle.models import Kpi, LoopRun, LoopRunStatus, LoopTrigger, OrderDaily, RollupState, ServiceDaily, TouchDaily
from cycle.selectors.dashboards import DASHBOARDS, Filters, funnel_board
from cycle.selectors.plans import BEHIND, ON_TRACK
from cycle.services.rollups import ROLLUPS, rollups_rebuild, rollups_refresh
from emarketing.brand.selectors import brand_values
from orders.models import OrderStatus, PaymentStatus, SalesChannel
from orders.services.orders import order_cancel
from tests.aftersales.factories import SurveyResponseFactory, TicketFactory
from tests.campaigns.factories import CampaignFactory, TouchFactory
from tests.customers.factories import CustomerFactory, SegmentFactory
from tests.cycle.factories import MilestoneFactory, ObjectiveFactory
from tests.orders.factories import AgentFactory, OrderFactory, PaymentFactory, ShipmentFactory

pytestmark = pytest.mark.django_db

PAGES = ["cycle", "funnel", "plan", "transfer", "aftersales", "boni", "website", "content", "mediation", "money"]


def _touch(customer, campaign, step, kind, when=None):
    return TouchFactory(customer=customer, campaign=campaign, step=step, kind=kind, occurred_at=when or timezone.now())


def _cycle_data(size=1, campaign=None):
    """A small but complete cycle: customers, touches, orders, payments, deliveries, tickets, surveys, history."""
    now = timezone.now()
    campaign = campaign or CampaignFactory(name="Spring")
    agent = AgentFactory(name="Tabriz agency")
    for i in range(size):
        stage = [LifecycleStage.ACQUISITION, LifecycleStage.RETENTION][i % 2]
        buyer = CustomerFactory(lifecycle_stage=stage, at_risk=(i % 3 == 0))
        _touch(buyer, campaign, AidaStep.ATTENTION, TouchKind.EMAIL_OPEN)
        _touch(buyer, campaign, AidaStep.ATTENTION, TouchKind.EMAIL_OPEN)
        _touch(buyer, campaign, AidaStep.INFORMATION, TouchKind.CLICK)
        _touch(buyer, campaign, AidaStep.ACTION, TouchKind.ORDER)
        looker = CustomerFactory()
        _touch(looker, campaign, AidaStep.ATTENTION, TouchKind.EMAIL_OPEN)
        web = OrderFactory(customer=buyer, total=Decimal("100.00"))
        OrderFactory(customer=looker, channel=SalesChannel.AGENT, agent=agent, total=Decimal("40.00"))
        OrderFactory(customer=looker, status=OrderStatus.CANCELLED, total=Decimal("999.00"))
        PaymentFactory(order=web, status=PaymentStatus.CAPTURED)
        PaymentFactory(order=web, status=PaymentStatus.FAILED)
        ShipmentFactory(
            order=web,
            status="delivered",
            promised_on=timezone.localdate(),
            shipped_at=now - dt.timedelta(hours=2),
            delivered_at=now - dt.timedelta(hours=1),
        )
        TicketFactory(customer=buyer, created_at=now - dt.timedelta(hours=30))  # past its first-response target
        SurveyResponseFactory(customer=buyer, csat=5, nps=10)
        SurveyResponseFactory(customer=looker, csat=2, nps=3)
        CustomerHistory.objects.create(
            customer=buyer,
            attribute=ProfileAttribute.LIFECYCLE_STAGE,
            old_value=LifecycleStage.ACQUISITION,
            new_value=LifecycleStage.RETENTION,
        )
        CustomerHistory.objects.create(
            customer=buyer,
            attribute=ProfileAttribute.VALUE_TIER,
            old_value=ValueTier.UNRATED,
            new_value=ValueTier.POTENTIAL,
        )
    return campaign


def _figures(board):
    return {str(label): value for label, value, _hint in board.figures}


def test_the_rollups_give_the_same_figures_as_the_tables():
    _cycle_data(size=3)
    rollups_refresh()
    filters = Filters.default()
    for name in ["transfer", "aftersales", "boni"]:
        assert _figures(DASHBOARDS[name](filters)) == _figures(DASHBOARDS[name](filters, live=True)), name
    funnel, live = DASHBOARDS["funnel"](filters), DASHBOARDS["funnel"](filters, live=True)
    assert funnel.table("campaigns").rows == live.table("campaigns").rows
    assert _figures(DASHBOARDS["cycle"](filters)) == _figures(DASHBOARDS["cycle"](filters, live=True))


def test_the_funnel_counts_each_customer_once_per_step_with_conversion():
    campaign = _cycle_data(size=2)
    rollups_refresh()
    board = DASHBOARDS["funnel"](Filters.default())
    steps = {row[0]: row[1:] for row in board.table("steps").rows}
    assert steps[AidaStep.ATTENTION.label][:2] == [4, None]  # two buyers and two lookers, each once
    assert steps[AidaStep.ATTENTION.label][2] == 6  # six opens
    assert steps[AidaStep.INFORMATION.label][:2] == [2, Decimal("50.00")]
    assert steps[AidaStep.DESIRE.label][:2] == [0, Decimal("0.00")]
    assert board.table("campaigns").rows[0][0] == campaign.name


def test_an_incremental_refresh_adds_only_what_is_new():
    campaign = _cycle_data(size=1)
    rollups_refresh()
    customer = CustomerFactory()
    known = campaign.touches.filter(step=AidaStep.ATTENTION).first().customer
    _touch(known, campaign, AidaStep.ATTENTION, TouchKind.EMAIL_OPEN)  # heard from again: not a new customer
    _touch(customer, campaign, AidaStep.ATTENTION, TouchKind.EMAIL_OPEN)
    OrderFactory(customer=customer, total=Decimal("10.00"))
    rollups_refresh()
    rollups_refresh()  # twice changes nothing twice
    today = timezone.localdate()
    attention = TouchDaily.objects.get(day=today, campaign=campaign, step=AidaStep.ATTENTION)
    assert (attention.touches, attention.reached) == (5, 3)
    assert sum(OrderDaily.objects.filter(day=today).values_list("orders", flat=True)) == 4
    before = {r.pk: (r.touches, r.reached) for r in TouchDaily.objects.all()}
    rollups_rebuild()
    assert sorted(before.values()) == sorted((r.touches, r.reached) for r in TouchDaily.objects.all())


def test_a_status_moved_after_the_refresh_is_picked_up():
    _cycle_data(size=1)
    rollups_refresh()
    order = OrderFactory(total=Decimal("70.00"), placed_at=timezone.now() - dt.timedelta(days=10))
    rollups_refresh()
    assert _figures(DASHBOARDS["transfer"](Filters.default()))["Revenue"] == Decimal("210.00")
    order_cancel(order=order)
    rollups_refresh()
    assert _figures(DASHBOARDS["transfer"](Filters.default()))["Revenue"] == Decimal("140.00")


def test_transfer_shows_payment_success_on_time_delivery_channels_and_agents():
    _cycle_data(size=2)
    rollups_refresh()
    board = DASHBOARDS["transfer"](Filters.default())
    figures = _figures(board)
    assert figures["Orders"] == 6
    assert figures["Revenue"] == Decimal("280.00")
    assert figures["Payment success (%)"] == Decimal("50.00")
    assert figures["On-time delivery (%)"] == Decimal("100.00")
    agents = board.table("agents").rows
    assert agents == [["Tabriz agency", 2, 2, Decimal("80.00")]]
    channels = {row[0]: row[1] for row in board.table("channels").rows}
    assert channels == {SalesChannel.WEB.label: 4, SalesChannel.AGENT.label: 2}


def test_after_sales_shows_open_tickets_breaches_csat_and_nps():
    _cycle_data(size=2)
    TicketFactory(status=TicketStatus.CLOSED)
    rollups_refresh()
    figures = _figures(DASHBOARDS["aftersales"](Filters.default()))
    assert figures["Open tickets now"] == 2
    assert figures["Open tickets past their first-response target"] == 2
    assert figures["Average satisfaction (CSAT)"] == Decimal("3.50")
    assert figures["Net promoter score"] == Decimal("0.00")  # one promoter, one detractor


def test_the_cycle_shows_stages_flow_and_what_the_loop_brought_back():
    _cycle_data(size=2)
    LoopRun.objects.create(
        trigger=LoopTrigger.SCHEDULE, status=LoopRunStatus.SUCCEEDED, needs_created=3, customers_updated=5
    )
    rollups_refresh()
    board = DASHBOARDS["cycle"](Filters.default())
    figures = _figures(board)
    assert figures["Needs found by the loop"] == 3
    assert figures["Customers updated by the loop"] == 5
    assert figures["Customers re-tiered in the period"] == 2
    assert figures["At risk now"] == 1
    assert [LifecycleStage.ACQUISITION.label, LifecycleStage.RETENTION.label, 2] in board.table("flow").rows
    stages = dict(board.table("stages").rows)
    assert stages[LifecycleStage.SELECTION.label] == 2  # the lookers


def test_the_plan_shows_objectives_against_targets_and_the_3m():
    _cycle_data(size=1)
    rollups_refresh()
    objective = ObjectiveFactory(title="More revenue", kpi=Kpi.REVENUE, target=Decimal("100"), budget=Decimal("500"))
    MilestoneFactory(plan=objective.plan, title="Late catalogue", due_on=timezone.localdate() - dt.timedelta(days=2))
    board = DASHBOARDS["plan"](Filters.default())
    row = board.table("objectives").rows[0]
    assert row[0] == "More revenue"
    assert row[6] == Decimal("140.00")
    figures = _figures(board)
    assert figures["Deadlines missed"] == 1
    assert figures["Next six-monthly review"] == objective.plan.next_review_on
    assert board.table("deadlines").rows[0][3] == "Missed"


def test_segment_filter_narrows_the_cycle_and_the_funnel():
    campaign = _cycle_data(size=2)
    segment = SegmentFactory(name="Loyal")
    buyer = campaign.touches.filter(step=AidaStep.ACTION).first().customer
    segment.memberships.create(customer=buyer)
    rollups_refresh()
    board = DASHBOARDS["funnel"](Filters(**{**vars(Filters.default()), "segment_id": segment.pk}))
    assert board.table("segment").rows[0][1] == 1
    cycle = DASHBOARDS["cycle"](Filters(**{**vars(Filters.default()), "segment_id": segment.pk}))
    assert sum(n for _label, n in cycle.table("stages").rows) == 1


@pytest.mark.parametrize("page", PAGES)
def test_each_dashboard_page_draws_its_charts_and_says_how_fresh_it_is(manager_client, page):
    _cycle_data(size=1)
    ObjectiveFactory()
    rollups_refresh()
    response = manager_client.get(reverse(f"dashboards:{page}"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="dashboard-charts"' in body
    assert "chart.umd.min.js" in body
    assert "dashboards.js" in body
    assert "Figures as of" in body
    assert ".." not in body.split('id="figures-as-of"')[1].split("</p>")[0]  # "a.m.." once
    assert "Download CSV" in body


def test_a_page_before_the_first_refresh_says_so(manager_client):
    response = manager_client.get(reverse("dashboards:transfer"))
    assert "have not been computed yet" in response.content.decode()


def test_a_bad_period_is_refused_and_the_default_shown(manager_client):
    response = manager_client.get(reverse("dashboards:transfer"), {"start": "2026-05-01", "end": "2026-04-01"})
    assert response.status_code == 200
    assert "The period must end after it starts." in response.content.decode()


def test_dates_typed_with_persian_digits_are_read(manager_client):
    response = manager_client.get(reverse("dashboards:transfer"), {"start": "۲۰۲۶-۰۱-۰۱", "end": "۲۰۲۶-۰۱-۳۱"})
    assert response.context["filters"].start == dt.date(2026, 1, 1)
    assert response.context["filters"].end == dt.date(2026, 1, 31)


def test_every_table_downloads_as_csv_with_formulas_defused(manager_client):
    _cycle_data(size=1, campaign=CampaignFactory(name='=HYPERLINK("http://evil.example","x")'))
    rollups_refresh()
    response = manager_client.get(reverse("dashboards:funnel"), {"download": "campaigns"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Campaign"
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","x")'
    for page in PAGES:
        board_response = manager_client.get(reverse(f"dashboards:{page}"))
        for table in board_response.context["board"].tables:
            download = manager_client.get(reverse(f"dashboards:{page}"), {"download": table.key})
            assert download.status_code == 200, (page, table.key)
    assert manager_client.get(reverse("dashboards:funnel"), {"download": "nope"}).status_code == 404


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", PAGES)
def test_a_page_costs_the_same_queries_whatever_the_data_size(manager_client, page, django_assert_max_num_queries):
    ObjectiveFactory(kpi=Kpi.REVENUE)
    campaign = _cycle_data(size=1)
    rollups_refresh()
    url = reverse(f"dashboards:{page}")
    brand_values()  # the brand in the admin's title: read once per process, then from the cache
    small = _queries(manager_client, url)
    _cycle_data(size=8, campaign=campaign)
    for _ in range(3):
        _cycle_data(size=1)
    ObjectiveFactory(kpi=Kpi.CSAT)
    rollups_refresh()
    large = _queries(manager_client, url)
    assert small == large
    with django_assert_max_num_queries(large):
        manager_client.get(url)


def test_the_refresh_job_is_scheduled_every_ten_minutes_and_runs():
    from cycle.tasks import refresh_dashboard_rollups
    from emarketing.celery import app

    entry = app.conf.beat_schedule["cycle-refresh-dashboard-rollups"]
    assert entry["task"] == "cycle.tasks.refresh_dashboard_rollups"
    assert len(entry["schedule"].minute) == 6
    _cycle_data(size=1)
    refresh_dashboard_rollups.delay()
    assert ServiceDaily.objects.get(day=timezone.localdate()).surveys == 2
    assert RollupState.objects.filter(refreshed_at__isnull=False).count() == len(ROLLUPS)


def test_the_rebuild_command_recomputes_everything():
    _cycle_data(size=1)
    rollups_refresh()
    TouchDaily.objects.update(touches=0)
    out = io.StringIO()
    call_command("rebuild_dashboard_rollups", stdout=out)
    assert TouchDaily.objects.filter(touches=0).count() == 0
    assert "up to date" in out.getvalue()


def test_money_is_shown_in_cents(manager_client):
    """Sums of revenue read from the database are shown as money (280.00), not with a dozen decimal places."""
    _cycle_data(size=2)
    rollups_refresh()
    body = manager_client.get(reverse("dashboards:transfer")).content.decode()
    revenue = re.search(r'<div class="small text-muted">Revenue</div>\s*<div class="[^"]*">([^<]*)</div>', body)
    assert revenue.group(1).strip() == "280.00"
    agents = body[body.index('id="table-agents"') :]
    assert re.search(r"<td[^>]*>80\.00</td>", agents)


def test_the_plan_counts_objectives_on_track_and_behind_by_status_in_every_language():
    """The counts come from the statuses themselves, never from comparing their translated labels."""
    _cycle_data(size=1)
    rollups_refresh()
    ahead = ObjectiveFactory(title="Some revenue", kpi=Kpi.REVENUE, target=Decimal("1"))
    ObjectiveFactory(plan=ahead.plan, title="All the revenue", kpi=Kpi.REVENUE, target=Decimal("100000000"))
    for language in ("en", "fa", "ar"):
        with translation.override(language):
            board = DASHBOARDS["plan"](Filters.default())
            assert board.extra["statuses"] == [ON_TRACK, BEHIND]
            values = [value for _label, value, _hint in board.figures]
            assert values[:2] == [1, 1], language


PROXY_OPENS = "Opened by a mail proxy"


def _people_proxies_and_scanners(campaign=None):
    """3 people open the campaign, Apple's proxy fetches it for 2 others (twice each), and scanners open it twice and
    click twice for 4 more."""
    campaign = campaign or CampaignFactory(name="Autumn")
    for _ in range(3):
        _touch(CustomerFactory(), campaign, AidaStep.ATTENTION, TouchKind.EMAIL_OPEN)
    proxied = [CustomerFactory() for _ in range(2)]
    for customer in proxied:
        for _ in range(2):
            TouchFactory(customer=customer, campaign=campaign, proxy=True)
    for kind, step in [(TouchKind.EMAIL_OPEN, AidaStep.ATTENTION)] * 2 + [(TouchKind.CLICK, AidaStep.INFORMATION)] * 2:
        TouchFactory(
            customer=CustomerFactory(), campaign=campaign, kind=kind, step=step, is_automated=True, agent=AgentKind.BOT
        )
    return campaign, proxied


def _campaign_row(board, campaign):
    return next(row for row in board.table("campaigns").rows if row[0] == campaign.name)


def test_attention_counts_people_proxy_opens_are_shown_apart_and_bots_never():
    campaign, _proxied = _people_proxies_and_scanners()
    rollups_refresh()
    filters = Filters.default()

    board = DASHBOARDS["funnel"](filters)

    figures = _figures(board)
    assert (figures["Attention"], figures[PROXY_OPENS], figures["Information"]) == (3, 2, 0)
    labels = [str(label) for label, _v, _h in board.figures]
    assert labels.index(PROXY_OPENS) == labels.index("Attention") + 1  # shown beside attention
    headers = [str(h) for h in board.table("campaigns").headers]
    assert headers[:4] == ["Campaign", "Attention", PROXY_OPENS, "Information"]
    assert _campaign_row(board, campaign)[1:4] == [3, 2, 0]
    steps = {row[0]: row[1:] for row in board.table("steps").rows}
    assert steps[AidaStep.ATTENTION.label][2] == 3  # the people's three opens, nobody else's
    assert steps[AidaStep.INFORMATION.label][2] == 0
    live = DASHBOARDS["funnel"](filters, live=True)
    assert board.table("campaigns").rows == live.table("campaigns").rows
    assert _figures(board) == _figures(live)


def test_a_person_opening_after_the_proxy_moves_from_proxy_opens_to_attention(settings):
    settings.DASHBOARD_ROLLUP_TOUCH_BATCH = 3  # several batches: a look in one batch, the fetch in an earlier one
    campaign, proxied = _people_proxies_and_scanners()
    rollups_refresh()
    _touch(proxied[0], campaign, AidaStep.ATTENTION, TouchKind.EMAIL_OPEN)  # read with images on another device
    TouchFactory(customer=CustomerFactory(), campaign=campaign, proxy=True)  # a new proxy fetch
    TouchFactory(customer=proxied[1], campaign=campaign, proxy=True)  # fetched again: still one customer
    rollups_refresh()

    assert _campaign_row(DASHBOARDS["funnel"](Filters.default()), campaign)[1:3] == [4, 2]
    assert _campaign_row(DASHBOARDS["funnel"](Filters.default(), live=True), campaign)[1:3] == [4, 2]
    before = sorted(TouchDaily.objects.values_list("day", "campaign_id", "step", "touches", "reached", "proxied"))
    rollups_rebuild()
    after = sorted(TouchDaily.objects.values_list("day", "campaign_id", "step", "touches", "reached", "proxied"))
    assert [row for row in after if any(row[3:])] == [row for row in before if any(row[3:])]


def test_a_proxy_fetch_on_an_earlier_day_is_taken_off_that_day():
    campaign = CampaignFactory(name="Winter")
    customer = CustomerFactory()
    earlier = timezone.now() - dt.timedelta(days=3)
    TouchFactory(customer=customer, campaign=campaign, proxy=True, occurred_at=earlier)
    rollups_refresh()
    day = timezone.localdate(earlier)
    assert TouchDaily.objects.get(day=day, campaign=campaign, step=AidaStep.ATTENTION).proxied == 1

    _touch(customer, campaign, AidaStep.ATTENTION, TouchKind.EMAIL_OPEN)
    rollups_refresh()

    assert TouchDaily.objects.get(day=day, campaign=campaign, step=AidaStep.ATTENTION).proxied == 0
    today = TouchDaily.objects.get(day=timezone.localdate(), campaign=campaign, step=AidaStep.ATTENTION)
    assert (today.reached, today.proxied) == (1, 0)


def test_the_funnel_csv_carries_the_proxy_opens(manager_client):
    campaign, _proxied = _people_proxies_and_scanners()
    rollups_refresh()

    response = manager_client.get(reverse("dashboards:funnel"), {"download": "campaigns"})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Campaign", "Attention", PROXY_OPENS, "Information"]
    assert [row[:4] for row in rows[1:] if row[0] == campaign.name] == [[campaign.name, "3", "2", "0"]]


def test_the_segment_funnels_show_proxy_opens_apart():
    campaign, proxied = _people_proxies_and_scanners()
    segment = SegmentFactory(name="Apple Mail readers")
    segment.members.add(*proxied)
    campaign.segments.add(segment)
    rollups_refresh()

    board = DASHBOARDS["funnel"](Filters(**{**vars(Filters.default()), "segment_id": segment.pk}))
    assert board.table("segment").rows[0][1] == 0  # no person of the segment looked
    assert board.table("segment").rows[-1][:2] == [PROXY_OPENS, 2]
    board = DASHBOARDS["funnel"](Filters(**{**vars(Filters.default()), "campaign_id": campaign.pk}))
    assert board.table("segments").rows == [["Apple Mail readers", 0, 2, 0, 0.0, 0, 0.0, 0, 0.0, 0, 0.0]]


@pytest.mark.parametrize(("language", "two"), [("en", "2"), ("fa", "۲"), ("ar", "٢")])
def test_the_funnel_page_shows_the_proxy_opens_in_every_language(manager_client, language, two):
    _people_proxies_and_scanners()
    rollups_refresh()

    response = manager_client.get(reverse("dashboards:funnel"), HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    body = response.content.decode()
    figures = body[body.index('id="dashboard-figures"') :]
    with translation.override(language):
        card = figures[figures.index(str(funnel_board.PROXY_OPENS)) :]
    assert f'<div class="fs-4 fw-semibold">{two}</div>' in card[: card.index("</div></div></div>")]
