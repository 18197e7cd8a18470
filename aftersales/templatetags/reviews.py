"""The review link of a delivered order, for the pages the customer reaches after delivery (the survey's thanks)."""

from django import template
from django.urls import reverse

from aftersales.services.reviews_public import order_reviewable, review_token
from orders.models import Order

register = template.Library()


@register.simple_tag
def review_link(order: Order) -> str:
    """The path of the order's review page, or "" while the order is not delivered."""
    if not order_reviewable(order):
        return ""
    return reverse("aftersales:review_write", args=[review_token(order)])
