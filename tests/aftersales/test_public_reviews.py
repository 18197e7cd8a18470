"""Reviews written on the public page of a delivered order: only after delivery, once per product, and shown on the
product's page only with the writer's consent (and a moderator's approval)."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales import services
from aftersales.models import Review, ReviewStatus
from aftersales.services.reviews_public import review_token
from orders import services as orders
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderLineFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.PUBLIC_FORM_RATE_LIMIT = 50
    cache.clear()


def order_of(product, *, deliver=True, **customer):
    order = OrderLineFactory(order__customer=CustomerFactory(**customer), product=product).order
    if deliver:
        orders.order_confirm(order=order)
        orders.order_ship(order=order)
        orders.order_deliver(order=order)
    return order


def write(client, order, product, **fields):
    data = {"product": product.pk, "rating": 5, "title": "Lovely", "body": "Works well.", **fields}
    return client.post(reverse("aftersales:review_write", args=[review_token(order)]), data)


def test_a_review_is_written_only_after_delivery(client):
    product = ProductFactory()
    order = order_of(product, deliver=False)
    page = client.get(reverse("aftersales:review_write", args=[review_token(order)]))
    assert "once it has been delivered" in page.content.decode()
    write(client, order, product)
    assert not Review.objects.exists()


def test_a_forged_or_foreign_link_is_refused(client):
    assert client.get(reverse("aftersales:review_write", args=["1:forged"])).status_code == 404


def test_one_review_per_product_of_the_order(client):
    product = ProductFactory()
    order = order_of(product)
    assert write(client, order, product).status_code == 302
    write(client, order, product, title="Again")
    assert Review.objects.filter(order=order, product=product).count() == 1
    page = client.get(reverse("aftersales:review_write", args=[review_token(order)])).content.decode()
    assert "You have reviewed every product of this order" in page


def test_a_product_not_in_the_order_cannot_be_reviewed(client):
    order = order_of(ProductFactory())
    assert write(client, order, ProductFactory()).status_code == 400
    assert not Review.objects.exists()


def test_a_review_is_published_only_with_consent(client):
    product = ProductFactory()
    with_consent, without = order_of(product), order_of(product)
    write(client, with_consent, product, body="Happy to share this.", consent_to_publish="on")
    write(client, without, product, body="Keep this to yourselves.")
    reviews_page = reverse("aftersales:product_reviews", args=[product.sku])
    assert "Happy to share this." not in client.get(reviews_page).content.decode()  # waits for moderation

    services.review_publish(review=Review.objects.get(order=with_consent))
    with pytest.raises(ValidationError):
        services.review_publish(review=Review.objects.get(order=without))
    assert set(Review.objects.values_list("body", "status")) == {
        ("Happy to share this.", ReviewStatus.PUBLISHED),
        ("Keep this to yourselves.", ReviewStatus.PENDING),
    }
    page = client.get(reviews_page).content.decode()
    assert "Happy to share this." in page
    assert "Keep this to yourselves." not in page


def test_the_review_page_speaks_the_customers_language(client):
    product = ProductFactory()
    order = order_of(product, persian=True)
    page = client.get(reverse("aftersales:review_write", args=[review_token(order)]))
    assert 'lang="fa"' in page.content.decode()


def test_the_product_reviews_page_takes_a_fixed_number_of_queries(client):
    product = ProductFactory()

    def publish(n):
        for _ in range(n):
            order = order_of(product)
            write(client, order, product, consent_to_publish="on")
        for review in Review.objects.filter(status=ReviewStatus.PENDING):
            services.review_publish(review=review)

    publish(1)
    url = reverse("aftersales:product_reviews", args=[product.sku])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    publish(5)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).content.decode().count('class="card mb-3 review"') == 6
    assert len(many) == len(few)


def test_the_survey_thanks_page_leads_to_the_review_page(client):
    import re

    from aftersales.services.surveys import survey_token

    product = ProductFactory()
    order = order_of(product)
    invitation = services.survey_invitation_create(order=order)
    thanks = client.post(reverse("aftersales:survey", args=[survey_token(invitation)]), {"csat": "5", "nps": "9"})
    link = re.search(r'href="(/reviews/write/[^"]+)"', thanks.content.decode()).group(1)
    assert client.get(link).status_code == 200
    assert client.post(link, {"product": product.pk, "rating": 4}).status_code == 302
    assert Review.objects.get().order == order
