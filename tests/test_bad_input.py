"""What the business cannot have: the admin form says so on the field, and the database refuses it too."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.utils import timezone

from aftersales.models import SurveyResponse
from campaigns.models import Message
from customers.models import Customer
from cycle.models import MarketingPlan
from orders.models import Product, Shipment
from tests.campaigns.factories import CampaignFactory, MessageFactory
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderFactory, ProductFactory, ShipmentFactory


def admin_form(model, admin_user, data, instance=None):
    request = RequestFactory().get("/")
    request.user = admin_user
    model_admin = admin.site._registry[model]
    form_class = model_admin.get_form(request, instance)
    return form_class(data=data, instance=instance)


def refused_by_database(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_a_negative_price(admin_user):
    form = admin_form(Product, admin_user, {"sku": "P-1", "name": "Tea", "price": "-1", "currency": "USD"})
    assert "price" in form.errors
    refused_by_database(lambda: Product.objects.create(sku="P-2", name="Tea", price=Decimal("-1")))


def test_a_delivery_before_its_shipment(admin_user):
    """Shipping and delivery times are set by the ship/deliver actions, never typed; the rule holds below them."""
    shipment = ShipmentFactory()
    form = admin_form(Shipment, admin_user, {}, instance=shipment)
    assert "delivered_at" not in form.fields
    shipped = timezone.now()
    shipment.shipped_at, shipment.delivered_at = shipped, shipped - dt.timedelta(days=2)
    with pytest.raises(ValidationError) as refused:
        shipment.full_clean()
    assert "delivered_at" in refused.value.message_dict
    refused_by_database(
        lambda: Shipment.objects.filter(pk=shipment.pk).update(
            shipped_at=shipped, delivered_at=shipped - dt.timedelta(days=2)
        )
    )


@pytest.mark.parametrize("field, value", [("csat", 6), ("csat", 0), ("nps", 11)])
def test_scores_out_of_range(admin_user, field, value):
    customer = CustomerFactory()
    data = {"customer": customer.pk, "csat": 3, "nps": 5, **{field: value}}
    form = admin_form(SurveyResponse, admin_user, data)
    assert field in form.errors
    refused_by_database(lambda: SurveyResponse.objects.create(customer=customer, **{"csat": 3, "nps": 5, field: value}))


def test_an_invalid_email(admin_user):
    form = admin_form(Customer, admin_user, {"first_name": "Sara", "email": "not-an-email", "phone": ""})
    assert "email" in form.errors


def test_a_plan_that_ends_before_it_starts(admin_user):
    form = admin_form(MarketingPlan, admin_user, {"name": "2027", "starts_on": "2027-06-30", "ends_on": "2027-01-01"})
    assert not form.is_valid()
    assert "ends_on" in form.errors
    refused_by_database(
        lambda: MarketingPlan.objects.create(name="2027", starts_on=dt.date(2027, 6, 30), ends_on=dt.date(2027, 1, 1))
    )


def test_a_second_message_to_the_same_recipient(admin_user):
    message = MessageFactory()
    form = admin_form(
        Message, admin_user, {"campaign": message.campaign.pk, "customer": message.customer.pk, "status": "queued"}
    )
    assert not form.is_valid()
    refused_by_database(lambda: Message.objects.create(campaign=message.campaign, customer=message.customer))


def test_a_negative_quantity_is_refused_by_the_database(db):
    order = OrderFactory()
    product = ProductFactory()
    refused_by_database(lambda: order.lines.create(product=product, quantity=0, unit_price=Decimal("1")))
    refused_by_database(lambda: CampaignFactory(budget=Decimal("-10")))
