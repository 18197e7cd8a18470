"""Factories of after-sales: tickets and their messages, survey answers, reviews."""

import factory
from factory.django import DjangoModelFactory

from aftersales.models import Review, SurveyResponse, Ticket, TicketMessage
from tests.customers.factories import CustomerFactory
from tests.orders.factories import ProductFactory


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
