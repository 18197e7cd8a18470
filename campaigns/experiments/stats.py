"""The statistics of an experiment, as pure functions over counts and sums (no database, no scipy).

Rates (opens, clicks, orders per recipient) are compared with a two-proportion z-test; revenue per recipient with
Welch's t-test, read on the normal distribution (the audiences are large). With n variants the best one is
compared with each other one, at a significance level divided by the number of comparisons (Bonferroni), and it
is the winner only when it beats every one of them.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass


def normal_cdf(z: float) -> float:
    """P(Z <= z) for a standard normal Z."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def normal_quantile(p: float) -> float:
    """The z with P(Z <= z) = p (0 < p < 1): bisection on :func:`normal_cdf`, exact to ~1e-12."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be strictly between 0 and 1")
    low, high = -40.0, 40.0
    for _ in range(200):
        mid = (low + high) / 2
        if normal_cdf(mid) < p:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def two_sided_p(z: float) -> float:
    """The two-sided p-value of a standard normal statistic."""
    return math.erfc(abs(z) / math.sqrt(2.0))


@dataclass(frozen=True)
class Comparison:
    """A variant against a reference: the difference of their means (rates or revenue per recipient), its
    confidence interval at the corrected level, the test statistic and its two-sided p-value."""

    difference: float
    low: float
    high: float
    z: float
    p_value: float


def two_proportions(successes_a: int, n_a: int, successes_b: int, n_b: int, *, confidence: float) -> Comparison:
    """Rate of A minus rate of B: the z-test with the pooled rate, the interval with the unpooled standard error.

    With no recipient on either side, or no variation at all (both rates 0 or both 1), nothing can be told:
    z = 0 and p = 1.
    """
    if n_a <= 0 or n_b <= 0:
        return Comparison(0.0, 0.0, 0.0, 0.0, 1.0)
    rate_a, rate_b = successes_a / n_a, successes_b / n_b
    difference = rate_a - rate_b
    pooled = (successes_a + successes_b) / (n_a + n_b)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    se = math.sqrt(rate_a * (1 - rate_a) / n_a + rate_b * (1 - rate_b) / n_b)
    z = difference / se_pooled if se_pooled > 0 else 0.0
    margin = normal_quantile(1 - (1 - confidence) / 2) * se
    return Comparison(difference, difference - margin, difference + margin, z, two_sided_p(z) if se_pooled else 1.0)


@dataclass(frozen=True)
class Sample:
    """What a group adds up to: its size, the sum of the values and the sum of their squares."""

    n: int
    total: float
    squares: float

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        """The unbiased sample variance (0 below two values)."""
        if self.n < 2:
            return 0.0
        return max((self.squares - self.total * self.total / self.n) / (self.n - 1), 0.0)


def welch(a: Sample, b: Sample, *, confidence: float) -> Comparison:
    """Mean of A minus mean of B, Welch's t statistic read on the normal distribution (large samples)."""
    if a.n < 2 or b.n < 2:
        return Comparison(a.mean - b.mean, 0.0, 0.0, 0.0, 1.0)
    difference = a.mean - b.mean
    se = math.sqrt(a.variance / a.n + b.variance / b.n)
    if se == 0:
        return Comparison(difference, difference, difference, 0.0, 1.0)
    z = difference / se
    margin = normal_quantile(1 - (1 - confidence) / 2) * se
    return Comparison(difference, difference - margin, difference + margin, z, two_sided_p(z))


def min_sample_per_variant(*, base_rate: float, lift: float, confidence: float = 0.95, power: float = 0.8) -> int:
    """Recipients each variant needs for a two-sided test at ``confidence`` to find an absolute rise of ``lift``
    over ``base_rate`` with probability ``power`` (the usual normal-approximation formula)."""
    if lift <= 0 or not 0 < base_rate < 1 or base_rate + lift >= 1:
        raise ValueError("the rates must stay between 0 and 1, and the lift be positive")
    z_alpha = normal_quantile(1 - (1 - confidence) / 2)
    z_beta = normal_quantile(power)
    p1, p2 = base_rate, base_rate + lift
    mean = (p1 + p2) / 2
    needed = (
        z_alpha * math.sqrt(2 * mean * (1 - mean)) + z_beta * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    ) ** 2 / lift**2
    return math.ceil(needed)


@dataclass(frozen=True)
class Verdict:
    """The outcome of a test: the index of the winner (None: no winner), the best by the numbers (which may not
    be the winner), and each variant's comparison with the best (None for the best itself)."""

    winner: int | None
    best: int
    comparisons: list[Comparison | None]
    level: float  # the corrected confidence each comparison was made at


def decide(values: Sequence[Sample], *, proportions: bool, confidence: float = 0.95) -> Verdict:
    """The best variant wins when it is significantly better than every other one at ``confidence``, each
    comparison at the Bonferroni-corrected level ``1 - (1 - confidence) / (k - 1)``.

    ``values`` holds each variant's sample (for a rate: ``total`` = successes, ``squares`` unused).
    """
    k = len(values)
    if k == 0:
        raise ValueError("no variant to decide between")
    means = [v.mean for v in values]
    best = max(range(k), key=lambda i: (means[i], -i))
    if k == 1:
        return Verdict(winner=None, best=best, comparisons=[None], level=confidence)
    level = 1 - (1 - confidence) / (k - 1)
    comparisons: list[Comparison | None] = []
    for i, v in enumerate(values):
        if i == best:
            comparisons.append(None)
        elif proportions:
            comparisons.append(
                two_proportions(int(v.total), v.n, int(values[best].total), values[best].n, confidence=level)
            )
        else:
            comparisons.append(welch(v, values[best], confidence=level))
    alpha = 1 - level
    won = all(c is None or (c.p_value < alpha and c.difference < 0) for c in comparisons)
    return Verdict(winner=best if won else None, best=best, comparisons=comparisons, level=level)
