"""The six ready-made journeys, installed live and run end to end on demo-like customers over three weeks."""

import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from aftersales.models import Ticket
from aftersales.services.feedback import survey_response_create
from campaigns.journeys.engine import journeys_tick
from campaigns.journeys.sending import journey_messages_send
from campaigns.models import Enrolment, EnrolmentState, Journey, JourneyStatus, WebEvent, WebEventKind
from customers.models import Consent, ConsentChannel, CustomerValue, Occasion
from customers.services.profiles_create import customer_get_or_create
from orders.models import OrderStatus
from orders.services.orders import order_create, order_set_status
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def consenting(**kwargs):
    customer = CustomerFactory(time_zone="UTC", **kwargs)
    Consent.objects.create(customer=customer, channel=ConsentChannel.EMAIL, granted=True)
    return customer


def subjects(customer):
    return [message.subject for message in mail.outbox if customer.email in message.to]


def run(days, mailbox_send=True):
    """Beat's ticks over ``days`` days, one tick every six hours, sending what they list."""
    start = timezone.now()
    for hour in range(0, int(days * 24) + 1, 6):
        journeys_tick(now=start + dt.timedelta(hours=hour, minutes=1))
        if mailbox_send:
            journey_messages_send()


def test_the_ready_made_journeys_take_each_customer_where_they_should(settings):
    settings.CAMPAIGNS_QUIET_HOURS_START = settings.CAMPAIGNS_QUIET_HOURS_END = "00:00"
    call_command("journeys_install", "--live", stdout=None)
    assert Journey.objects.filter(status=JourneyStatus.LIVE).count() == 6
    call_command("journeys_install", "--live", stdout=None)  # a second install changes nothing
    assert Journey.objects.count() == 6
    journeys_tick()  # the scheduled triggers set their mark: nothing before going live counts

    # Welcome: a new customer (created by the service that publishes it), in Persian.
    newcomer, _created = customer_get_or_create(email="sara@example.com", first_name="سارا", preferred_language="fa")
    Consent.objects.create(customer=newcomer, channel=ConsentChannel.EMAIL, granted=True)
    # Abandoned cart: put something in the cart and left.
    shopper = consenting(first_name="Tom")
    WebEvent.objects.create(
        hit_id="00000000-0000-0000-0000-000000000001",
        customer=shopper,
        kind=WebEventKind.ADD_TO_CART,
        occurred_at=timezone.now() + dt.timedelta(minutes=2),
    )
    # Post-purchase: an order delivered.
    buyer = consenting(first_name="Ali", preferred_language="ar")
    order = order_create(customer=buyer)
    for status in (OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        order_set_status(order=order, status=status)
    # Win-back: a buyer whose probability of still being a customer has fallen.
    lapsing = consenting(first_name="Mina")
    now = timezone.now()
    CustomerValue.objects.create(
        customer=lapsing,
        computed_at=now,
        rated_by="rfm",
        first_order_at=now - dt.timedelta(days=400),
        last_order_at=now - dt.timedelta(days=300),
        purchases=2,
        spend=100,
        recency_score=1,
        frequency_score=1,
        monetary_score=1,
        probability_alive=0.1,
        predicted_value=10,
    )
    # Birthday today, where it is noon now (the e-mail goes from 09:00 local time).
    offset = 12 - timezone.now().hour
    zone = f"Etc/GMT{-offset:+d}" if offset else "UTC"  # Etc/GMT-3 is three hours ahead of UTC
    born = consenting(first_name="Omid")
    born.time_zone = zone
    born.save()
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()
    Occasion.objects.create(customer=born, kind="birthday", month=today.month, day=today.day)
    # Unhappy: a low satisfaction score.
    unhappy = consenting(first_name="Reza")
    survey_response_create(customer=unhappy, csat=1, nps=2)

    run(days=23)

    assert subjects(newcomer) == ["سارا، خوش آمدید", "پیام خوشامد ما را دیدید؟"]
    assert subjects(shopper) == ["You left something in your cart", "Still thinking it over?"]
    assert subjects(buyer) == ["شكراً لطلبك", "كيف كانت تجربتك؟", "مختارة لك"]
    assert subjects(lapsing) == ["We miss you, Mina"]
    assert subjects(unhappy) == ["We are sorry"]
    assert list(Ticket.objects.values_list("customer_id", flat=True)) == [unhappy.pk]
    lapsing.refresh_from_db(), unhappy.refresh_from_db()
    assert lapsing.at_risk and unhappy.at_risk
    assert subjects(born) == ["Happy birthday, Omid"]
    assert not Enrolment.objects.filter(state__in=[EnrolmentState.ACTIVE]).exists()


def test_an_abandoned_cart_followed_by_an_order_converts_and_sends_no_last_call(settings):
    settings.CAMPAIGNS_QUIET_HOURS_START = settings.CAMPAIGNS_QUIET_HOURS_END = "00:00"
    call_command("journeys_install", "abandoned_cart", "--live", stdout=None)
    journeys_tick()
    shopper = consenting(first_name="Tom")
    WebEvent.objects.create(
        hit_id="00000000-0000-0000-0000-000000000002",
        customer=shopper,
        kind=WebEventKind.ADD_TO_CART,
        occurred_at=timezone.now() + dt.timedelta(minutes=2),
    )
    start = timezone.now()
    journeys_tick(now=start + dt.timedelta(hours=1, minutes=5))
    journey_messages_send()
    order_create(customer=shopper, placed_at=start + dt.timedelta(hours=2))
    journeys_tick(now=start + dt.timedelta(hours=3))
    run(days=3)
    assert subjects(shopper) == ["You left something in your cart"]
    assert Enrolment.objects.get().state == EnrolmentState.CONVERTED
