"""Segments on what customers did and when: purchase dates in the customer's own days, relative windows that move
with the calendar, counts and spend, scores and the model's view — and incremental refresh that keeps up."""

import datetime as dt
from decimal import Decimal

import pytest

from customers.models import Customer, CustomerValue, Segment, SegmentMembership
from customers.segments import Calendar, RuleError, describe_rules, matching_customers, validate_rules
from customers.services import segment_refresh, segment_save_rules
from orders.models import OrderStatus
from orders.services.orders import order_cancel
from tests.customers.factories import CustomerFactory, SegmentFactory
from tests.orders.factories import OrderFactory, OrderLineFactory, ProductFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# Noon in London on 1 June 2026; 15:30 in Tehran (UTC+3:30, no summer time since 2022).
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def rules(*conditions):
    return {"any": [{"all": list(conditions)}]}


def cond(field, lookup, value=None):
    out = {"field": field, "lookup": lookup}
    if value is not None:
        out["value"] = value
    return out


def members(r, now=NOW):
    return set(matching_customers(r, calendar=Calendar(now)).values_list("pk", flat=True))


def buyer(*placed, tz="UTC", total=Decimal("50.00"), status=OrderStatus.CONFIRMED):
    customer = CustomerFactory(time_zone=tz)
    for moment in placed:
        OrderFactory(customer=customer, placed_at=moment, total=total, status=status)
    return customer


def days_ago(n, hour=12):
    return dt.datetime.combine(NOW.date() - dt.timedelta(days=n), dt.time(hour), tzinfo=UTC)


def test_in_the_last_90_days_is_today_and_the_89_days_before_it():
    inside = buyer(days_ago(89, hour=0))  # the first minute of the oldest day of the window
    outside = buyer(days_ago(90, hour=23))  # the last hour of the day before it
    buyer(days_ago(90, hour=23), status=OrderStatus.CANCELLED)  # a cancelled order is no purchase

    assert members(rules(cond("last_order", "last_days", "90"))) == {inside.pk}
    assert members(rules(cond("last_order", "over_days_ago", "89"))) == {outside.pk}


def test_the_day_is_the_customers_own():
    # 21:00 UTC on the 90th day back is already the next day (00:30) in Tehran.
    moment = days_ago(90, hour=21)
    london = buyer(moment, tz="Europe/London")  # 22:00 in summer time: still the 90th day back
    tehran = buyer(moment, tz="Asia/Tehran")

    assert members(rules(cond("last_order", "last_days", "90"))) == {tehran.pk}
    assert members(rules(cond("last_order", "lte", (NOW.date() - dt.timedelta(days=90)).isoformat()))) == {london.pk}


def test_more_than_and_between_days_ago_count_whole_days():
    at_30, at_60, at_61, at_29 = (buyer(days_ago(n)) for n in (30, 60, 61, 29))

    assert members(rules(cond("last_order", "days_ago_between", "30, 60"))) == {at_30.pk, at_60.pk}
    assert members(rules(cond("last_order", "days_ago_between", "60, 30"))) == {at_30.pk, at_60.pk}
    assert members(rules(cond("last_order", "over_days_ago", "60"))) == {at_61.pk}
    assert members(rules(cond("last_order", "last_days", "30"))) == {at_29.pk}


def test_last_and_first_purchase_look_at_different_ends_of_the_history():
    old_and_recent = buyer(days_ago(400), days_ago(5))
    only_old = buyer(days_ago(400))
    only_recent = buyer(days_ago(5))
    never = CustomerFactory()

    assert members(rules(cond("last_order", "last_days", "30"))) == {old_and_recent.pk, only_recent.pk}
    assert members(rules(cond("first_order", "last_days", "30"))) == {only_recent.pk}
    assert members(rules(cond("first_order", "over_days_ago", "365"))) == {old_and_recent.pk, only_old.pk}
    assert members(rules(cond("last_order", "over_days_ago", "365"))) == {only_old.pk}
    assert members(rules(cond("last_order", "is_empty"))) == {never.pk}
    # Lapsed buyers: first bought over a year ago, nothing in the last 30 days.
    lapsed = rules(cond("first_order", "over_days_ago", "365"), cond("last_order", "over_days_ago", "30"))
    assert members(lapsed) == {only_old.pk}


def test_number_of_purchases_and_spend_count_sales_only():
    two = buyer(days_ago(3), days_ago(2), total=Decimal("40.00"))
    one_big = buyer(days_ago(3), total=Decimal("300.00"))
    OrderFactory(customer=one_big, placed_at=days_ago(1), total=Decimal("999.00"), status=OrderStatus.RETURNED)
    never = CustomerFactory()

    assert members(rules(cond("order_count", "gte", "2"))) == {two.pk}
    assert members(rules(cond("order_count", "lte", "1"))) == {one_big.pk, never.pk}
    assert members(rules(cond("total_spend", "gte", "300"))) == {one_big.pk}
    assert members(rules(cond("total_spend", "lte", "80"))) == {two.pk, never.pk}
    # Someone who never bought has no average: neither above nor below any amount.
    assert members(rules(cond("average_spend", "lte", "40"))) == {two.pk}
    assert members(rules(cond("average_spend", "gte", "40.01"))) == {one_big.pk}


