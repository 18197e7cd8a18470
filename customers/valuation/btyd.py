"""Buy-till-you-die models of a company's customers: BG/NBD for how often they buy and whether they are still
customers, Gamma-Gamma for how much they spend.

Both are the published models, fitted by maximum likelihood on the company's own purchase history:

- BG/NBD (Fader, Hardie & Lee, "Counting your customers the easy way", Marketing Science 2005): while alive a
  customer buys at a Poisson rate drawn from Gamma(r, α); after each purchase they drop out with a probability
  drawn from Beta(a, b). A customer is summarised by ``x`` (repeat purchases: purchase days after the first),
  ``t_x`` (time from the first purchase to the last) and ``T`` (time from the first purchase to now).
- Gamma-Gamma (Fader, Hardie & Lee, "RFM and CLV", Journal of Marketing Research 2005; Fader & Hardie's note
  "The Gamma-Gamma model of monetary value", 2013): the spend of a purchase is Gamma(p, ν) around the customer's
  own mean, and ν varies across customers as Gamma(q, γ). Fitted on the customers with repeat purchases from
  their number of purchases and their average spend.

The formulas are the papers' own, written with numpy and scipy's special functions; the parameters are found by
scipy's L-BFGS-B on their logarithms. Tests check them against the papers' published example and by recovering
known parameters from simulated histories. Times are in weeks, the papers' unit; spend in the shop's currency.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import OptimizeResult, minimize
from scipy.special import betaln, gammaln, hyp2f1

Array = NDArray[np.float64]


class FitFailed(ValueError):
    """The history cannot be fitted (too little of it, or the optimiser found no maximum)."""


def _arrays(*values: ArrayLike) -> list[Array]:
    return [np.asarray(v, dtype=np.float64) for v in values]


@dataclass(frozen=True)
class BetaGeo:
    """A fitted BG/NBD model: purchase rate Gamma(r, alpha), drop-out probability Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")

    @staticmethod
    def log_likelihood_of(params: ArrayLike, x: Array, t_x: Array, T: Array) -> Array:  # noqa: N803 - the papers' T
        """Each customer's log-likelihood (equation 6 of the paper, in logarithms)."""
        r, alpha, a, b = np.asarray(params, dtype=np.float64)
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        a2 = betaln(a, b + x) - betaln(a, b)
        a3 = -(r + x) * np.log(alpha + T)
        repeat = x > 0
        a4 = np.full_like(x, -np.inf)
        a4[repeat] = np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
        return a1 + a2 + np.logaddexp(a3, a4)

    @classmethod
    def fit(cls, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> "BetaGeo":  # noqa: N803
        """The maximum-likelihood model of these customers."""
        x_, t_x_, T_ = _arrays(x, t_x, T)  # noqa: N806
        if len(x_) < 2 or not (x_ > 0).any():
            raise FitFailed("no customer has bought twice")
        if (t_x_ > T_ + 1e-9).any() or (x_ < 0).any() or ((x_ > 0) & (t_x_ <= 0)).any():
            raise ValueError("each customer needs 0 <= t_x <= T, and t_x > 0 when x > 0")
        scale = max(float(T_.mean()), 1e-6)

        def objective(logs: Array, penalty: float = 0.0) -> float:
            params = np.exp(logs)
            params[1] *= scale  # alpha is fitted relative to the customers' ages, for a better-scaled search
            value = -float(cls.log_likelihood_of(params, x_, t_x_, T_).sum()) + penalty * float((logs**2).sum())
            return value if np.isfinite(value) else 1e300

        def model(logs: Array) -> "BetaGeo":
            r, alpha, a, b = np.exp(logs)
            return cls(float(r), float(alpha * scale), float(a), float(b))

        found = _minimise(objective, start=np.zeros(4))
        fitted = model(found.x)
        if _at_bounds(found.x) or not fitted._predicts(x_, t_x_, T_):
            # A history so even that the likelihood keeps rising towards "everyone alike, nobody leaves": a light
            # pull of the parameters towards 1 picks the nearest proper model (the likelihood is flat there).
            found = _minimise(lambda logs: objective(logs, penalty=0.1), start=np.zeros(4))
            fitted = model(found.x)
            if not fitted._predicts(x_, t_x_, T_):
                raise FitFailed("the history fits no BG/NBD model with finite predictions")
        return cls(
            fitted.r,
            fitted.alpha,
            fitted.a,
            fitted.b,
            log_likelihood=float(
                cls.log_likelihood_of([fitted.r, fitted.alpha, fitted.a, fitted.b], x_, t_x_, T_).sum()
            ),
        )

    def _predicts(self, x: Array, t_x: Array, T: Array) -> bool:  # noqa: N803
        return bool(np.isfinite(self.expected_purchases(52.0, x, t_x, T)).all())

    def _odds_gone(self, x: Array, t_x: Array, T: Array) -> Array:  # noqa: N803
        """a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x) for x > 0, else 0."""
        odds = np.zeros_like(x)
        repeat = x > 0
        xr = x[repeat]
        odds[repeat] = np.exp(
            np.log(self.a)
            - np.log(self.b + xr - 1)
            + (self.r + xr) * (np.log(self.alpha + T[repeat]) - np.log(self.alpha + t_x[repeat]))
        )
        return odds

    def probability_alive(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Array:  # noqa: N803
        """P(still a customer | x, t_x, T) (equation 11 of the paper's technical note)."""
        x_, t_x_, T_ = _arrays(x, t_x, T)  # noqa: N806
        return 1.0 / (1.0 + self._odds_gone(x_, t_x_, T_))

    def expected_purchases(self, t: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Array:  # noqa: N803
        """Expected purchases in the next ``t`` weeks given x, t_x, T (equation 10 of the paper)."""
        x_, t_x_, T_ = _arrays(x, t_x, T)  # noqa: N806
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = t / (alpha + T_ + t)
        ratio = np.exp((r + x_) * (np.log(alpha + T_) - np.log(alpha + T_ + t)))
        head = (a + b + x_ - 1) / (a - 1)
        body = 1.0 - ratio * hyp2f1(r + x_, b + x_, a + b + x_ - 1, z)
        return head * body / (1.0 + self._odds_gone(x_, t_x_, T_))


@dataclass(frozen=True)
class GammaGamma:
    """A fitted Gamma-Gamma model of the spend per purchase."""

    p: float
    q: float
    gamma: float
    log_likelihood: float = float("nan")

    @staticmethod
    def log_likelihood_of(params: ArrayLike, x: Array, mean: Array) -> Array:
        """Each customer's log-likelihood of their average spend ``mean`` over ``x`` purchases."""
        p, q, gamma = np.asarray(params, dtype=np.float64)
        px = p * x
        return (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(gamma)
            + (px - 1) * np.log(mean)
            + px * np.log(x)
            - (px + q) * np.log(gamma + x * mean)
        )

    @classmethod
    def fit(cls, x: ArrayLike, mean: ArrayLike) -> "GammaGamma":
        """The maximum-likelihood model, from the customers with ``x`` ≥ 1 and a positive average spend."""
        x_, mean_ = _arrays(x, mean)
        keep = (x_ > 0) & (mean_ > 0)
        x_, mean_ = x_[keep], mean_[keep]
        if len(x_) < 2:
            raise FitFailed("fewer than two customers have bought twice")
        scale = max(float(mean_.mean()), 1e-6)

        def objective(logs: Array) -> float:
            params = np.exp(logs)
            params[2] *= scale
            value = -float(cls.log_likelihood_of(params, x_, mean_).sum())
            return value if np.isfinite(value) else 1e300

        start = np.array([0.0, np.log(2.0), 0.0])
        found = _minimise(objective, start=start)
        if _at_bounds(found.x):  # spend so even across customers that q runs away: see BetaGeo.fit
            found = _minimise(lambda logs: objective(logs) + 0.1 * float((logs**2).sum()), start=start)
        p, q, gamma = np.exp(found.x)
        gamma *= scale
        if q <= 1:
            raise FitFailed("the spread of spend across customers has no finite mean (q <= 1)")
        return cls(float(p), float(q), float(gamma), log_likelihood=-float(found.fun))

    def expected_spend(self, x: ArrayLike, mean: ArrayLike) -> Array:
        """The expected spend of a customer's next purchase, given their ``x`` purchases at average ``mean``.

        With no purchase to go by (``x`` = 0) it is the population's mean, p·γ / (q − 1).
        """
        x_, mean_ = _arrays(x, mean)
        p, q, gamma = self.p, self.q, self.gamma
        return (gamma + x_ * mean_) * p / (p * x_ + q - 1)


def _at_bounds(logs: Array) -> bool:
    return bool((np.abs(logs) >= _BOUND - 0.5).any())


_BOUND = 12.0  # on the logarithm of each parameter


def _minimise(objective: Callable[[Array], float], *, start: Array) -> OptimizeResult:
    found = minimize(objective, start, method="L-BFGS-B", bounds=[(-_BOUND, _BOUND)] * len(start))
    if not found.success and not np.isfinite(found.fun):
        raise FitFailed(str(found.message))
    if found.fun >= 1e300:
        raise FitFailed("the likelihood is not finite anywhere near the start")
    return found
