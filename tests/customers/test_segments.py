"""Segments marketers build from conditions: validated, counted live, refreshed incrementally."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer, NeedMention, SegmentCondition, SegmentMembership
from customers.segments import RuleError, is_time_relative, matching_customers, validate_rules
from customers.services import consent_set, segment_refresh, segment_save_rules
from tests.campaigns.factories import CampaignFactory, TouchFactory
from tests.customers.factories import CustomerFactory, NeedFactory, OccasionFactory, SegmentFactory
from tests.orders.factories import OrderLineFactory, ProductFactory

pytestmark = pytest.mark.django_db


def rules(*groups):
    return {"any": [{"all": list(g)} for g in groups]}


def cond(field, value, lookup="is", **extra):
    return {"field": field, "lookup": lookup, "value": value, **extra}


def members(r):
    return set(matching_customers(r).values_list("pk", flat=True))


def test_and_within_a_group_or_between_groups():
    ir_fa = CustomerFactory(country="IR", preferred_language="fa")
    ir_en = CustomerFactory(country="IR", preferred_language="en")
    sa_ar = CustomerFactory(country="SA", preferred_language="ar")
    CustomerFactory(country="GB", preferred_language="en")

    both = rules([cond("country", "IR"), cond("preferred_language", ["fa"])])
    assert members(both) == {ir_fa.pk}
    either = rules([cond("country", "IR"), cond("preferred_language", "fa")], [cond("preferred_language", "ar")])
    assert members(either) == {ir_fa.pk, sa_ar.pk}
    assert members(rules([cond("country", "ir", lookup="is_not")])) == {sa_ar.pk} | {
        c.pk for c in Customer.objects.filter(country="GB")
    }
    assert ir_en.pk in members(rules([cond("country", "IR")]))


def test_tier_stage_satisfaction_and_flags():
    happy = CustomerFactory(value_tier="most_valuable", lifecycle_stage="extension", satisfaction=5)
    CustomerFactory(value_tier="most_valuable", lifecycle_stage="retention", satisfaction=2, at_risk=True)
    r = rules(
        [
            cond("value_tier", "most_valuable"),
            cond("lifecycle_stage", "retention", lookup="is_not"),
            cond("satisfaction", "4", lookup="gte"),
            cond("at_risk", "no"),
        ]
    )
    assert members(r) == {happy.pk}


def test_aida_step_reached_in_a_campaign():
    campaign, other = CampaignFactory(), CampaignFactory()
    desired = CustomerFactory()
    TouchFactory(customer=desired, campaign=campaign, step="desire", kind="offer_claim")
    bought = CustomerFactory()
    TouchFactory(customer=bought, campaign=campaign, step="action", kind="order")
    only_seen = CustomerFactory()
    TouchFactory(customer=only_seen, campaign=campaign, step="attention")
    elsewhere = CustomerFactory()
    TouchFactory(customer=elsewhere, campaign=other, step="desire", kind="offer_claim")
    scanner = CustomerFactory()
    TouchFactory(customer=scanner, campaign=campaign, step="desire", kind="click", is_automated=True)

    assert members(rules([cond("aida_step", "desire", campaign=campaign.pk)])) == {desired.pk, bought.pk}
    not_yet = rules(
        [
            cond("aida_step", "attention", campaign=campaign.pk),
            cond("aida_step", "action", "is_not", campaign=campaign.pk),
        ]
    )
    assert members(not_yet) == {desired.pk, only_seen.pk}


def test_products_needs_occasions_and_consent():
    product = ProductFactory(category="tea")
    buyer = CustomerFactory()
    OrderLineFactory(order__customer=buyer, product=product)
    need = NeedFactory()
    complainer = CustomerFactory()
    NeedMention.objects.create(need=need, customer=complainer, source="survey", source_id=9)
    today = timezone.localdate()
    soon = today + dt.timedelta(days=5)
    birthday = CustomerFactory()
    OccasionFactory(customer=birthday, month=soon.month, day=soon.day)
    later = today + dt.timedelta(days=40)
    OccasionFactory(customer=CustomerFactory(), month=later.month, day=later.day)
    subscribed = CustomerFactory()
    consent_set(customer=subscribed, channel="email", granted=True, source="web_form")
    withdrawn = CustomerFactory()
    consent_set(customer=withdrawn, channel="email", granted=True, source="web_form")
    consent_set(customer=withdrawn, channel="email", granted=False, source="unsubscribe")

    assert members(rules([cond("product_bought", [product.pk])])) == {buyer.pk}
    assert members(rules([cond("product_category_bought", "tea")])) == {buyer.pk}
    assert members(rules([cond("need", [need.pk])])) == {complainer.pk}
    assert members(rules([cond("need_category", "delivery")])) == {complainer.pk}
    assert members(rules([cond("upcoming_occasion", "7")])) == {birthday.pk}
    assert members(rules([cond("consent", "email")])) == {subscribed.pk}
    assert is_time_relative(validate_rules(rules([cond("upcoming_occasion", "7")])))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (rules([cond("password", "x")]), "not a field"),
        (rules([cond("value_tier", "gold")]), "not a value"),
        (rules([cond("value_tier", "most_valuable"), cond("value_tier", "low_value")]), "all of these values"),
        (rules([cond("country", "IR"), cond("country", "ir", lookup="is_not")]), "all of these values"),
        (rules([cond("satisfaction", "4", "gte"), cond("satisfaction", "2", "lte")]), "at least"),
        (rules([cond("satisfaction", "", "is_empty"), cond("satisfaction", "2", "lte")]), "empty"),
        (rules([cond("at_risk", "yes"), cond("at_risk", "no")]), "all of these values"),
        (rules([cond("consent", "email"), cond("consent", "email", "is_not")]), "required and excluded"),
        (rules([cond("aida_step", "action"), cond("aida_step", "desire", "is_not")]), "AIDA"),
        (rules([cond("upcoming_occasion", "7"), cond("upcoming_occasion", "30", "is_not")]), "not to be there"),
        (rules([cond("satisfaction", "many", "gte")]), "number"),
        (rules([cond("value_tier", "most_valuable", "gte")]), "cannot be combined"),
        ({"any": [{"all": []}]}, "at least one condition"),
    ],
)
def test_unknown_fields_bad_values_and_contradictions_are_refused(bad, message):
    with pytest.raises(RuleError) as error:
        validate_rules(bad)
    assert message in " ".join(error.value.messages)


def test_contradictions_in_different_groups_are_fine():
    validate_rules(rules([cond("value_tier", "most_valuable")], [cond("value_tier", "low_value")]))


def test_full_then_incremental_refresh_follows_changes():
    segment = SegmentFactory()
    segment_save_rules(segment=segment, rules=rules([cond("value_tier", "most_valuable")]))
    assert SegmentCondition.objects.filter(segment=segment).count() == 1
    a = CustomerFactory(value_tier="most_valuable")
    b = CustomerFactory(value_tier="potential")
    result = segment_refresh(segment=segment)
    assert result.mode == "full"
    assert set(segment.members.values_list("pk", flat=True)) == {a.pk}

    past = timezone.now() - dt.timedelta(hours=1)
    Customer.objects.update(updated_at=past)
    type(segment).objects.filter(pk=segment.pk).update(refreshed_at=past + dt.timedelta(minutes=5))
    b.value_tier = "most_valuable"
    b.save()
    result = segment_refresh(segment=segment)
    assert (result.mode, result.examined, result.added, result.removed) == ("incremental", 1, 1, 0)
    segment.refresh_from_db()
    assert segment.member_count == 2
    assert set(segment.members.values_list("pk", flat=True)) == {a.pk, b.pk}


def test_incremental_refresh_sees_new_orders_and_consent():
    product = ProductFactory()
    segment = SegmentFactory()
    segment_save_rules(segment=segment, rules=rules([cond("product_bought", [product.pk]), cond("consent", "email")]))
    customer = CustomerFactory()
    segment_refresh(segment=segment)
    past = timezone.now() - dt.timedelta(hours=1)
    Customer.objects.update(updated_at=past)
    type(segment).objects.filter(pk=segment.pk).update(refreshed_at=past + dt.timedelta(minutes=5))

    OrderLineFactory(order__customer=customer, product=product)
    consent_set(customer=customer, channel="email", granted=True, source="checkout")
    result = segment_refresh(segment=segment)
    assert (result.mode, result.added) == ("incremental", 1)
    consent_set(customer=customer, channel="email", granted=False, source="unsubscribe")
    result = segment_refresh(segment=segment)
    assert (result.mode, result.removed) == ("incremental", 1)
    assert not SegmentMembership.objects.filter(segment=segment).exists()


def test_too_many_changes_fall_back_to_a_full_rebuild(settings):
    settings.CUSTOMER_SEGMENT_INCREMENTAL_LIMIT = 2
    settings.CUSTOMER_SEGMENT_INCREMENTAL_SHARE = 0
    segment = SegmentFactory()
    segment_save_rules(segment=segment, rules=rules([cond("country", "IR")]))
    segment_refresh(segment=segment)
    CustomerFactory.create_batch(3, country="IR")
    result = segment_refresh(segment=segment)
    assert (result.mode, result.added) == ("full", 3)


def test_hand_picked_segments_are_left_alone():
    segment = SegmentFactory()
    SegmentMembership.objects.create(segment=segment, customer=CustomerFactory())
    assert segment_refresh(segment=segment).mode == "manual"
    assert segment.memberships.count() == 1


def _segment_form(name, conditions):
    data = {
        "name": name,
        "description": "",
        "is_dynamic": "on",
        "conditions-TOTAL_FORMS": str(len(conditions)),
        "conditions-INITIAL_FORMS": "0",
        "conditions-MIN_NUM_FORMS": "0",
        "conditions-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(conditions):
        for key, value in row.items():
            data[f"conditions-{i}-{key}"] = value
    return data


def test_a_marketer_builds_a_segment_in_the_admin(admin_client, django_capture_on_commit_callbacks):
    CustomerFactory(country="IR", value_tier="most_valuable")
    CustomerFactory(country="IR", value_tier="low_value")
    CustomerFactory(country="SA", value_tier="potential")
    form = _segment_form(
        "Valuable Iranians or potentials",
        [
            {"group": "1", "field": "country", "lookup": "is", "value": "IR"},
            {"group": "1", "field": "value_tier", "lookup": "is", "value": "most_valuable"},
            {"group": "2", "field": "value_tier", "lookup": "is", "value": "potential"},
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:customers_segment_add"), form)
    assert response.status_code == 302
    from customers.models import Segment

    segment = Segment.objects.get(name="Valuable Iranians or potentials")
    assert len(segment.rules["any"]) == 2
    assert segment.member_count == 2
    page = admin_client.get(reverse("admin:customers_segment_change", args=[segment.pk]))
    assert "segment-live-count" in page.content.decode()


def test_the_admin_refuses_a_contradictory_segment_with_a_message(admin_client):
    form = _segment_form(
        "Impossible",
        [
            {"group": "1", "field": "value_tier", "lookup": "is", "value": "most_valuable"},
            {"group": "1", "field": "value_tier", "lookup": "is", "value": "low_value"},
        ],
    )
    response = admin_client.post(reverse("admin:customers_segment_add"), form)
    assert response.status_code == 200
    assert "cannot be all of these values at once" in response.content.decode()
    from customers.models import Segment

    assert not Segment.objects.filter(name="Impossible").exists()


def test_live_count_while_editing(admin_client):
    CustomerFactory.create_batch(2, country="IR")
    CustomerFactory(country="SA")
    url = reverse("admin:customers_segment_live_count")
    body = {"conditions": [{"group": "1", "field": "country", "lookup": "is", "value": "IR"}]}
    response = admin_client.post(url, json.dumps(body), content_type="application/json")
    assert response.json() == {"count": 2}
    body["conditions"].append({"group": "1", "field": "nonsense", "lookup": "is", "value": "x"})
    response = admin_client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert "not a field" in response.json()["error"]
    assert admin_client.get(url).status_code == 405


def test_live_count_is_for_staff_only(client):
    response = client.post(reverse("admin:customers_segment_live_count"), "{}", content_type="application/json")
    assert response.status_code == 302  # to the login page


def test_the_nightly_job_rates_customers_and_rebuilds_segments():
    from customers.tasks import refresh_customer_profiles, refresh_segments
    from tests.orders.factories import OrderFactory

    segment = SegmentFactory()
    segment_save_rules(segment=segment, rules=rules([cond("lifecycle_stage", "retention")]))
    buyer = CustomerFactory()
    OrderFactory(customer=buyer)
    summary = refresh_customer_profiles.delay().get()
    assert summary == {"scored": 1, "tiers_changed": 1, "stages_changed": 1, "segments": 1}
    assert set(segment.members.values_list("pk", flat=True)) == {buyer.pk}
    assert refresh_segments.delay().get() == 1


def test_incremental_refresh_sees_a_change_of_tier():
    from customers.services import customers_refresh_profiles
    from tests.orders.factories import OrderFactory

    segment = SegmentFactory()
    segment_save_rules(segment=segment, rules=rules([cond("value_tier", "unrated")]))
    customer = CustomerFactory()
    segment_refresh(segment=segment)
    past = timezone.now() - dt.timedelta(hours=1)
    Customer.objects.update(updated_at=past)
    type(segment).objects.filter(pk=segment.pk).update(refreshed_at=past + dt.timedelta(minutes=5))
    assert segment_refresh(segment=segment).examined == 0

    OrderFactory(customer=customer, total="5.00", placed_at=past - dt.timedelta(days=1))  # an order entered late
    customers_refresh_profiles()
    result = segment_refresh(segment=segment)
    assert (result.mode, result.removed) == ("incremental", 1)


def test_the_incremental_limit_grows_with_the_number_of_customers(settings):
    from customers.services.segments import incremental_limit

    settings.CUSTOMER_SEGMENT_INCREMENTAL_LIMIT = 2
    settings.CUSTOMER_SEGMENT_INCREMENTAL_SHARE = 0.5
    customers = CustomerFactory.create_batch(3)
    highest = max(c.pk for c in customers)

    assert incremental_limit() == max(2, highest // 2)
    settings.CUSTOMER_SEGMENT_INCREMENTAL_SHARE = 0
    assert incremental_limit() == 2


def test_who_leaves_a_segment_is_recorded_by_the_full_and_the_incremental_refresh():
    from customers.models import SegmentDeparture

    segment = SegmentFactory()
    segment_save_rules(segment=segment, rules=rules([cond("value_tier", "most_valuable")]))
    a = CustomerFactory(value_tier="most_valuable")
    b = CustomerFactory(value_tier="most_valuable")
    segment_refresh(segment=segment)
    a.value_tier = "potential"
    a.save()
    segment_refresh(segment=segment, full=True)
    past = timezone.now() - dt.timedelta(hours=1)
    Customer.objects.update(updated_at=past)
    type(segment).objects.filter(pk=segment.pk).update(refreshed_at=past + dt.timedelta(minutes=5))
    b.value_tier = "low_value"
    b.save()
    assert segment_refresh(segment=segment).mode == "incremental"
    assert list(SegmentDeparture.objects.order_by("id").values_list("customer_id", flat=True)) == [a.pk, b.pk]
    assert not segment.members.exists()