def _value(customer, **fields):
    defaults = {
        "computed_at": NOW,
        "rated_by": "model",
        "first_order_at": days_ago(100),
        "last_order_at": days_ago(10),
        "purchases": 3,
        "spend": Decimal("150.00"),
        "recency_score": 3,
        "frequency_score": 3,
        "monetary_score": 3,
        "probability_alive": 0.5,
        "expected_purchases": 1.0,
        "predicted_value": Decimal("50.00"),
    }
    return CustomerValue.objects.create(customer=customer, **{**defaults, **fields})


def test_scores_predicted_value_and_probability_alive_come_from_the_last_scoring():
    loyal = CustomerFactory()
    _value(loyal, recency_score=5, frequency_score=4, probability_alive=0.92, predicted_value=Decimal("480.00"))
    fading = CustomerFactory()
    _value(fading, recency_score=1, probability_alive=0.21, predicted_value=Decimal("12.00"))
    unscored = CustomerFactory()

    assert members(rules(cond("recency_score", "gte", "4"))) == {loyal.pk}
    assert members(rules(cond("probability_alive", "lte", "0.3"))) == {fading.pk}
    assert members(rules(cond("predicted_value", "gte", "100"), cond("frequency_score", "gte", "4"))) == {loyal.pk}
    assert members(rules(cond("recency_score", "is_empty"))) == {unscored.pk}


def test_a_category_bought_is_picked_from_the_categories_on_sale():
    from customers.segments import choice_labels

    ProductFactory(category="Saffron")
    ProductFactory(category="Tea")
    ProductFactory(category="")

    assert choice_labels("product_category_bought") == [("Saffron", "Saffron"), ("Tea", "Tea")]
    assert ("most_valuable", "Most valuable") in choice_labels("value_tier")


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (cond("last_order", "last_days", "0"), "from 1 to 3660 days"),
        (cond("last_order", "last_days", "ninety"), "a number of days"),
        (cond("last_order", "days_ago_between", "30"), "two numbers of days"),
        (cond("recency_score", "gte", "6"), "from 1 to 5"),
        (cond("probability_alive", "gte", "1.5"), "from 0 to 1"),
        (cond("order_count", "is_empty"), "cannot be combined"),
    ],
)
def test_bad_windows_and_values_are_refused_with_a_message(condition, message):
    with pytest.raises(RuleError, match=message):
        validate_rules(rules(condition))


def test_windows_that_cannot_overlap_are_a_contradiction():
    with pytest.raises(RuleError, match="windows of days"):
        validate_rules(rules(cond("last_order", "last_days", "30"), cond("last_order", "over_days_ago", "60")))
    # They can overlap: ordered 40 to 60 days ago and in the last 50 days.
    validate_rules(rules(cond("last_order", "days_ago_between", "40,60"), cond("last_order", "last_days", "50")))


def test_persian_digits_count_days():
    normal = validate_rules(rules(cond("last_order", "last_days", "۹۰")))

    assert normal["any"][0]["all"][0]["value"] == 90


def test_the_rules_read_as_the_marketer_wrote_them():
    text = describe_rules(
        validate_rules(
            rules(
                cond("last_order", "last_days", "90"),
                cond("value_tier", "is", ["most_valuable", "potential"]),
                cond("first_order", "days_ago_between", "30,60"),
            )
        )
    )

    assert text == [
        "Last purchase in the last 90 days and Value tier is / is one of Most valuable or Potential "
        "and First purchase between 30 and 60 days ago"
    ]


def _refreshed(segment, at):
    Segment.objects.filter(pk=segment.pk).update(refreshed_at=at)
    Customer.objects.update(updated_at=at - dt.timedelta(hours=1))


