"""What each buyer is worth, against the company's own customers: RFM scores and the buy-till-you-die models.

``customers_fit_value_model`` fits BG/NBD and Gamma-Gamma (``customers.valuation.btyd``) on a sample of at most
``CUSTOMER_VALUE_FIT_SAMPLE`` buyers, drawn evenly from all of them in one pass (memory does not grow with the
number of customers). ``customers_refresh_values`` scores every buyer in id-ordered batches: R, F and M from
the fifths the database cuts (percentiles), and with a successful fit the probability of still being a customer,
the expected purchases and the predicted value over the policy's horizon; without one (too little history) the
spend so far stands for the value and only the RFM rules rate (``RatedBy.RFM``). Each batch's rows are
replaced in one transaction: a DELETE by id range and one multi-row INSERT (COPY on PostgreSQL).

``customers_refresh_profiles`` is what the nightly job and an order history import run: values (refitting the
model when the latest fit is older than ``CUSTOMER_VALUE_REFIT_DAYS``, or when asked), then value tiers and
lifecycle stages from them (``customers.services.profiles``).
"""

import bisect
import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.models import CustomerValue, RatedBy, TierPolicy, ValueModelFit
from customers.registry import Purchases, QuintileCuts, profile_sources
from customers.services.profiles import (
    RefreshResult,
    batches,
    customers_refresh_tiers_and_stages,
    values_in,
)
from customers.valuation.btyd import BetaGeo, FitFailed, GammaGamma
from emarketing.bulk_insert import RowInserter

WEEK = 7 * 24 * 3600.0
SAME_MOMENT = 1 / (7 * 24)  # an hour, in weeks: two sales at one moment are still two purchases
CENT = Decimal("0.01")
# The columns of a score row, in the order the refresh builds them.
VALUE_FIELDS = (
    "customer_id", "computed_at", "rated_by", "first_order_at", "last_order_at", "purchases", "spend",
    "recency_score", "frequency_score", "monetary_score", "probability_alive", "expected_purchases",
    "predicted_value",
)  # fmt: skip


def _weeks(later: dt.datetime, earlier: dt.datetime) -> float:
    return max((later - earlier).total_seconds() / WEEK, 0.0)


def _history(rows: list[Purchases], now: dt.datetime) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The models' summary of each buyer: repeat purchases x, t_x and T in weeks, average spend per purchase."""
    x = np.array([r.orders - 1 for r in rows], dtype=np.float64)
    t_x = np.array([_weeks(r.last_at, r.first_at) for r in rows], dtype=np.float64)
    age = np.array([_weeks(now, r.first_at) for r in rows], dtype=np.float64)
    mean = np.array([float(r.spend) / r.orders for r in rows], dtype=np.float64)
    t_x = np.where((x > 0) & (t_x <= 0), SAME_MOMENT, t_x)
    age = np.maximum(age, t_x)
    return x, t_x, age, mean


def customers_fit_value_model(*, now: dt.datetime | None = None, batch_size: int | None = None) -> ValueModelFit:
    """Fit the models on an even sample of the buyers and keep the fit (also when it fails, with why)."""
    now = now or timezone.now()
    purchases, _quintiles = profile_sources.get_purchases()
    size = int(settings.CUSTOMER_VALUE_FIT_SAMPLE)
    sample: list[Purchases] = []
    seen = 0
    chooser = random.Random(20251204)  # the same history gives the same fit
    for scope in batches(None, batch_size or settings.CUSTOMER_REFRESH_BATCH_SIZE):
        for row in purchases(scope):
            seen += 1
            if len(sample) < size:
                sample.append(row)
            else:  # reservoir sampling: every buyer ends up in the sample with the same chance
                slot = chooser.randrange(seen)
                if slot < size:
                    sample[slot] = row
    x, t_x, age, mean = _history(sample, now)
    repeat = int((x > 0).sum())
    fit = ValueModelFit(fitted_at=now, customers=len(sample), repeat_customers=repeat)
    minimum = int(settings.CUSTOMER_VALUE_MIN_REPEAT_BUYERS)
    if repeat < minimum:
        fit.message = f"{repeat} buyers with a repeat purchase; the model needs {minimum}"
    else:
        try:
            purchase_model = BetaGeo.fit(x, t_x, age)
            spend_model = GammaGamma.fit(x, mean)
        except FitFailed as error:
            fit.message = str(error)[:200]
        else:
            fit.succeeded = True
            fit.r, fit.alpha, fit.a, fit.b = purchase_model.r, purchase_model.alpha, purchase_model.a, purchase_model.b
            fit.p, fit.q, fit.gamma = spend_model.p, spend_model.q, spend_model.gamma
            fit.log_likelihood = purchase_model.log_likelihood
    fit.save()
    return fit


def latest_fit() -> ValueModelFit | None:
    return ValueModelFit.objects.filter(succeeded=True).order_by("-fitted_at", "-id").first()


