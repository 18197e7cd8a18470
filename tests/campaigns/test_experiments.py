"""A/B/n tests and holdouts, end to end: the test share is sent its variants, the winner is decided once on the
metric, the rest is sent the winner (or the control when nobody won), and the holdout shows the real lift."""

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from campaigns.models import CampaignStatus, Experiment, ExperimentMetric, ExperimentStatus, HoldoutMember, Message
from campaigns.selectors.experiments import experiment_results, holdout_lift
from campaigns.services import campaign_start
from campaigns.services.experiments import experiment_decide, experiment_list_rest, experiments_decide_due
from campaigns.tasks import decide_experiments
from orders.models import Order, OrderStatus
from tests.campaigns.experiments_data import ab_test, campaign_with_audience, clicks

pytestmark = pytest.mark.django_db(transaction=True)


def later(experiment):
    """Now, with the test's time up (as if its hours had passed)."""
    Experiment.objects.filter(pk=experiment.pk).update(decide_at=timezone.now() - dt.timedelta(seconds=1))
    return timezone.now()


def subjects_by_recipient():
    return {m.to[0]: m.subject for m in mail.outbox}


def test_the_variant_that_truly_won_is_sent_to_the_rest():
    campaign, customers = campaign_with_audience(1200)
    experiment, (_a, b) = ab_test(campaign, test_percent=Decimal("50"), metric=ExperimentMetric.CLICKS)

    campaign_start(campaign=campaign)

    # The test share went out, split evenly, each message recording its variant; the rest waits.
    in_test = Counter(Message.objects.filter(campaign=campaign).values_list("variant__name", flat=True))
    assert set(in_test) == {"A", "B"} and 240 < in_test["A"] < 360 and 240 < in_test["B"] < 360
    assert len(mail.outbox) == sum(in_test.values())
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENDING  # not "sent" while the rest waits for the decision

    clicks(campaign, rates={"A": 0.10, "B": 0.22})
    assert experiments_decide_due(now=timezone.now()) == []  # its time has not come

    experiments_decide_due(now=later(experiment))

    experiment.refresh_from_db()
    assert experiment.status == ExperimentStatus.DECIDED and experiment.winner == b and experiment.chosen == b
    rest = Message.objects.filter(campaign=campaign, in_test=False)
    assert rest.count() == 1200 - sum(in_test.values())
    assert set(rest.values_list("variant__name", flat=True)) == {"B"}
    received = Counter(m.to[0] for m in mail.outbox)
    assert received == {c.email: 1 for c in customers}
    rest_ids = set(rest.values_list("customer_id", flat=True))
    assert {subjects_by_recipient()[c.email] for c in customers if c.pk in rest_ids} == {"Subject B"}
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_an_a_a_test_reports_no_winner_and_the_rest_gets_the_control():
    campaign, customers = campaign_with_audience(800)
    experiment, (a, _a2) = ab_test(campaign, names=("A", "A again"), test_percent=Decimal("50"))
    campaign_start(campaign=campaign)
    clicks(campaign, rates={"A": 0.15, "A again": 0.15}, seed=3)

    results = experiment_results(experiment=experiment)
    assert results.winner is None
    assert all(row.vs_best is None or row.vs_best.p_value > 0.05 for row in results.rows)

    experiments_decide_due(now=later(experiment))
    experiment.refresh_from_db()
    assert experiment.winner is None and experiment.chosen == a
    assert set(Message.objects.filter(campaign=campaign, in_test=False).values_list("variant", flat=True)) == {a.pk}
    assert Counter(m.to[0] for m in mail.outbox) == {c.email: 1 for c in customers}


def test_no_winner_sends_the_marketers_choice():
    campaign, _customers = campaign_with_audience(200)
    experiment, (_a, b) = ab_test(campaign, test_percent=Decimal("50"))
    Experiment.objects.filter(pk=experiment.pk).update(fallback=b)
    campaign_start(campaign=campaign)

    experiments_decide_due(now=later(experiment))

    experiment.refresh_from_db()
    assert experiment.winner is None and experiment.chosen == b
    campaign.delete()  # the campaign goes with its messages, variants and experiment
    assert not Experiment.objects.filter(pk=experiment.pk).exists()


def _buy(campaign, messages, *, share, amount, rng):
    orders = [
        Order(
            number=f"X-{campaign.pk}-{message.customer_id}",
            customer_id=message.customer_id,
            campaign=campaign,
            status=OrderStatus.CONFIRMED,
            total=Decimal(amount) + Decimal(rng.randint(0, 20)),
            placed_at=timezone.now(),
        )
        for message in messages
        if rng.random() < share
    ]
    Order.objects.bulk_create(orders)


