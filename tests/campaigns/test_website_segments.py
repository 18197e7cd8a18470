"""Segments on website behaviour: "viewed product X in the last N days" and "abandoned a cart in the last N hours",
at the edges of their windows, and who the passing of time alone moves."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from campaigns.models import WebEvent, WebEventKind
from customers.segment_calendar import Calendar
from customers.segments import (
    RuleError,
    describe_rules,
    is_time_relative,
    matching_customers,
    moved_by_calendar,
    validate_rules,
)
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def _event(customer, kind, at, ref=""):
    return WebEvent.objects.create(hit_id=uuid.uuid4(), customer=customer, kind=kind, occurred_at=at, product_ref=ref)


def _rules(field, value, lookup="is"):
    return {"any": [{"all": [{"field": field, "lookup": lookup, "value": value}]}]}


def _members(rules, now=NOW):
    return set(matching_customers(rules, calendar=Calendar(now, ["UTC"])).values_list("pk", flat=True))


def test_viewed_a_product_in_the_last_days_at_the_edge_of_the_window():
    inside, edge, other_product, nobody = (CustomerFactory() for _ in range(4))
    _event(inside, WebEventKind.PRODUCT_VIEW, NOW - dt.timedelta(days=7) + dt.timedelta(seconds=1), "SKU-1")
    _event(edge, WebEventKind.PRODUCT_VIEW, NOW - dt.timedelta(days=7), "SKU-1")
    _event(other_product, WebEventKind.PRODUCT_VIEW, NOW, "SKU-2")
    _event(nobody, WebEventKind.ADD_TO_CART, NOW, "SKU-1")

    assert _members(_rules("product_viewed", "7, SKU-1")) == {inside.pk}
    assert _members(_rules("product_viewed", "7")) == {inside.pk, other_product.pk}  # any product
    assert _members(_rules("product_viewed", "7, SKU-1", "is_not")) == {edge.pk, other_product.pk, nobody.pk}
    assert is_time_relative(_rules("product_viewed", "7, SKU-1"))
    # A moment later the first view has left the window: time alone moves that customer.
    later = Calendar(NOW + dt.timedelta(seconds=2), ["UTC"])
    stored = validate_rules(_rules("product_viewed", "7, SKU-1"))  # as a segment keeps them
    (moved,) = moved_by_calendar(stored, Calendar(NOW, ["UTC"]), later)
    assert set(moved.values_list("customer_id", flat=True)) == {inside.pk}


def test_abandoned_a_cart_in_the_last_hours_without_a_checkout_after_it():
    abandoned, checked_out, checked_out_before, too_old = (CustomerFactory() for _ in range(4))
    hour = dt.timedelta(hours=1)
    _event(abandoned, WebEventKind.ADD_TO_CART, NOW - 24 * hour + dt.timedelta(seconds=1))
    _event(checked_out, WebEventKind.ADD_TO_CART, NOW - 2 * hour)
    _event(checked_out, WebEventKind.CHECKOUT_STARTED, NOW - hour)
    _event(checked_out_before, WebEventKind.CHECKOUT_STARTED, NOW - 3 * hour)
    _event(checked_out_before, WebEventKind.ADD_TO_CART, NOW - 2 * hour)
    _event(too_old, WebEventKind.ADD_TO_CART, NOW - 24 * hour)

    assert _members(_rules("cart_abandoned", "24")) == {abandoned.pk, checked_out_before.pk}
    assert _members(_rules("cart_abandoned", "1")) == set()


@pytest.mark.parametrize("value", ["", "SKU-1", "0", "366"])
def test_the_window_must_be_a_number_of_days_in_range(value):
    with pytest.raises(RuleError):
        matching_customers(_rules("product_viewed", value))


def test_conditions_read_as_sentences():
    (line,) = describe_rules(
        {"any": [{"all": [{"field": "cart_abandoned", "lookup": "is", "value": [], "within": 24}]}]}
    )
    assert line == "Abandoned a cart on the website in the last 24 hours"


def test_rules_still_compile_at_the_current_moment():
    customer = CustomerFactory()
    _event(customer, WebEventKind.PRODUCT_VIEW, timezone.now(), "SKU-9")
    assert set(matching_customers(_rules("product_viewed", "1, SKU-9")).values_list("pk", flat=True)) == {customer.pk}
