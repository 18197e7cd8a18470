"""The survey bands at their boundaries, as a customer's profile shows them after the loop has read the answers.

The expected flags are written out here, not read from ``aftersales.models``: moving a bound in its home (or in
any copy of it) makes one of these fail.
"""

import pytest

from customers.models import Customer
from cycle.models import LoopTrigger
from cycle.services.loop import loop_run
from tests.aftersales.factories import SurveyResponseFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _profile_after(*, csat: int, nps: int | None) -> Customer:
    customer = CustomerFactory()
    SurveyResponseFactory(customer=customer, csat=csat, nps=nps)
    loop_run(trigger=LoopTrigger.MANUAL)
    customer.refresh_from_db()
    return customer


@pytest.mark.parametrize(("nps", "at_risk"), [(0, True), (6, True), (7, False), (8, False), (10, False)])
def test_a_detractor_is_at_risk_up_to_nps_6(nps, at_risk):
    customer = _profile_after(csat=4, nps=nps)

    assert customer.last_nps == nps
    assert customer.at_risk is at_risk


@pytest.mark.parametrize(("csat", "at_risk"), [(1, True), (2, True), (3, False), (5, False)])
def test_a_very_unhappy_customer_is_at_risk_up_to_csat_2(csat, at_risk):
    customer = _profile_after(csat=csat, nps=None)

    assert customer.satisfaction == csat
    assert customer.at_risk is at_risk


@pytest.mark.parametrize(("nps", "referral"), [(7, False), (8, False), (9, True), (10, True)])
def test_a_promoter_is_a_referral_candidate_from_nps_9(nps, referral):
    assert _profile_after(csat=5, nps=nps).referral_candidate is referral


@pytest.mark.parametrize(("csat", "referral"), [(2, False), (3, False), (4, True), (5, True)])
def test_a_promoter_is_a_referral_candidate_only_when_satisfied_from_csat_4(csat, referral):
    assert _profile_after(csat=csat, nps=10).referral_candidate is referral


def test_a_customer_with_no_nps_answer_is_not_a_referral_candidate():
    customer = _profile_after(csat=5, nps=None)

    assert (customer.last_nps, customer.at_risk, customer.referral_candidate) == (None, False, False)
