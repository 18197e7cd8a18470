"""factory_boy factories for every stage; names come from Faker's English, Persian and Arabic locales."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from factory.django import DjangoModelFactory

from aftersales.models import Review, SurveyResponse, Ticket, TicketMessage
from campaigns.models import AidaStep, Campaign, Creative, Message, Topic, Touch, TouchKind, TouchSource
from customers.models import Consent, ConsentChannel, Customer, Need, NeedCategory, Occasion, Segment
from cycle.models import BudgetLine, Kpi, MarketingPlan, Milestone, Objective, PlanPerson
from orders.models import Agent, Order, OrderLine, Payment, Product, Shipment

fa = factory.Faker._get_faker("fa_IR")
ar = factory.Faker._get_faker("ar_SA")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("pass-word-123")


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = factory.Sequence(lambda n: f"+98912{n:07d}")
    preferred_language = "en"
    country = "GB"

    class Params:
        persian = factory.Trait(
            first_name=factory.LazyFunction(fa.first_name),
            last_name=factory.LazyFunction(fa.last_name),
            preferred_language="fa",
            country="IR",
            time_zone="Asia/Tehran",
        )
        arabic = factory.Trait(
            first_name=factory.LazyFunction(ar.first_name),
            last_name=factory.LazyFunction(ar.last_name),
            preferred_language="ar",
            country="SA",
            time_zone="Asia/Riyadh",
        )


class ConsentFactory(DjangoModelFactory):
    class Meta:
        model = Consent
        django_get_or_create = ("customer", "channel")

    customer = factory.SubFactory(CustomerFactory)
    channel = ConsentChannel.EMAIL
    granted = True


class OccasionFactory(DjangoModelFactory):
    class Meta:
        model = Occasion

    customer = factory.SubFactory(CustomerFactory)
    kind = "birthday"
    month = 5
    day = 17


class SegmentFactory(DjangoModelFactory):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"Segment {n}")


class NeedFactory(DjangoModelFactory):
    class Meta:
        model = Need

    category = NeedCategory.DELIVERY
    title = factory.Faker("sentence", nb_words=4)
    source = "survey"


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Faker("word")
    price = Decimal("25.00")


class AgentFactory(DjangoModelFactory):
    class Meta:
        model = Agent

    name = factory.Faker("company")


class MarketingPlanFactory(DjangoModelFactory):
    class Meta:
        model = MarketingPlan

    name = factory.Sequence(lambda n: f"Plan {n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate().replace(month=1, day=1))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on.replace(year=o.starts_on.year + 1))


class ObjectiveFactory(DjangoModelFactory):
    class Meta:
        model = Objective

    plan = factory.SubFactory(MarketingPlanFactory)
    title = "Grow repeat purchases"
    kpi = Kpi.REPEAT_PURCHASE_RATE
    target = Decimal("30")


class PlanPersonFactory(DjangoModelFactory):
    class Meta:
        model = PlanPerson

    plan = factory.SubFactory(MarketingPlanFactory)
    name = factory.Faker("name")
    role = "Campaign manager"


class BudgetLineFactory(DjangoModelFactory):
    class Meta:
        model = BudgetLine

    plan = factory.SubFactory(MarketingPlanFactory)
    description = "E-mail campaigns"
    amount = Decimal("5000")


class MilestoneFactory(DjangoModelFactory):
    class Meta:
        model = Milestone

    plan = factory.SubFactory(MarketingPlanFactory)
    title = "Spring catalogue live"
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    budget = Decimal("1000")


class TopicFactory(DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class CreativeFactory(DjangoModelFactory):
    class Meta:
        model = Creative

    campaign = factory.SubFactory(CampaignFactory)
    name = "Spring offer"
    subject = "Hello {{ customer.first_name }}"
    html_body = "<p>Hello {{ customer.first_name }}</p>"
    text_body = "Hello {{ customer.first_name }}"


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    campaign = factory.SubFactory(CampaignFactory)
    customer = factory.SubFactory(CustomerFactory)


class TouchFactory(DjangoModelFactory):
    class Meta:
        model = Touch

    customer = factory.SubFactory(CustomerFactory)
    campaign = factory.SubFactory(CampaignFactory)
    step = AidaStep.ATTENTION
    kind = TouchKind.EMAIL_OPEN
    source = TouchSource.EMAIL


class OrderFactory(DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"ORD-{n:06d}")
    customer = factory.SubFactory(CustomerFactory)
    total = Decimal("50.00")


class OrderLineFactory(DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 2
    unit_price = Decimal("25.00")


class PaymentFactory(DjangoModelFactory):
    class Meta:
        model = Payment

    order = factory.SubFactory(OrderFactory)
    amount = Decimal("50.00")


class ShipmentFactory(DjangoModelFactory):
    class Meta:
        model = Shipment

    order = factory.SubFactory(OrderFactory)
    promised_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=3))


class TicketFactory(DjangoModelFactory):
    class Meta:
        model = Ticket

    customer = factory.SubFactory(CustomerFactory)
    subject = "Where is my order?"


class TicketMessageFactory(DjangoModelFactory):
    class Meta:
        model = TicketMessage

    ticket = factory.SubFactory(TicketFactory)
    body = "My parcel has not arrived yet."


class SurveyResponseFactory(DjangoModelFactory):
    class Meta:
        model = SurveyResponse

    customer = factory.SubFactory(CustomerFactory)
    csat = 4
    nps = 8


class ReviewFactory(DjangoModelFactory):
    class Meta:
        model = Review

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)
    rating = 4
    body = "Good value."
