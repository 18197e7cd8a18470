"""The one rule from a customer's scores to their value tier and to a win-back stage (preparation's rule).

The same rule has two forms that tests hold equal: a ``CASE`` over :class:`CustomerValue` that the refresh and
the admin's preview run in the database for every customer at once, and :func:`tier_of` for one customer with
the reason that the history and the profile show.
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple, Protocol

from django.core.cache import cache
from django.db.models import Case, Q, QuerySet, Value, When
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from customers.models import CustomerValue, RatedBy, TierPolicy, ValueTier


@dataclass(frozen=True)
class Rules:
    """A policy as the rule reads it, with the predicted value that opens the top ``most_valuable_top_percent``
    (None when no customer is scored)."""

    policy: TierPolicy
    top_cut: Decimal | None
    # The language the reasons are given in: the one active when the rules are read.
    language: str | None = field(default_factory=get_language)

    @property
    def fallback_min_recency(self) -> int:
        """Without the model: the R score a most valuable customer needs (one above the win-back line)."""
        return min(self.policy.rfm_min_recency_score + 1, 5)


def top_cut(policy: TierPolicy, queryset: "QuerySet[CustomerValue] | None" = None) -> Decimal | None:
    """The predicted value at the edge of the top ``most_valuable_top_percent`` of the scored customers."""
    values = (queryset if queryset is not None else CustomerValue.objects.all()).order_by("-predicted_value")
    count = values.count()
    share = policy.most_valuable_top_percent / Decimal(100)
    within = math.ceil(share * count)  # at least one customer of a small company, unless the share is 0
    if count == 0 or within == 0:
        return None
    return values.values_list("predicted_value", flat=True)[within - 1]


# How long a profile page reuses the cut: it walks a share of every buyer's value (a quarter of a second at a
# million buyers), and moves only when the nightly refresh rescores them.
TOP_CUT_CACHE_SECONDS = 600


def recent_top_cut(policy: TierPolicy) -> Decimal | None:
    """:func:`top_cut` as computed within the last ``TOP_CUT_CACHE_SECONDS`` for the same share (for pages)."""
    key = f"tiers:top-cut:{policy.pk}:{policy.most_valuable_top_percent}"
    found = cache.get(key, _MISSING)
    if found is _MISSING:
        found = top_cut(policy)
        cache.set(key, found, TOP_CUT_CACHE_SECONDS)
    return found


_MISSING = object()


def _alive_at_least(threshold: Decimal) -> Q:
    return Q(probability_alive__gte=float(threshold))


def most_valuable_q(rules: Rules) -> Q:
    if rules.top_cut is None:
        return Q(pk__in=[])
    model = Q(rated_by=RatedBy.MODEL)
    alive = (model & _alive_at_least(rules.policy.most_valuable_min_alive)) | (
        ~model & Q(recency_score__gte=rules.fallback_min_recency)
    )
    return Q(predicted_value__gte=rules.top_cut) & alive


def potential_q(rules: Rules) -> Q:
    model = Q(rated_by=RatedBy.MODEL)
    score = rules.policy.potential_min_score
    alive = (model & _alive_at_least(rules.policy.potential_min_alive)) | (
        ~model & Q(recency_score__gte=rules.policy.rfm_min_recency_score)
    )
    return alive & (Q(frequency_score__gte=score) | Q(monetary_score__gte=score))


def churn_q(policy: TierPolicy) -> Q:
    """Buyers the company is probably losing: the win-back targets."""
    model = Q(rated_by=RatedBy.MODEL)
    return (model & Q(probability_alive__lt=float(policy.churn_below_alive))) | (
        ~model & Q(recency_score__lt=policy.rfm_min_recency_score)
    )


def tier_case(rules: Rules) -> Case:
    """The tier of every scored customer, as one SQL expression over :class:`CustomerValue`."""
    return Case(
        When(most_valuable_q(rules), then=Value(ValueTier.MOST_VALUABLE.value)),
        When(potential_q(rules), then=Value(ValueTier.POTENTIAL.value)),
        default=Value(ValueTier.LOW_VALUE.value),
    )


class Scored(Protocol):
    """What the rule reads of a customer's scores: a :class:`CustomerValue`, or its :class:`Scores` row."""

    @property
    def rated_by(self) -> str: ...
    @property
    def probability_alive(self) -> float | None: ...
    @property
    def predicted_value(self) -> Decimal: ...
    @property
    def recency_score(self) -> int: ...
    @property
    def frequency_score(self) -> int: ...
    @property
    def monetary_score(self) -> int: ...


