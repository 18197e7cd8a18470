import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from aftersales import services
from aftersales.models import Review, ReviewStatus
from tests.aftersales.factories import ReviewFactory
from tests.customers.factories import CustomerFactory
from tests.orders.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_a_review_is_published_only_with_the_customers_consent():
    without = services.review_create(customer=CustomerFactory(), product=ProductFactory(), rating=5, body="Great")
    with pytest.raises(ValidationError):
        services.review_publish(review=without)
    without.refresh_from_db()
    assert without.status == ReviewStatus.PENDING
    with_consent = services.review_create(
        customer=CustomerFactory(), product=ProductFactory(), rating=5, body="Great", consent_to_publish=True
    )
    services.review_publish(review=with_consent)
    with_consent.refresh_from_db()
    assert with_consent.status == ReviewStatus.PUBLISHED and with_consent.published_at


def test_the_publish_action_skips_reviews_without_consent(admin_client):
    yes, no = ReviewFactory(consent_to_publish=True), ReviewFactory(consent_to_publish=False)
    response = admin_client.post(
        reverse("admin:aftersales_review_changelist"),
        {"action": "publish_reviews", "_selected_action": [yes.pk, no.pk]},
        follow=True,
    )
    assert set(Review.objects.filter(status=ReviewStatus.PUBLISHED)) == {yes}
    assert "consent" in response.content.decode()


def test_the_review_status_is_not_editable_in_its_form(admin_client):
    review = ReviewFactory()
    form = admin_client.get(reverse("admin:aftersales_review_change", args=[review.pk])).context["adminform"].form
    assert "status" not in form.fields
