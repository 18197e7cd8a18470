"""Factories of preparation: customers (Faker's English, Persian and Arabic names), consent, occasions, segments."""

import factory
from factory.django import DjangoModelFactory

from customers.models import Consent, ConsentChannel, Customer, Need, NeedCategory, Occasion, Segment

fa = factory.Faker._get_faker("fa_IR")
ar = factory.Faker._get_faker("ar_SA")


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
