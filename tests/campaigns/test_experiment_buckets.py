"""The audience split: the same answer in Python and in SQL, shares kept, and a different split per seed."""

import pytest

from campaigns.experiments.buckets import assign_bucket, bucket_expression, cuts, point
from customers.models import Customer
from tests.customers.factories import CustomerFactory


def test_shares_are_cut_in_order_and_may_not_pass_100():
    assert cuts([10, 20 / 3, 20 / 3, 20 / 3]) == [1000, 1667, 2333, 3000]
    with pytest.raises(ValueError, match="more than 100"):
        cuts([60, 50])


def test_shares_are_kept_over_many_customers():
    counts = [0, 0, 0, 0]
    for customer_id in range(1, 100_001):
        counts[assign_bucket(seed=12345, customer_id=customer_id, shares=[10, 10, 10])] += 1
    # 10% ± 0.3% of 100,000 each (about 3.2 standard deviations), the rest 70%.
    assert all(abs(n - 10_000) < 300 for n in counts[:3])
    assert abs(counts[3] - 70_000) < 450


def test_another_seed_gives_another_split():
    first = [assign_bucket(seed=1, customer_id=i, shares=[50]) for i in range(1, 2001)]
    second = [assign_bucket(seed=2, customer_id=i, shares=[50]) for i in range(1, 2001)]
    agree = sum(a == b for a, b in zip(first, second, strict=True))
    assert 900 < agree < 1100  # independent halves agree about half the time


def test_neighbouring_ids_are_not_split_in_a_pattern():
    # Odd and even ids land in the first half equally often.
    odd = sum(assign_bucket(seed=7, customer_id=i, shares=[50]) == 0 for i in range(1, 20001, 2))
    even = sum(assign_bucket(seed=7, customer_id=i, shares=[50]) == 0 for i in range(2, 20002, 2))
    assert abs(odd - 5000) < 250 and abs(even - 5000) < 250


def test_big_ids_and_seeds_stay_in_range():
    assert 0 <= point(seed=2**62, customer_id=2**62 - 1) < 10_000


@pytest.mark.django_db
def test_sql_and_python_agree():
    customers = CustomerFactory.create_batch(60)
    seed, shares = 987654321, [20, 25, 25]
    in_sql = dict(
        Customer.objects.annotate(bucket=bucket_expression(seed=seed, shares=shares)).values_list("pk", "bucket")
    )
    assert in_sql == {c.pk: assign_bucket(seed=seed, customer_id=c.pk, shares=shares) for c in customers}
