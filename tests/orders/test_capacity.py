"""Capacity of the transfer stage: stock and production per product, shipments per day per region; in the admin
and through the API, with zero the lowest figure accepted."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from orders.models import DeliveryRegion, ProductCapacity
from orders.services.capacity import delivery_region_save, product_capacity_set
from tests.api import conftest as api_fixtures
from tests.api.conftest import Caller
from tests.factories import UserFactory
from tests.orders.factories import ProductFactory

pytestmark = pytest.mark.django_db
# The API tests' fixtures: a key with every scope, and keys made to measure.
make_key, api = api_fixtures.make_key, api_fixtures.api


@pytest.mark.parametrize("field", ["stock_on_hand", "production_per_week"])
def test_zero_is_accepted_and_a_negative_figure_is_refused_with_nothing_changed(field):
    product = ProductFactory()
    product_capacity_set(product=product, stock_on_hand=5, production_per_week=5)

    product_capacity_set(product=product, **{field: 0})
    assert getattr(ProductCapacity.objects.get(), field) == 0
    with pytest.raises(ValidationError) as error:
        product_capacity_set(product=product, **{field: -1})

    assert error.value.message_dict[field] == ["Enter zero or more."]
    assert getattr(ProductCapacity.objects.get(), field) == 0


def test_setting_one_figure_keeps_the_other():
    product = ProductFactory()
    product_capacity_set(product=product, stock_on_hand=12, production_per_week=3)
    product_capacity_set(product=product, stock_on_hand=4)
    assert ProductCapacity.objects.values_list("stock_on_hand", "production_per_week").get() == (4, 3)


def test_a_region_refuses_negative_shipments_and_a_province_named_twice():
    delivery_region_save(name="Tehran", country="ir", province=" Tehran ", shipments_per_day=0)
    region = DeliveryRegion.objects.get()
    assert (region.country, region.province, region.shipments_per_day) == ("IR", "Tehran", 0)
    with pytest.raises(ValidationError) as error:
        delivery_region_save(region=region, shipments_per_day=-1)
    assert error.value.message_dict["shipments_per_day"] == ["Enter zero or more."]
    with pytest.raises(ValidationError):
        delivery_region_save(name="Tehran 2", country="IR", province="Tehran", shipments_per_day=3)
    assert DeliveryRegion.objects.get().shipments_per_day == 0


def test_capacity_is_created_and_updated_through_the_api(api):
    product = ProductFactory(sku="SAF-1")
    body = {"product": product.pk, "stock_on_hand": 10, "production_per_week": 4}

    first = api.post("/api/v1/product-capacity/", body, **{"Idempotency-Key": "cap-1"})
    again = api.post("/api/v1/product-capacity/", body, **{"Idempotency-Key": "cap-1"})
    assert first.status_code == 201
    assert again.json() == first.json()
    assert first.json()["sku"] == "SAF-1"
    changed = api.patch(f"/api/v1/product-capacity/{first.json()['id']}/", {"stock_on_hand": 2})
    assert changed.status_code == 200
    assert ProductCapacity.objects.values_list("stock_on_hand", "production_per_week").get() == (2, 4)

    bad = api.patch(f"/api/v1/product-capacity/{first.json()['id']}/", {"production_per_week": -3})
    assert bad.status_code == 400
    assert "production_per_week" in bad.json()["fields"]
    assert ProductCapacity.objects.get().production_per_week == 4


def test_delivery_regions_through_the_api(api):
    created = api.post(
        "/api/v1/delivery-regions/", {"name": "Fars", "country": "IR", "province": "Fars", "shipments_per_day": 30}
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    assert api.patch(f"/api/v1/delivery-regions/{pk}/", {"shipments_per_day": 45}).json()["shipments_per_day"] == 45
    bad = api.patch(f"/api/v1/delivery-regions/{pk}/", {"shipments_per_day": -1})
    assert bad.status_code == 400
    assert DeliveryRegion.objects.get().shipments_per_day == 45
    assert [r["name"] for r in api.get("/api/v1/delivery-regions/").json()["results"]] == ["Fars"]


def test_a_key_without_the_capacity_scope_cannot_change_it(client, make_key):
    _key, token = make_key(scopes=["capacity:read"])
    answer = Caller(client, token).post(
        "/api/v1/delivery-regions/", {"name": "Fars", "province": "Fars", "shipments_per_day": 3}
    )
    assert answer.status_code == 403
    assert not DeliveryRegion.objects.exists()


def test_the_admin_pages_save_and_refuse_a_negative_stock(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    product = ProductFactory()
    url = reverse("admin:orders_productcapacity_add")
    refused = client.post(url, {"product": product.pk, "stock_on_hand": -1, "production_per_week": 0})
    assert refused.status_code == 200
    assert "Enter zero or more." in refused.content.decode()
    assert not ProductCapacity.objects.exists()
    client.post(url, {"product": product.pk, "stock_on_hand": 7, "production_per_week": 2})
    assert ProductCapacity.objects.values_list("stock_on_hand", flat=True).get() == 7
    assert client.get(reverse("admin:orders_deliveryregion_add")).status_code == 200