def test_revenue_per_recipient_decides_by_welch():
    campaign, _customers = campaign_with_audience(1000)
    experiment, (_a, b) = ab_test(campaign, test_percent=Decimal("60"), metric=ExperimentMetric.REVENUE)
    campaign_start(campaign=campaign)
    rng = random.Random(5)
    sent = Message.objects.filter(campaign=campaign, in_test=True).order_by("pk")
    _buy(campaign, sent.filter(variant__name="A"), share=0.10, amount="40", rng=rng)
    _buy(campaign, sent.filter(variant__name="B"), share=0.25, amount="40", rng=rng)
    # An order not attributed to this campaign, or cancelled, is not a sale of it.
    Order.objects.bulk_create(
        [
            Order(
                number=f"Y-{m.customer_id}",
                customer_id=m.customer_id,
                status=OrderStatus.CONFIRMED,
                total=Decimal("999"),
            )
            for m in sent.filter(variant__name="A")[:40]
        ]
        + [
            Order(
                number=f"Z-{m.customer_id}",
                customer_id=m.customer_id,
                campaign=campaign,
                status=OrderStatus.CANCELLED,
                total=Decimal("999"),
            )
            for m in sent.filter(variant__name="A")[:40]
        ]
    )

    results = experiment_results(experiment=experiment)

    a_row, b_row = results.rows
    assert 4 < a_row.value < 7 and 10 < b_row.value < 15  # about 10% and 25% of ~50
    assert results.winner == b
    assert a_row.vs_best.p_value < 0.05 and a_row.vs_best.difference < 0


def test_the_holdout_is_sent_nothing_and_shows_the_lift():
    campaign, customers = campaign_with_audience(1000)
    Experiment.objects.create(campaign=campaign, test_percent=0, holdout_percent=Decimal("30"), seed=99)

    campaign_start(campaign=campaign)

    held = set(HoldoutMember.objects.filter(campaign=campaign).values_list("customer_id", flat=True))
    assert 240 < len(held) < 360
    received = {m.to[0] for m in mail.outbox}
    assert received == {c.email for c in customers if c.pk not in held}
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT

    campaign.started_at = timezone.now() - dt.timedelta(days=3)  # three days on
    campaign.save(update_fields=["started_at"])
    rng = random.Random(8)
    orders = [
        Order(
            number=f"H-{c.pk}",
            customer=c,
            status=OrderStatus.CONFIRMED,
            total=Decimal("30"),
            placed_at=campaign.started_at + dt.timedelta(days=1),
        )
        for c in customers
        if rng.random() < (0.05 if c.pk in held else 0.15)
    ]
    Order.objects.bulk_create(orders)
    # Outside the window: not counted.
    Order.objects.create(
        number="H-old",
        customer=customers[0],
        status=OrderStatus.CONFIRMED,
        total=Decimal("5000"),
        placed_at=campaign.started_at - dt.timedelta(days=2),
    )

    lift = holdout_lift(campaign=campaign)

    assert lift.held_buyers.n == len(held) and lift.treated_buyers.n == 1000 - len(held)
    assert 0.03 < lift.held_buyers.mean < 0.08 and 0.12 < lift.treated_buyers.mean < 0.19
    assert lift.orders.difference > 0 and lift.orders.p_value < 0.05 and lift.orders.low > 0
    assert lift.revenue.difference == pytest.approx(30 * lift.orders.difference, rel=1e-6)
    assert lift.revenue.p_value < 0.05


def test_deciding_twice_or_after_a_killed_worker_sends_nobody_twice():
    campaign, customers = campaign_with_audience(400)
    experiment, (_a, b) = ab_test(campaign, test_percent=Decimal("40"))
    campaign_start(campaign=campaign)
    clicks(campaign, rates={"A": 0.0, "B": 0.5})
    when = later(experiment)

    # The decision is taken, then the worker dies before the rest is listed.
    assert experiment_decide(experiment_id=experiment.pk, now=when) is True
    assert experiment_decide(experiment_id=experiment.pk, now=when) is False
    # Another test result would not change what was decided.
    clicks(campaign, rates={"A": 1.0, "B": 0.0}, seed=2)
    decide_experiments.delay()
    experiments_decide_due(now=when)
    experiment_list_rest(experiment_id=experiment.pk, now=when)
    Experiment.objects.filter(pk=experiment.pk).update(all_listed_at=None)  # as if the last step had not run
    experiments_decide_due(now=when)

    experiment.refresh_from_db()
    assert experiment.chosen == b
    assert Counter(m.to[0] for m in mail.outbox) == {c.email: 1 for c in customers}
    assert Message.objects.filter(campaign=campaign).count() == 400