class Scores(NamedTuple):
    """The scores of one customer as the rule reads them, read as a plain row (no model instance)."""

    customer_id: int
    rated_by: str
    probability_alive: float | None
    predicted_value: Decimal
    recency_score: int
    frequency_score: int
    monetary_score: int


def scores_of(values: "QuerySet[CustomerValue]") -> Iterator[Scores]:
    for row in values.order_by().values_list(*Scores._fields):
        yield Scores(*row)


# Why a customer holds a tier: translated once per language (a refresh explains many thousands at a time).
WHY_TOP_MODEL = gettext_noop("predicted value in the top %(percent)s%%, probability still a customer %(alive)s")
WHY_TOP_RFM = gettext_noop("spend in the top %(percent)s%%, R score %(r)d")
WHY_POTENTIAL_MODEL = gettext_noop("probability still a customer %(alive)s, F score %(f)d, M score %(m)d")
WHY_POTENTIAL_RFM = gettext_noop("R score %(r)d, F score %(f)d, M score %(m)d")
WHY_FELL = gettext_noop("probability still a customer fell to %(alive)s")
WHY_LONG = gettext_noop("no purchase for long: R score %(r)d")
WHY_LOW = gettext_noop("F score %(f)d and M score %(m)d, below %(min)d")


@lru_cache(maxsize=64)
def _said(language: str | None, message: str) -> str:
    return _(message)


@lru_cache(maxsize=4096)
def _formatted(language: str | None, number: float | Decimal, places: int) -> str:
    return number_format(number, places)


def _alive(value: Scored, language: str | None) -> str:
    # Shown with two decimals: at most 101 texts per language, formatted once each.
    return _formatted(language, round(value.probability_alive or 0, 2), 2)


def tier_of(value: Scored, rules: Rules) -> tuple[ValueTier, str]:
    """One customer's tier and why, in the current language."""
    policy = rules.policy
    model = value.rated_by == RatedBy.MODEL
    alive = value.probability_alive or 0.0
    in_top = rules.top_cut is not None and value.predicted_value >= rules.top_cut
    language = rules.language
    top = {"percent": _formatted(language, policy.most_valuable_top_percent, 0)}
    if in_top and (
        (model and alive >= float(policy.most_valuable_min_alive))
        or (not model and value.recency_score >= rules.fallback_min_recency)
    ):
        if model:
            why = _said(language, WHY_TOP_MODEL) % {
                **top,
                "alive": _alive(value, language),
            }
        else:
            why = _said(language, WHY_TOP_RFM) % {**top, "r": value.recency_score}
        return ValueTier.MOST_VALUABLE, why
    score = policy.potential_min_score
    strong = value.frequency_score >= score or value.monetary_score >= score
    if model:
        staying = alive >= float(policy.potential_min_alive)
    else:
        staying = value.recency_score >= policy.rfm_min_recency_score
    scores = {"f": value.frequency_score, "m": value.monetary_score}
    if staying and strong:
        if model:
            why = _said(language, WHY_POTENTIAL_MODEL) % {
                "alive": _alive(value, language),
                **scores,
            }
        else:
            why = _said(language, WHY_POTENTIAL_RFM) % {"r": value.recency_score, **scores}
        return ValueTier.POTENTIAL, why
    if not staying:
        if model:
            why = _said(language, WHY_FELL) % {"alive": _alive(value, language)}
        else:
            why = _said(language, WHY_LONG) % {"r": value.recency_score}
    else:
        why = _said(language, WHY_LOW) % {**scores, "min": score}
    return ValueTier.LOW_VALUE, why


def churning(value: Scored, policy: TierPolicy) -> bool:
    """The Python form of :func:`churn_q`."""
    if value.rated_by == RatedBy.MODEL:
        return (value.probability_alive or 0.0) < float(policy.churn_below_alive)
    return value.recency_score < policy.rfm_min_recency_score