def test_a_customer_leaves_the_last_90_days_when_the_91st_day_starts_and_nothing_else_changed():
    segment = SegmentFactory()
    segment_save_rules(segment=segment, rules=rules(cond("last_order", "last_days", "90")))
    ordered = days_ago(89, hour=10)
    london, tehran = buyer(ordered, tz="Europe/London"), buyer(ordered, tz="Asia/Tehran")
    steady = buyer(days_ago(3))
    segment_refresh(segment=segment, now=NOW)
    assert set(segment.members.values_list("pk", flat=True)) == {london.pk, tehran.pk, steady.pk}
    _refreshed(segment, NOW)

    # 20:45 UTC: already the next day in Tehran (00:15), not yet in London (21:45).
    evening = dt.datetime.combine(NOW.date(), dt.time(20, 45), tzinfo=UTC)
    result = segment_refresh(segment=segment, now=evening)
    assert (result.mode, result.removed, result.added) == ("incremental", 1, 0)
    assert result.examined <= 2  # only the customers whose order the window's edge passed over
    assert set(segment.members.values_list("pk", flat=True)) == {london.pk, steady.pk}

    result = segment_refresh(segment=segment, now=evening + dt.timedelta(hours=4))
    assert (result.mode, result.removed) == ("incremental", 1)
    assert set(segment.members.values_list("pk", flat=True)) == {steady.pk}
    assert Segment.objects.get(pk=segment.pk).member_count == 1


def test_a_customer_joins_more_than_30_days_ago_on_the_31st_day():
    segment = SegmentFactory()
    segment_save_rules(segment=segment, rules=rules(cond("last_order", "over_days_ago", "30")))
    customer = buyer(days_ago(30))
    segment_refresh(segment=segment, now=NOW)
    assert not segment.members.exists()
    _refreshed(segment, NOW)

    result = segment_refresh(segment=segment, now=NOW + dt.timedelta(days=1))

    assert (result.mode, result.added) == ("incremental", 1)
    assert list(segment.members.values_list("pk", flat=True)) == [customer.pk]


def test_a_cancelled_order_moves_a_customer_out_at_the_next_incremental_refresh():
    segment = SegmentFactory()
    segment_save_rules(segment=segment, rules=rules(cond("order_count", "gte", "2")))
    customer = buyer(days_ago(3), days_ago(2))
    segment_refresh(segment=segment, now=NOW)
    assert segment.members.count() == 1
    _refreshed(segment, NOW)

    order_cancel(order=customer.orders.order_by("pk").last(), note="changed their mind")
    result = segment_refresh(segment=segment)

    assert (result.mode, result.removed) == ("incremental", 1)
    assert not SegmentMembership.objects.filter(segment=segment).exists()


def test_a_birthday_that_passed_leaves_the_occasion_segment_incrementally():
    segment = SegmentFactory()
    segment_save_rules(segment=segment, rules=rules(cond("upcoming_occasion", "is", "7")))
    today = CustomerFactory()
    today.occasions.create(kind="birthday", month=NOW.month, day=NOW.day)
    in_a_week = CustomerFactory()
    later = NOW.date() + dt.timedelta(days=8)
    in_a_week.occasions.create(kind="birthday", month=later.month, day=later.day)
    segment_refresh(segment=segment, now=NOW)
    assert list(segment.members.values_list("pk", flat=True)) == [today.pk]
    _refreshed(segment, NOW)

    result = segment_refresh(segment=segment, now=NOW + dt.timedelta(days=1))

    assert (result.mode, result.added, result.removed) == ("incremental", 1, 1)
    assert list(segment.members.values_list("pk", flat=True)) == [in_a_week.pk]


def test_product_and_date_in_one_segment():
    saffron = ProductFactory(category="Saffron")
    recent = buyer(days_ago(5))
    OrderLineFactory(order=recent.orders.get(), product=saffron)
    old = buyer(days_ago(200))
    OrderLineFactory(order=old.orders.get(), product=saffron)

    assert members(
        rules(cond("product_category_bought", "is", ["Saffron"]), cond("last_order", "over_days_ago", "180"))
    ) == {old.pk}


def test_the_time_zones_customers_live_in_are_read_from_the_index():
    from customers.segment_calendar import distinct_time_zones

    for zone in ("Asia/Tehran", "Europe/London", "Asia/Tehran", "Asia/Riyadh"):
        CustomerFactory(time_zone=zone)

    assert distinct_time_zones() == ("Asia/Riyadh", "Asia/Tehran", "Europe/London")
    assert Calendar(NOW).time_zones == ("Asia/Riyadh", "Asia/Tehran", "Europe/London")


def test_the_rules_read_in_persian_with_persian_digits_and_no_codes():
    from django.utils import translation

    from customers.models import SegmentCondition

    segment = SegmentFactory()
    segment_save_rules(
        segment=segment,
        rules=rules(cond("last_order", "last_days", "90"), cond("value_tier", "is", ["most_valuable"])),
    )
    with translation.override("fa"):
        text = describe_rules(segment.rules)[0]
        rows = [str(row) for row in SegmentCondition.objects.filter(segment=segment)]

    assert "۹۰" in text and "90" not in text
    assert "most_valuable" not in text and "با ارزش‌ترین" in text
    assert rows[0] == "آخرین خرید در ۹۰ روز گذشته"
    assert "most_valuable" not in rows[1]
