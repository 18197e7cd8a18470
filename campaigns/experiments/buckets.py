"""The random, repeatable split of an audience into shares: holdout, test variants, the rest.

A customer's place is a number in [0, 10 000) computed from their id and the experiment's seed by a small mixing
function that gives the same answer in Python (:func:`point`) and in SQL (:func:`point_expression`, the same
integer arithmetic on PostgreSQL and SQLite, never above 2^63), so a million customers are split in one
statement and one customer can be placed without the database. The shares are cut in that range in order: the
first share takes the first points, and so on; what the shares leave is the last bucket.

Journeys (or any other sender) reuse it: ``assign_bucket(seed=…, customer_id=…, shares=[…])`` in Python, or
``bucket_expression(seed=…, shares=[…])`` as an annotation on a queryset of customers (or of rows whose
``customer_id`` is named by ``column``).
"""

from collections.abc import Sequence
from decimal import Decimal

from django.db.models import BigIntegerField, Case, F, IntegerField, Value, When
from django.db.models.expressions import Combinable, CombinedExpression, Expression
from django.db.models.functions import Cast
from django.db.models.lookups import LessThan

PRIME = 2_147_483_647  # 2^31 - 1: every intermediate value stays below 2^62 + 2^31
SCALE = 10_000  # basis points
MULTIPLIER = 48_271


def _seed_parts(seed: int) -> tuple[int, int]:
    seed = abs(int(seed))
    return seed % PRIME, (seed // PRIME + 7_919 * (seed % 65_521)) % PRIME


def point(*, seed: int, customer_id: int) -> int:
    """The customer's place in [0, 10 000) for ``seed``."""
    s1, s2 = _seed_parts(seed)
    h = ((customer_id % PRIME) * MULTIPLIER + s1) % PRIME
    h = (h * h + s2) % PRIME
    h = (h * h + s1) % PRIME
    return h % SCALE


def _mod(expression: Expression | CombinedExpression, divisor: int) -> CombinedExpression:
    # The ``%`` operator, integer on both databases (SQLite's MOD() function goes through floating point).
    return CombinedExpression(
        expression, Combinable.MOD, Value(divisor, output_field=BigIntegerField()), output_field=BigIntegerField()
    )


def point_expression(*, seed: int, column: str = "pk") -> CombinedExpression:
    """:func:`point` as SQL over the integer ``column``."""
    s1, s2 = _seed_parts(seed)

    def big(value: int) -> Value:
        return Value(value, output_field=BigIntegerField())

    x = _mod(Cast(F(column), BigIntegerField()), PRIME)
    h = _mod(x * big(MULTIPLIER) + big(s1), PRIME)
    h = _mod(h * h + big(s2), PRIME)
    h = _mod(h * h + big(s1), PRIME)
    return _mod(h, SCALE)


def cuts(shares: Sequence[Decimal | float | int]) -> list[int]:
    """The upper bound (exclusive, in basis points) of each share given in percent; they must add up to 100 at
    most."""
    bounds, running = [], Decimal(0)
    for share in shares:
        share = Decimal(str(share))
        if share < 0:
            raise ValueError("a share cannot be negative")
        running += share
        bounds.append(int((running * SCALE / 100).to_integral_value()))
    if running > 100:
        raise ValueError("the shares add up to more than 100 percent")
    return bounds


def assign_bucket(*, seed: int, customer_id: int, shares: Sequence[Decimal | float | int]) -> int:
    """The index of the share (in percent, in order) the customer falls in; ``len(shares)`` for the rest."""
    place = point(seed=seed, customer_id=customer_id)
    for index, bound in enumerate(cuts(shares)):
        if place < bound:
            return index
    return len(shares)


def bucket_expression(*, seed: int, shares: Sequence[Decimal | float | int], column: str = "pk") -> Case:
    """:func:`assign_bucket` as SQL: annotate a queryset with it (``.alias(bucket=…).filter(bucket=1)``)."""
    place = point_expression(seed=seed, column=column)
    whens = [
        When(LessThan(place, Value(bound, output_field=BigIntegerField())), then=Value(index))
        for index, bound in enumerate(cuts(shares))
    ]
    return Case(*whens, default=Value(len(shares)), output_field=IntegerField())
