"""Segment fields come from the stage that owns their rows; every field a marketer can pick works."""

import pytest

from campaigns.models import AIDA_ORDER, AidaStep
from customers.models import SegmentField, SegmentLookup
from customers.segments import FIELDS, RuleError, matching_customers, validate_rules
from tests.campaigns.factories import TouchFactory
from tests.customers.factories import CustomerFactory, NeedFactory

pytestmark = pytest.mark.django_db


def _rules(*conditions):
    return {"any": [{"all": list(conditions)}]}


def test_every_field_of_the_condition_form_can_be_used():
    assert sorted(FIELDS) == sorted(SegmentField.values)


def test_the_aida_field_walks_the_steps_in_the_campaign_order():
    assert FIELDS[SegmentField.AIDA_STEP].choices == tuple(step.value for step in AIDA_ORDER)


def test_an_anonymous_touch_does_not_hide_the_customers_who_did_not_reach_a_step():
    reached = CustomerFactory()
    TouchFactory(customer=reached, step=AidaStep.DESIRE)
    TouchFactory(customer=None, step=AidaStep.DESIRE)  # a visitor not known yet
    never = CustomerFactory()

    members = matching_customers(
        _rules({"field": SegmentField.AIDA_STEP, "lookup": SegmentLookup.IS_NOT, "value": ["desire"]})
    )

    assert list(members.values_list("pk", flat=True)) == [never.pk]


def test_an_anonymous_need_mention_does_not_hide_the_customers_who_did_not_express_it():
    need = NeedFactory()
    need.mentions.create(source="survey", source_id=1, customer=None, excerpt="")
    quiet = CustomerFactory()

    members = matching_customers(
        _rules({"field": SegmentField.NEED, "lookup": SegmentLookup.IS_NOT, "value": [need.pk]})
    )

    assert list(members.values_list("pk", flat=True)) == [quiet.pk]


def test_a_later_step_reached_contradicts_an_earlier_step_not_reached():
    with pytest.raises(RuleError, match="AIDA"):
        validate_rules(
            _rules(
                {"field": SegmentField.AIDA_STEP, "lookup": SegmentLookup.IS, "value": ["action"]},
                {"field": SegmentField.AIDA_STEP, "lookup": SegmentLookup.IS_NOT, "value": ["information"]},
            )
        )


def test_persian_digits_in_a_number_condition_are_read():
    rules = validate_rules(_rules({"field": SegmentField.LAST_NPS, "lookup": SegmentLookup.GTE, "value": "۹"}))

    assert rules["any"][0]["all"][0]["value"] == "9"
