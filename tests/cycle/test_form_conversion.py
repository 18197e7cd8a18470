"""Conversion per capture form on the website dashboard: views, submissions and confirmations of the period."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import FormDaily
from cycle.selectors.dashboards import DASHBOARDS, Filters
from tests.customers.capture_forms import make_form

pytestmark = pytest.mark.django_db


def test_each_form_converts_views_into_submissions_and_confirmations(admin_client):
    today = timezone.localdate()
    tea, coffee = make_form(slug="tea"), make_form(slug="coffee")
    tea.name, coffee.name = "Tea club", "Coffee club"
    tea.save(), coffee.save()
    FormDaily.objects.create(form=tea, day=today, views=40, submissions=10, confirmations=6)
    FormDaily.objects.create(form=tea, day=today - dt.timedelta(days=1), views=60, submissions=10, confirmations=2)
    FormDaily.objects.create(form=tea, day=today - dt.timedelta(days=90), views=999, submissions=999)  # before

    table = DASHBOARDS["website"](Filters.default()).table("capture_forms")

    assert table.rows == [
        ["Tea club", 100, 20, 8, Decimal("20.00"), Decimal("40.00")],
        ["Coffee club", 0, 0, 0, None, None],
    ]
    page = admin_client.get(reverse("dashboards:website")).content.decode()
    assert "Conversion per capture form" in page and "Tea club" in page
