"""The buy-till-you-die models against the papers' published figures and against histories simulated from known
parameters."""

import numpy as np
import pytest

from customers.valuation.btyd import BetaGeo, FitFailed, GammaGamma

# Fader, Hardie & Lee (2005), fitted on the CDNOW sample of 2,357 customers over 39 weeks.
CDNOW = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)


def test_the_papers_worked_example():
    # "A customer who made two repeat purchases, the last at week 30.43 of 38.86, is expected to make 1.226
    # purchases in the next 39 weeks."
    expected = CDNOW.expected_purchases(39, [2], [30.43], [38.86])
    assert expected[0] == pytest.approx(1.226, abs=0.001)


def test_a_customer_who_never_came_back_is_alive_for_sure_and_one_long_silent_is_probably_gone():
    alive = CDNOW.probability_alive([0, 2, 2, 20], [0, 30.43, 2.0, 5.0], [38.86, 38.86, 38.86, 38.86])
    assert alive[0] == 1.0  # the model only loses a customer after a purchase
    assert alive[1] > alive[2]  # the same purchases, the last one long ago: less likely still a customer
    assert alive[3] < 0.01  # twenty purchases in five weeks, then thirty-four weeks of silence


def simulate(rng, customers, *, r, alpha, a, b, weeks=(20.0, 52.0)):
    """Histories drawn from the BG/NBD story itself."""
    rates = rng.gamma(r, 1.0 / alpha, customers)
    drops = rng.beta(a, b, customers)
    ages = rng.uniform(*weeks, customers)
    x, t_x = np.zeros(customers), np.zeros(customers)
    for i in range(customers):
        t, n, last = 0.0, 0, 0.0
        while True:
            t += rng.exponential(1.0 / rates[i])
            if t > ages[i]:
                break
            n, last = n + 1, t
            if rng.random() < drops[i]:
                break
        x[i], t_x[i] = n, last
    return x, t_x, ages


def test_known_parameters_are_recovered_from_simulated_histories():
    rng = np.random.default_rng(7)
    x, t_x, ages = simulate(rng, 6000, r=0.8, alpha=6.0, a=0.9, b=3.0)

    model = BetaGeo.fit(x, t_x, ages)

    assert model.r == pytest.approx(0.8, rel=0.2)
    assert model.alpha == pytest.approx(6.0, rel=0.25)
    assert model.a == pytest.approx(0.9, rel=0.35)
    assert model.b == pytest.approx(3.0, rel=0.45)
    # The fitted model predicts the purchases of the whole group as the true one does.
    truth = BetaGeo(0.8, 6.0, 0.9, 3.0)
    predicted, true = model.expected_purchases(26, x, t_x, ages).sum(), truth.expected_purchases(26, x, t_x, ages).sum()
    assert predicted == pytest.approx(true, rel=0.05)


def test_gamma_gamma_recovers_the_spend_model_and_shrinks_towards_the_mean():
    rng = np.random.default_rng(11)
    p, q, gamma = 6.0, 4.0, 15.0
    nu = rng.gamma(q, 1.0 / gamma, 20000)
    x = rng.integers(1, 12, 20000).astype(float)
    mean = np.array([rng.gamma(p, 1.0 / v, int(n)).mean() for v, n in zip(nu, x, strict=True)])

    model = GammaGamma.fit(x, mean)

    assert model.p == pytest.approx(p, rel=0.15)
    assert model.q == pytest.approx(q, rel=0.1)
    assert model.gamma == pytest.approx(gamma, rel=0.15)
    population = model.p * model.gamma / (model.q - 1)
    assert population == pytest.approx(p * gamma / (q - 1), rel=0.02)
    one, many = model.expected_spend([1, 20], [200.0, 200.0])
    assert population < one < many < 200.0  # one purchase says less about a customer than twenty


def test_too_little_history_is_refused_with_a_reason():
    with pytest.raises(FitFailed):
        BetaGeo.fit([0, 0, 0], [0, 0, 0], [10, 12, 30])
    with pytest.raises(FitFailed):
        GammaGamma.fit([1], [10.0])
    with pytest.raises(ValueError, match="t_x"):
        BetaGeo.fit([1, 2], [5.0, 40.0], [30.0, 30.0])
