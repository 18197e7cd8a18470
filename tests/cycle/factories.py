"""Factories of the plan: plans, objectives, people, budget lines, milestones."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from cycle.models import BudgetLine, Kpi, MarketingPlan, Milestone, Objective, PlanPerson


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
