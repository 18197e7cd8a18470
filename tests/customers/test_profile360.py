"""The 360° profile under a customer's change page: every stage's entries in one timeline, newest first, paged
by a cursor; summary cards; each section only to those who may see it; a fixed number of queries per page."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone, translation

from aftersales.models import TicketStatus
from campaigns.models import AidaStep, MessageStatus, TouchKind
from customers.models import NeedMention, NeedSource
from customers.timeline import Cursor, customer_timeline
from cycle.demo.users import _agents_group
from orders.models import OrderStatus, ShipmentStatus
from tests.aftersales.factories import SurveyResponseFactory, TicketFactory
from tests.campaigns.factories import CampaignFactory, MessageFactory, TouchFactory
from tests.customers.factories import CustomerFactory, NeedFactory
from tests.factories import UserFactory
from tests.orders.factories import AgentFactory, OrderFactory, ShipmentFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def _page(client, customer, **query):
    return client.get(reverse("admin:customers_customer_change", args=[customer.pk]), query)


def _entries(response):
    return response.context["profile"]["page"].entries


def _all_pages(customer, viewer, limit):
    """Every entry, following the cursor as the "Older" link does; the cursor goes through its text form."""
    seen, before = [], None
    while True:
        page = customer_timeline(customer_id=customer.pk, viewer=viewer, before=before, limit=limit)
        seen.extend(page.entries)
        if page.older is None:
            return seen
        before = Cursor.parse(str(page.older))


@pytest.fixture
def world():
    """A customer with one of everything, an hour apart, and another customer with the same kinds of rows."""
    customer = CustomerFactory(first_name="Zahra", last_name="Ahmadi")
    campaign = CampaignFactory(name="Spring sale")
    order = OrderFactory(customer=customer, number="ORD-20261202-0957", placed_at=NOW - dt.timedelta(hours=6))
    ShipmentFactory(
        order=order,
        promised_on=timezone.localdate() - dt.timedelta(days=3),
        status=ShipmentStatus.SHIPPED,
        shipped_at=NOW - dt.timedelta(days=4),
    )
    MessageFactory(
        customer=customer, campaign=campaign, status=MessageStatus.SENT, created_at=NOW - dt.timedelta(hours=5)
    )
    TouchFactory(customer=customer, campaign=campaign, occurred_at=NOW - dt.timedelta(hours=4))
    TicketFactory(customer=customer, subject="Parcel never came", created_at=NOW - dt.timedelta(hours=3))
    SurveyResponseFactory(
        customer=customer, csat=2, nps=3, comment="Late and expensive", created_at=NOW - dt.timedelta(hours=2)
    )
    need = NeedFactory(title="Faster delivery")
    NeedMention.objects.create(
        need=need, customer=customer, source=NeedSource.SURVEY, source_id=1, heard_at=NOW - dt.timedelta(hours=1)
    )
    other = CustomerFactory(first_name="Other", last_name="Person")
    OrderFactory(customer=other, number="ORD-OTHER-1")
    TouchFactory(customer=other, campaign=CampaignFactory(name="Not theirs"))
    TicketFactory(customer=other, subject="Someone else's ticket")
    SurveyResponseFactory(customer=other, csat=5, comment="Someone else's comment")
    MessageFactory(customer=other, campaign=CampaignFactory(name="Other campaign"))
    return customer


def test_the_timeline_shows_every_kind_newest_first(admin_client, world):
    response = _page(admin_client, world)
    assert response.status_code == 200
    entries = _entries(response)
    assert [e.source for e in entries] == ["needs", "surveys", "tickets", "touches", "messages", "orders"]
    assert [e.when for e in entries] == sorted((e.when for e in entries), reverse=True)
    html = response.content.decode()
    for shown in ("Faster delivery", "Late and expensive", "Parcel never came", "Spring sale", "ORD-20261202-0957"):
        assert shown in html
    assert "<bdi>ORD-20261202-0957</bdi>" in html
    # The order's delivery is late: said on the entry and counted on the card.
    order = entries[-1]
    assert order.warn and "late" in order.state
    cards = {str(card.label): card.value for card in response.context["profile"]["cards"]}
    assert cards["Late deliveries"] == "1"
    assert cards["Orders"] == "1"
    assert cards["Open tickets"] == "1"
    assert cards["Campaigns received"] == "1"
    assert cards["Open needs"] == "1"
    assert "Satisfaction 2/5" in cards["Last survey"]


def test_a_second_customers_entries_never_appear(admin_client, world):
    html = _page(admin_client, world).content.decode()
    for theirs in ("ORD-OTHER-1", "Not theirs", "Someone else", "Other campaign"):
        assert theirs not in html


def test_pages_follow_the_cursor_without_repeats_or_gaps_at_equal_times():
    customer = CustomerFactory()
    viewer = UserFactory(is_staff=True, is_superuser=True)
    campaign = CampaignFactory()
    same = NOW - dt.timedelta(days=1)
    # Eleven touches, a ticket, a survey answer and an order at exactly the same time; more at other times.
    for _ in range(11):
        TouchFactory(customer=customer, campaign=campaign, occurred_at=same)
    TicketFactory(customer=customer, created_at=same)
    SurveyResponseFactory(customer=customer, created_at=same)
    OrderFactory(customer=customer, placed_at=same)
    for minutes in range(9):
        TouchFactory(customer=customer, campaign=campaign, occurred_at=same + dt.timedelta(minutes=minutes))
        TouchFactory(customer=customer, campaign=campaign, occurred_at=same - dt.timedelta(minutes=minutes))
    everything = customer_timeline(customer_id=customer.pk, viewer=viewer, limit=50).entries
    assert len(everything) == 32
    for limit in (1, 3, 4, 7):
        paged = _all_pages(customer, viewer, limit)
        assert [(e.source, e.id) for e in paged] == [(e.source, e.id) for e in everything]


def test_the_older_link_pages_through_the_change_page(admin_client):
    customer = CustomerFactory()
    campaign = CampaignFactory()
    for minutes in range(45):
        TouchFactory(customer=customer, campaign=campaign, occurred_at=NOW - dt.timedelta(minutes=minutes))
    first = _page(admin_client, customer)
    older = first.context["profile"]["older_query"]
    assert older and f'href="?{older}#timeline"'.replace("&", "&amp;") in first.content.decode()
    cursor = re.search(r"timeline=([^&]+)", older).group(1)
    second = _page(admin_client, customer, timeline=cursor)
    ids = [e.id for e in _entries(first)] + [e.id for e in _entries(second)]
    assert len(ids) == len(set(ids)) == 45
    assert second.context["profile"]["older_query"] == ""
    assert "Newest" in second.content.decode()


@pytest.mark.parametrize("cursor", ["nonsense", "1.ORDERS.1", "99999999999999999.orders.1", "1.orders.-1", "' OR 1"])
def test_a_mangled_cursor_shows_the_newest_page_with_a_note(admin_client, cursor):
    customer = CustomerFactory()
    TouchFactory(customer=customer)
    response = _page(admin_client, customer, timeline=cursor)
    assert response.status_code == 200
    assert len(_entries(response)) == 1
    if Cursor.parse(cursor) is None:
        assert "could not be read" in response.content.decode()


def test_a_marketer_sees_every_section(client, world):
    marketer = UserFactory(is_staff=True)
    marketer.groups.add(Group.objects.get(name="Marketers"))
    client.force_login(marketer)
    response = _page(client, world)
    assert {e.source for e in _entries(response)} == {"needs", "surveys", "tickets", "touches", "messages", "orders"}


def test_an_agent_sees_only_their_own_orders_and_no_tickets_or_survey_comments(client, world):
    user = UserFactory(username="agent-ali", is_staff=True)
    user.groups.add(_agents_group())
    agent = AgentFactory(user=user)
    OrderFactory(customer=world, agent=agent, channel="agent", number="ORD-AGENT-OWN")
    OrderFactory(customer=world, agent=AgentFactory(), channel="agent", number="ORD-AGENT-OTHER")
    client.force_login(user)
    response = _page(client, world)
    assert response.status_code == 200
    assert {e.title for e in _entries(response)} == {"ORD-AGENT-OWN"}
    html = response.content.decode()
    for hidden in ("Late and expensive", "Parcel never came", "ORD-AGENT-OTHER", "ORD-20261202-0957", "Open tickets"):
        assert hidden not in html
    cards = {str(card.label): card.value for card in response.context["profile"]["cards"]}
    assert set(cards) == {"Orders", "Total bought", "Late deliveries"}
    assert cards["Orders"] == "1"


def test_a_viewer_without_the_survey_permission_sees_no_comment(client, world):
    user = UserFactory(is_staff=True)
    for codename in ("view_customer", "view_ticket", "view_order"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    response = _page(client, world)
    assert {e.source for e in _entries(response)} == {"tickets", "orders"}
    assert "Late and expensive" not in response.content.decode()
    assert "Last survey" not in response.content.decode()


def test_the_add_page_has_no_profile(admin_client):
    response = admin_client.get(reverse("admin:customers_customer_add"))
    assert response.status_code == 200
    assert "profile" not in response.context


def _customer_with_touches(n):
    customer = CustomerFactory()
    campaign = CampaignFactory()
    TouchFactory.create_batch(
        n,
        customer=customer,
        campaign=campaign,
        step=AidaStep.INFORMATION,
        kind=TouchKind.CLICK,
        occurred_at=NOW - dt.timedelta(minutes=1),
    )
    for i in range(3):
        order = OrderFactory(customer=customer, total=Decimal("10"), status=OrderStatus.NEW)
        ShipmentFactory(order=order)
        TicketFactory(customer=customer, status=TicketStatus.OPEN)
        SurveyResponseFactory(customer=customer)
        MessageFactory(customer=customer, campaign=CampaignFactory())
        del i
    return customer


def _queries_of(admin_client, customer, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = _page(admin_client, customer)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_query_count_does_not_grow_with_the_touches(admin_client, django_assert_max_num_queries):
    few, many = _customer_with_touches(3), _customer_with_touches(300)
    _page(admin_client, few)  # the first request warms what is read once per process (content types, sessions)
    queries_few = _queries_of(admin_client, few, django_assert_max_num_queries, 60)
    queries_many = _queries_of(admin_client, many, django_assert_max_num_queries, queries_few)
    assert queries_many == queries_few


def test_the_profile_in_persian_has_solar_hijri_dates(admin_client):
    customer = CustomerFactory(persian=True)
    TouchFactory(customer=customer, occurred_at=dt.datetime(2026, 3, 21, 10, 0, tzinfo=dt.UTC))
    with translation.override("fa"):
        response = admin_client.get(
            reverse("admin:customers_customer_change", args=[customer.pk]), headers={"accept-language": "fa"}
        )
    html = response.content.decode()
    assert "۱۴۰۵" in html
    assert 'datetime="2026-03-21' in html


def test_the_three_flags_help_texts_stand_apart(admin_client):
    customer = CustomerFactory()
    html = _page(admin_client, customer).content.decode()
    for field in ("at_risk", "referral_candidate", "suppressed"):
        assert re.search(rf'<div class="form-row field-{field}">', html)


def test_the_order_list_shows_late_orders(admin_client):
    late = OrderFactory(number="ORD-LATE")
    ShipmentFactory(order=late, promised_on=timezone.localdate() - dt.timedelta(days=2))
    on_time = OrderFactory(number="ORD-ON-TIME")
    ShipmentFactory(order=on_time)
    response = admin_client.get(reverse("admin:orders_order_changelist"))
    rows = {row.number: row.is_late for row in response.context["cl"].result_list}
    assert rows == {"ORD-LATE": True, "ORD-ON-TIME": False}
    assert "column-late" in response.content.decode()


def test_the_quoted_total_label_starts_with_a_capital(admin_client):
    html = admin_client.get(reverse("admin:orders_order_add")).content.decode()
    assert "Quoted total" in html
