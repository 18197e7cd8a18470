"""The statistics of A/B tests against figures worked out by hand (normal approximation, two-sided)."""

import pytest

from campaigns.experiments.stats import (
    Sample,
    decide,
    min_sample_per_variant,
    normal_quantile,
    two_proportions,
    two_sided_p,
    welch,
)


def test_the_usual_critical_values():
    assert normal_quantile(0.975) == pytest.approx(1.959964, abs=1e-6)
    assert two_sided_p(1.959964) == pytest.approx(0.05, abs=1e-6)
    assert two_sided_p(0.0) == pytest.approx(1.0)


def test_two_proportions_by_hand():
    # 12% of 1000 against 10% of 1000: pooled 11%, SE sqrt(.11 * .89 * 2/1000) = 0.013993, z = 1.4293.
    c = two_proportions(120, 1000, 100, 1000, confidence=0.95)
    assert c.difference == pytest.approx(0.02)
    assert c.z == pytest.approx(1.4293, abs=1e-4)
    assert c.p_value == pytest.approx(0.1529, abs=1e-4)
    # Interval from the unpooled SE sqrt(.12 * .88/1000 + .1 * .9/1000) = 0.013986: 0.02 ± 0.027412.
    assert c.low == pytest.approx(-0.007412, abs=1e-5)
    assert c.high == pytest.approx(0.047412, abs=1e-5)


def test_twenty_against_fifteen_percent_is_significant():
    c = two_proportions(200, 1000, 150, 1000, confidence=0.95)
    assert c.z == pytest.approx(2.9424, abs=1e-4)
    assert c.p_value == pytest.approx(0.00326, abs=1e-5)
    assert c.low > 0


def test_nothing_to_tell_without_recipients_or_variation():
    assert two_proportions(0, 0, 5, 10, confidence=0.95).p_value == 1.0
    assert two_proportions(0, 100, 0, 100, confidence=0.95).p_value == 1.0


def test_welch_by_hand():
    # A: 100 values, mean 10, variance 4; B: 100 values, mean 9, variance 9. SE = sqrt(.04 + .09), z = 2.7735.
    a = Sample(100, 1000.0, 4 * 99 + 1000.0**2 / 100)
    b = Sample(100, 900.0, 9 * 99 + 900.0**2 / 100)
    assert a.variance == pytest.approx(4.0)
    c = welch(a, b, confidence=0.95)
    assert c.difference == pytest.approx(1.0)
    assert c.z == pytest.approx(2.7735, abs=1e-4)
    assert c.p_value == pytest.approx(0.005546, abs=1e-5)
    assert (c.low, c.high) == (pytest.approx(1 - 1.959964 * 0.360555, abs=1e-5), pytest.approx(1.706674, abs=1e-5))


def test_minimum_sample_for_ten_to_twelve_percent():
    # The textbook figure: 3,841 recipients per variant to see 10% → 12% at 95% confidence and 80% power.
    assert min_sample_per_variant(base_rate=0.10, lift=0.02) == 3841


def rate(successes, n):
    return Sample(n, float(successes), float(successes))


def test_a_clear_winner_wins():
    verdict = decide([rate(150, 1000), rate(200, 1000)], proportions=True, confidence=0.95)
    assert verdict.winner == 1
    assert verdict.comparisons[0].p_value < 0.05


def test_bonferroni_turns_a_two_variant_winner_into_no_winner_among_three():
    # 20.0% against 16.5%: p = 0.0427, below 0.05 but above the 0.025 that three variants allow each comparison.
    two = decide([rate(165, 1000), rate(200, 1000)], proportions=True, confidence=0.95)
    assert two.comparisons[0].p_value == pytest.approx(0.0427, abs=1e-3)
    assert two.winner == 1
    three = decide([rate(165, 1000), rate(200, 1000), rate(165, 1000)], proportions=True, confidence=0.95)
    assert three.level == pytest.approx(0.975)
    assert three.best == 1 and three.winner is None


def test_equal_variants_have_no_winner():
    verdict = decide([rate(100, 1000), rate(100, 1000)], proportions=True, confidence=0.95)
    assert verdict.winner is None


def test_revenue_winner_by_welch():
    a = Sample(100, 1000.0, 4 * 99 + 1000.0**2 / 100)
    b = Sample(100, 900.0, 9 * 99 + 900.0**2 / 100)
    assert decide([b, a], proportions=False, confidence=0.95).winner == 1
    assert decide([b, a], proportions=False, confidence=0.999).winner is None  # p = 0.0055 > 0.001
