"""A small world whose money is computed by hand (see each figure's comment), shared by the finance tests."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from campaigns.journeys.versions import journey_steps_save
from campaigns.models import (
    Campaign,
    CampaignStatus,
    Channel,
    Enrolment,
    EnrolmentState,
    Experiment,
    HoldoutMember,
    Journey,
    JourneyMessage,
    Message,
    MessageStatus,
    SmsMessage,
    SmsOrigin,
    SmsProviderName,
    SmsSender,
)
from orders.models import OrderStatus, SalesChannel
from tests.campaigns.factories import CampaignFactory
from tests.customers.factories import CustomerFactory
from tests.orders.factories import AgentFactory, OrderFactory

# E-mails cost 25 per thousand in these tests: 40 e-mails are 1.00, 2 are 0.05.
EMAIL_PRICE = "25"


@dataclass
class World:
    spring: Campaign  # e-mail, recorded cost 100, holdout group
    texts: Campaign  # SMS, nothing recorded
    quiet: Campaign  # nothing sent, nothing sold
    journey: Journey
    journey_campaign: Campaign


def finance_world(*, started: dt.datetime | None = None, name: str = "Welcome") -> World:
    started = started or timezone.now() - dt.timedelta(days=10)
    spring = CampaignFactory(
        name="Spring", channel=Channel.EMAIL, cost=Decimal("100"), budget=Decimal("500"), started_at=started
    )
    Campaign.objects.filter(pk=spring.pk).update(status=CampaignStatus.SENT)
    treated = CustomerFactory.create_batch(40)
    Message.objects.bulk_create(
        [Message(campaign=spring, customer=c, status=MessageStatus.SENT, sent_at=started) for c in treated]
    )
    # Failed e-mails cost nothing.
    Message.objects.bulk_create(
        [Message(campaign=spring, customer=c, status=MessageStatus.FAILED) for c in CustomerFactory.create_batch(3)]
    )
    Experiment.objects.create(campaign=spring, test_percent=0, holdout_percent=Decimal("20"), seed=1)
    held = CustomerFactory.create_batch(10)
    HoldoutMember.objects.bulk_create([HoldoutMember(campaign=spring, customer=c) for c in held])
    day_after = started + dt.timedelta(days=1)
    agent = AgentFactory(name="Shiraz agency", commission_rate=Decimal("10"))
    # Attributed sales: 200 on the web, 100 through the agent (10 % commission: 10.00); a cancelled 999 is no sale.
    OrderFactory(customer=treated[0], campaign=spring, total=Decimal("200"), placed_at=day_after)
    OrderFactory(
        customer=treated[1],
        campaign=spring,
        total=Decimal("100"),
        channel=SalesChannel.AGENT,
        agent=agent,
        placed_at=day_after,
    )
    OrderFactory(
        customer=treated[2], campaign=spring, total=Decimal("999"), status=OrderStatus.CANCELLED, placed_at=day_after
    )
    # Two held-out customers bought 30 each: 6 per held-out customer, 240 expected of 40 recipients; lift 300 − 240.
    for customer in held[:2]:
        OrderFactory(customer=customer, total=Decimal("30"), placed_at=day_after)

    texts = CampaignFactory(name="Texts", channel=Channel.SMS, cost=Decimal("0"), budget=Decimal("0"))
    Campaign.objects.filter(pk=texts.pk).update(status=CampaignStatus.SENT, started_at=started)
    for country, sender, price in (("IR", "1000", "0.02"), ("", "2000", "0.05")):
        SmsSender.objects.get_or_create(
            provider=SmsProviderName.KAVENEGAR,
            country=country,
            defaults={"sender": sender, "price_per_part": Decimal(price)},
        )
    phones = ["+989120000001", "+989120000002", "+989120000003", "+971501234567", "+989120000004"]
    for i, phone in enumerate(phones):
        SmsMessage.objects.create(
            key=f"campaign:{texts.pk}:{i}",
            origin=SmsOrigin.CAMPAIGN,
            customer=CustomerFactory(phone=phone),
            campaign=texts,
            to=phone,
            provider=SmsProviderName.KAVENEGAR,
            # Iran: 3 × 2 parts at 0.02 = 0.12; the Emirates: 1 part at the general 0.05; the last one failed.
            parts=1 if phone.startswith("+971") else 2,
            status=MessageStatus.FAILED if i == 4 else MessageStatus.SENT,
            sent_at=started,
        )
    OrderFactory(customer=CustomerFactory(), campaign=texts, total=Decimal("50"), placed_at=day_after)

    quiet = CampaignFactory(name="Quiet", cost=Decimal("0"), budget=Decimal("0"))
    Campaign.objects.filter(pk=quiet.pk).update(started_at=started)

    journey_campaign = CampaignFactory(name=f"{name}: hello", cost=Decimal("0"), budget=Decimal("0"))
    journey = Journey.objects.create(name=name, trigger="manual")
    version = journey_steps_save(
        journey=journey,
        steps=[{"key": "hello", "kind": "email", "params": {"campaign": journey_campaign.pk}, "next": []}],
    )
    step = version.steps.get()
    for customer in CustomerFactory.create_batch(2):
        enrolment = Enrolment.objects.create(
            journey=journey, version=version, customer=customer, state=EnrolmentState.DONE
        )
        JourneyMessage.objects.create(
            enrolment=enrolment,
            step=step,
            customer=customer,
            campaign=journey_campaign,
            status=MessageStatus.SENT,
            sent_at=day_after,
        )
        # Each journey e-mail brought a sale of 40, attributed to the step's campaign: 80.
        OrderFactory(customer=customer, campaign=journey_campaign, total=Decimal("40"), placed_at=day_after)
    for campaign in (spring, texts, quiet, journey_campaign):
        campaign.refresh_from_db()
    return World(spring, texts, quiet, journey, journey_campaign)
