"""Marketers live in the admin: every page of every registered model opens, with real demo data."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from customers.models import Customer
from tests.customers.factories import CustomerFactory

STAGE_APPS = ["customers", "campaigns", "orders", "aftersales", "cycle"]


@pytest.fixture
def demo_data(db):
    call_command("seed_demo", customers=25, verbosity=0)


def _registered():
    return [(model, model_admin) for model, model_admin in admin.site._registry.items()]


def test_every_model_of_the_cycle_is_in_the_admin(db):
    """Each model has its own admin, or is edited inline under the model it belongs to."""
    inlined = {inline.model for model_admin in admin.site._registry.values() for inline in model_admin.inlines}
    missing = [
        model._meta.label
        for app in STAGE_APPS
        for model in apps.get_app_config(app).get_models()
        if model not in admin.site._registry and model not in inlined
    ]
    assert missing == []


def test_every_changelist_add_and_change_page_answers(admin_client, demo_data):
    opened = []
    for model, model_admin in _registered():
        info = model._meta.app_label, model._meta.model_name
        response = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert response.status_code == 200, f"changelist of {model._meta.label}"
        if model_admin.has_add_permission(response.wsgi_request):
            response = admin_client.get(reverse("admin:{}_{}_add".format(*info)))
            assert response.status_code == 200, f"add page of {model._meta.label}"
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            response = admin_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
            assert response.status_code == 200, f"change page of {model._meta.label}"
            opened.append(model._meta.label)
    for label in [
        "customers.Customer",
        "campaigns.Campaign",
        "orders.Order",
        "aftersales.Ticket",
        "cycle.MarketingPlan",
        "aftersales.SurveyResponse",
        "campaigns.Touch",
    ]:
        assert label in opened


def test_the_admin_carries_the_products_name(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert "E-marketing cycle" in response.content.decode()


@pytest.mark.parametrize(
    "first_name, last_name, query",
    [
        ("محمدرضا", "کریمی", "کریمی"),  # Persian
        ("عبدالله", "الشمري", "الشمري"),  # Arabic
        ("علی", "یزدانی", "علي"),  # Persian name, searched with an Arabic keyboard (ي)
    ],
)
def test_customers_are_found_by_persian_and_arabic_names(admin_client, first_name, last_name, query):
    wanted = CustomerFactory(first_name=first_name, last_name=last_name)
    CustomerFactory(first_name="John", last_name="Smith")

    response = admin_client.get(reverse("admin:customers_customer_changelist"), {"q": query})

    assert response.status_code == 200
    found = list(response.context["cl"].result_list)
    assert found == [wanted]
    assert first_name in response.content.decode()


def test_a_negative_order_total_is_refused_on_the_field(admin_client, db):
    customer = CustomerFactory()
    response = admin_client.post(
        reverse("admin:orders_order_add"),
        {
            "number": "X-1",
            "customer": customer.pk,
            "channel": "web",
            "total": "-5",
            "currency": "USD",
            "placed_at_0": "2026-01-01",
            "placed_at_1": "10:00",
        },
    )
    assert response.status_code == 200
    assert "total" in response.context["adminform"].form.errors
    assert not Customer.objects.filter(orders__number="X-1").exists()


def test_the_admin_lists_the_stages_in_cycle_order(admin_client):
    response = admin_client.get(reverse("admin:index"))
    labels = [app["app_label"] for app in response.context["app_list"]]
    stages = [label for label in labels if label in STAGE_APPS]
    assert stages == STAGE_APPS


def test_the_demo_company_is_on_the_dashboards_at_once(admin_client, demo_data):
    """A new user opens the dashboards right after `make run`: the demo's customers are counted, not zeros."""
    response = admin_client.get(reverse("dashboards:cycle"))
    figures = {str(label): value for label, value, _help in response.context["board"].figures}
    assert figures["Customers"] == 25
    assert response.context["figures_as_of"] is not None
