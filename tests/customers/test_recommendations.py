"""Cross-sell and up-sell: customers who bought this also bought — ready for e-mail templates."""

from decimal import Decimal

import pytest

from customers.models import ProductRecommendation
from customers.selectors import recommended_products
from cycle.services.recommendations import recommendations_refresh
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderFactory, OrderLineFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _bought(customer, *products, price=None):
    order = OrderFactory(customer=customer)
    for product in products:
        OrderLineFactory(order=order, product=product, unit_price=price or product.price)


def test_customers_who_bought_this_also_bought():
    tea = ProductFactory(name="Tea", category="tea", price=Decimal("10"))
    cups = ProductFactory(name="Cups", category="kitchen", price=Decimal("20"))
    premium_tea = ProductFactory(name="Premium tea", category="tea", price=Decimal("30"))
    kettle = ProductFactory(name="Kettle", category="kitchen", price=Decimal("40"))
    for _ in range(3):
        _bought(CustomerFactory(), tea, cups)
    for _ in range(2):
        _bought(CustomerFactory(), tea, premium_tea)
    _bought(CustomerFactory(), tea, kettle)  # one co-buyer only: below the threshold

    newcomer = CustomerFactory(lifecycle_stage="extension")
    _bought(newcomer, tea)
    not_extension = CustomerFactory(lifecycle_stage="retention")
    _bought(not_extension, tea)

    recommendations_refresh()

    assert [p.name for p in recommended_products(customer=newcomer)] == ["Cups", "Premium tea"]
    kinds = dict(ProductRecommendation.objects.filter(customer=newcomer).values_list("product__name", "kind"))
    assert kinds == {"Cups": "cross_sell", "Premium tea": "up_sell"}
    assert ProductRecommendation.objects.get(customer=newcomer, product=cups).because_of == tea
    scores = dict(ProductRecommendation.objects.filter(customer=newcomer).values_list("product__name", "score"))
    assert scores == {"Cups": 3.0, "Premium tea": 2.0}  # how many customers bought each together with tea
    assert recommended_products(customer=not_extension) == []
    assert recommended_products(customer=newcomer, limit=1)[0].name == "Cups"


def test_refresh_is_repeatable_and_skips_what_was_bought_and_what_is_off_sale():
    tea = ProductFactory(category="tea")
    cups = ProductFactory(category="kitchen")
    retired = ProductFactory(category="kitchen", is_active=False)
    for _ in range(2):
        _bought(CustomerFactory(), tea, cups, retired)
    customer = CustomerFactory(lifecycle_stage="extension")
    _bought(customer, tea)
    recommendations_refresh()
    first = list(ProductRecommendation.objects.values_list("customer_id", "product_id", "score"))
    recommendations_refresh()
    assert list(ProductRecommendation.objects.values_list("customer_id", "product_id", "score")) == first
    assert [p.pk for p in recommended_products(customer=customer)] == [cups.pk]

    _bought(customer, cups)
    recommendations_refresh(customer_ids=[customer.pk])
    assert recommended_products(customer=customer) == []
