"""Factories of communication: campaigns, topics, creatives, messages, touches."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from campaigns.agents import AgentKind
from campaigns.models import AidaStep, Campaign, Creative, Message, Topic, Touch, TouchKind, TouchSource
from tests.customers.factories import CustomerFactory


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
    is_automated = False
    # An automated touch is a bot's unless told otherwise; ``is_automated`` always follows from the agent.
    agent = factory.LazyAttribute(lambda t: AgentKind.BOT if t.is_automated else AgentKind.PERSON)

    class Params:
        proxy = factory.Trait(is_automated=True, agent=AgentKind.PROXY, user_agent="Mozilla/5.0")
