"""Reviews written by customers on a public page after delivery: one signed link per order (as the survey's),
one review per product of the order, published only with the customer's consent and after moderation."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.models import Review
from aftersales.services.feedback import review_record
from orders.models import Order, OrderStatus, Product

REVIEW_SALT = "aftersales.review"


def review_token(order: Order) -> str:
    return signing.TimestampSigner(salt=REVIEW_SALT).sign(str(order.pk))


def review_order_from_token(token: str) -> Order | None:
    """The order a review link names, while the link is valid (``REVIEW_LINK_MAX_AGE_DAYS``); else None."""
    try:
        pk = signing.TimestampSigner(salt=REVIEW_SALT).unsign(
            token[:200], max_age=dt.timedelta(days=settings.REVIEW_LINK_MAX_AGE_DAYS)
        )
    except signing.BadSignature:
        return None
    return Order.objects.select_related("customer").filter(pk=int(pk)).first()


def review_url(order: Order) -> str:
    return str(settings.SITE_URL).rstrip("/") + reverse("aftersales:review_write", args=[review_token(order)])


def order_reviewable(order: Order) -> bool:
    """A review is written about what arrived: the order is delivered (a returned order no longer is)."""
    return order.status == OrderStatus.DELIVERED


@transaction.atomic
def review_write_for_order(
    *,
    order: Order,
    product: Product,
    rating: int,
    title: str = "",
    body: str = "",
    consent_to_publish: bool = False,
) -> Review:
    """The customer's review of one product of a delivered order, once; it waits for moderation, and only one
    written with ``consent_to_publish`` can ever be published."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not order_reviewable(order):
        raise ValidationError(_("A review can be written once the order has been delivered."))
    if not order.lines.filter(product=product).exists():
        raise ValidationError(_("This product is not part of the order."))
    if Review.objects.filter(order=order, product=product).exists():
        raise ValidationError(_("You have already reviewed this product. Thank you!"))
    review = Review(
        customer_id=order.customer_id,
        product=product,
        order=order,
        rating=rating,
        title=title,
        body=body,
        consent_to_publish=consent_to_publish,
    )
    return review_record(review=review)