def rfm_score(value: Any, cuts: tuple[Any, ...]) -> int:
    """The fifth (1–5) of the buyers that ``value`` falls in, given the 20th…80th percentiles.

    A value that several fifths share (most buyers have bought once) takes the middle of those fifths, so equal
    values score alike and a tie neither flatters nor punishes: one purchase where three fifths bought once is 2;
    every buyer alike is 3.
    """
    if not cuts:
        return 3
    lowest = 1 + bisect.bisect_left(cuts, value)  # the cuts below the value (they are in ascending order)
    highest = 1 + bisect.bisect_right(cuts, value)
    return (lowest + highest) // 2


@dataclass
class ValueRefreshResult:
    scored: int = 0
    removed: int = 0
    rated_by: str = RatedBy.RFM.value
    fit: ValueModelFit | None = None


def customers_refresh_values(
    *,
    customer_ids: Iterable[int] | None = None,
    refit: bool | None = None,
    now: dt.datetime | None = None,
    batch_size: int | None = None,
) -> ValueRefreshResult:
    """Score every buyer (or ``customer_ids``); refit first when asked, or when no fit is recent enough."""
    now = now or timezone.now()
    fit = latest_fit()
    stale = fit is None or fit.fitted_at < now - dt.timedelta(days=int(settings.CUSTOMER_VALUE_REFIT_DAYS))
    if refit or (refit is None and stale):
        tried = customers_fit_value_model(now=now, batch_size=batch_size)
        fit = tried if tried.succeeded else latest_fit()
    purchases, quintiles = profile_sources.get_purchases()
    cuts: QuintileCuts = quintiles()
    policy = TierPolicy.current()
    horizon = policy.horizon_days / 7.0
    models = None
    if fit is not None:
        models = (BetaGeo(fit.r, fit.alpha, fit.a, fit.b), GammaGamma(fit.p, fit.q, fit.gamma))  # type: ignore[arg-type]
    result = ValueRefreshResult(rated_by=(RatedBy.MODEL if models else RatedBy.RFM).value, fit=fit)
    inserter = RowInserter(CustomerValue, VALUE_FIELDS)
    model_rated, rfm_rated = RatedBy.MODEL.value, RatedBy.RFM.value
    for scope in batches(customer_ids, batch_size or settings.CUSTOMER_REFRESH_BATCH_SIZE):
        rows = list(purchases(scope))
        scored: list[tuple[Any, ...]] = []
        if rows:
            alive = expected = value = np.full(len(rows), np.nan)
            if models is not None:
                x, t_x, age, mean = _history(rows, now)
                alive = models[0].probability_alive(x, t_x, age)
                expected = models[0].expected_purchases(horizon, x, t_x, age)
                value = expected * models[1].expected_spend(x, mean)
            # A customer the model cannot score (a prediction that is not a number) is rated by RFM alone.
            modelled = (np.isfinite(value) & np.isfinite(alive)).tolist()
            alive_list = np.clip(alive, 0.0, 1.0).tolist()
            expected_list, value_list = expected.tolist(), np.round(value, 2).tolist()
            for i, row in enumerate(rows):
                spend = row.spend.quantize(CENT)
                rated = modelled[i]
                scored.append(
                    (
                        row.customer_id,
                        now,
                        model_rated if rated else rfm_rated,
                        row.first_at,
                        row.last_at,
                        row.orders,
                        spend,
                        rfm_score(row.last_at, cuts.recency),
                        rfm_score(row.orders, cuts.frequency),
                        rfm_score(row.spend, cuts.monetary),
                        alive_list[i] if rated else None,
                        expected_list[i] if rated else None,
                        Decimal(repr(value_list[i])).quantize(CENT) if rated else spend,
                    )
                )
        with transaction.atomic():
            # The batch's scores replace the ones before: one DELETE by id range and one multi-row INSERT (COPY
            # on PostgreSQL). A customer whose every sale was cancelled or returned since is no longer scored.
            before = set(values_in(scope).values_list("customer_id", flat=True))
            values_in(scope).delete()
            inserter.insert(scored)
        result.removed += len(before - {row[0] for row in scored})
        result.scored += len(scored)
    return result


@dataclass
class ProfilesRefreshResult:
    values: ValueRefreshResult
    tiers: RefreshResult
    stages: RefreshResult


def customers_refresh_profiles(
    *,
    customer_ids: Iterable[int] | None = None,
    refit: bool | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
    batch_size: int | None = None,
) -> ProfilesRefreshResult:
    """Scores, then value tiers, then lifecycle stages: the nightly refresh, an import's, or an on-demand one."""
    now = now or timezone.now()
    ids = sorted(set(customer_ids)) if customer_ids is not None else None
    values = customers_refresh_values(customer_ids=ids, refit=refit, now=now, batch_size=batch_size)
    tiers, stages = customers_refresh_tiers_and_stages(customer_ids=ids, reason=reason, now=now, batch_size=batch_size)
    return ProfilesRefreshResult(values=values, tiers=tiers, stages=stages)
