"""Listing a campaign's audience under its experiment, deciding the test, and sending the rest the winner.

The audience is split by :func:`campaigns.experiments.buckets.bucket_expression` (holdout first, then one equal
part of the test share per variant, then the rest). The first listing writes the holdout and the test messages;
when the test's time is up the beat job (:func:`experiments_decide_due`) decides it once, under a row lock, and
stores the variant the rest receives; then the rest is listed with that variant. Deciding again changes nothing,
and a worker killed between the decision and the listing leaves it for the next tick, which lists the stored
choice: the unique (campaign, customer) message means nobody is ever sent two variants.
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from campaigns.experiments.buckets import bucket_expression
from campaigns.models import (
    Campaign,
    CampaignStatus,
    Creative,
    Experiment,
    ExperimentStatus,
    HoldoutMember,
    Message,
    Variant,
)
from campaigns.selectors import campaign_audience, email_creatives_by_language
from campaigns.services.send_times import messages_schedule

HOLD = "hold"
SEND = "send"
SKIP = "skip"
# What happens to the customers of one bucket: held out, sent (a variant or None, in the test or not), or skipped.
Plan = Callable[[int], tuple[str, Variant | None, bool]]


def experiment_shares(*, experiment: Experiment, variants: list[Variant]) -> list[Decimal]:
    """The shares of the split in percent: the holdout, then each variant's equal part of the test share."""
    k = len(variants) if experiment.test_percent > 0 else 0
    return [experiment.holdout_percent] + ([experiment.test_percent / k] * k if k else [])


def bucketed_audience(*, campaign: Campaign, experiment: Experiment, variants: list[Variant]) -> QuerySet[Any]:
    """The campaign's audience, each customer with the index of their bucket (``bucket``)."""
    shares = experiment_shares(experiment=experiment, variants=variants)
    return campaign_audience(campaign=campaign).annotate(bucket=bucket_expression(seed=experiment.seed, shares=shares))


def _variant_creatives(variants: list[Variant]) -> dict[int, tuple[str, Creative]]:
    return {v.pk: (v.creative.language, v.creative) for v in variants if v.creative is not None}


def audience_list(
    *, campaign: Campaign, audience: QuerySet[Any], creatives: dict[str, Creative], plan: Plan, variants: list[Variant]
) -> int:
    """List ``audience`` (annotated with ``bucket``) in keyset pages: each customer held out, sent a message
    (with its variant and creative) or skipped as ``plan`` says. Safe to run again: nothing is listed twice."""
    size = settings.CAMPAIGNS_SEND_BATCH_SIZE
    own = _variant_creatives(variants)
    last, listed = 0, 0
    while True:
        rows = list(audience.filter(pk__gt=last).values_list("pk", "preferred_language", "bucket")[: size * 4])
        if not rows:
            break
        held, messages = [], []
        for pk, language, bucket in rows:
            what, variant, in_test = plan(bucket)
            if what == HOLD:
                held.append(HoldoutMember(campaign=campaign, customer_id=pk))
            elif what == SEND:
                creative = creatives[language]
                if variant is not None and variant.pk in own and own[variant.pk][0] == language:
                    creative = own[variant.pk][1]
                messages.append(
                    Message(campaign=campaign, customer_id=pk, creative=creative, variant=variant, in_test=in_test)
                )
        HoldoutMember.objects.bulk_create(held, ignore_conflicts=True, batch_size=size)
        Message.objects.bulk_create(messages, ignore_conflicts=True, batch_size=size)
        listed += len(messages)
        last = rows[-1][0]
    return listed


def campaign_variants(*, campaign: Campaign) -> list[Variant]:
    return list(Variant.objects.filter(campaign=campaign).select_related("creative").order_by("pk"))


def experiment_list_first(
    *, campaign: Campaign, experiment: Experiment, creatives: dict[str, Creative], now: dt.datetime | None = None
) -> int:
    """The first listing of a campaign with an experiment: the holdout and the test's messages (everyone but the
    holdout when there is nothing to test). The test is decided ``decide_after_hours`` after its last message's
    send moment."""
    variants = campaign_variants(campaign=campaign)
    testing = bool(variants) and experiment.test_percent > 0
    k = len(variants) if testing else 0

    def plan(bucket: int) -> tuple[str, Variant | None, bool]:
        if bucket == 0 and experiment.holdout_percent > 0:
            return HOLD, None, False
        if 1 <= bucket <= k:
            return SEND, variants[bucket - 1], True
        return (SKIP, None, False) if testing else (SEND, None, False)

    audience = bucketed_audience(campaign=campaign, experiment=experiment, variants=variants if testing else [])
    listed = audience_list(campaign=campaign, audience=audience, creatives=creatives, plan=plan, variants=variants)
    now = now or timezone.now()
    messages_schedule(campaign=campaign, now=now)
    if testing:
        latest = (
            Message.objects.filter(campaign=campaign, in_test=True)
            .order_by("-next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        start = max(latest or now, now)
        Experiment.objects.filter(pk=experiment.pk, status=ExperimentStatus.WAITING).update(
            status=ExperimentStatus.TESTING, decide_at=start + dt.timedelta(hours=experiment.decide_after_hours)
        )
    else:
        Experiment.objects.filter(pk=experiment.pk, status=ExperimentStatus.WAITING).update(
            status=ExperimentStatus.DECIDED, decided_at=now, all_listed_at=now
        )
    return listed


def experiment_holds_finish(*, campaign_id: int) -> bool:
    """True while part of the campaign's audience is still to be listed (the test is not decided yet)."""
    return Experiment.objects.filter(
        campaign_id=campaign_id,
        all_listed_at__isnull=True,
        status__in=[ExperimentStatus.TESTING, ExperimentStatus.DECIDED],
    ).exists()


@transaction.atomic
def experiment_decide(*, experiment_id: int, now: dt.datetime | None = None) -> bool:
    """Decide a test whose time is up: the winner on its metric, or none; store what the rest is sent (the winner,
    else the marketer's fallback, else the control). Deciding a test already decided changes nothing."""
    from campaigns.selectors.experiments import experiment_results

    now = now or timezone.now()
    experiment = Experiment.objects.select_for_update().filter(pk=experiment_id).first()
    if experiment is None or experiment.status != ExperimentStatus.TESTING:
        return False
    if experiment.decide_at and experiment.decide_at > now:
        return False
    results = experiment_results(experiment=experiment)
    winner = results.winner
    variants = [row.variant for row in results.rows]
    control = next((v for v in variants if v.is_control), variants[0] if variants else None)
    chosen = winner or experiment.fallback or control
    Experiment.objects.filter(pk=experiment.pk).update(
        status=ExperimentStatus.DECIDED, decided_at=now, winner=winner, chosen=chosen
    )
    return True


def experiment_list_rest(*, experiment_id: int, now: dt.datetime | None = None) -> int:
    """List the rest of a decided test's audience with the chosen variant, and start sending it. Once only."""
    from campaigns.services.campaigns import enqueue_send

    experiment = Experiment.objects.select_related("campaign", "chosen").filter(pk=experiment_id).first()
    if experiment is None or experiment.status != ExperimentStatus.DECIDED or experiment.all_listed_at is not None:
        return 0
    campaign = experiment.campaign
    if campaign.status in (CampaignStatus.CANCELLED, CampaignStatus.SENT):
        return 0
    variants = campaign_variants(campaign=campaign)
    chosen = experiment.chosen

    def plan(bucket: int) -> tuple[str, Variant | None, bool]:
        if bucket == 0 and experiment.holdout_percent > 0:
            return HOLD, None, False
        return SEND, chosen, False

    creatives = email_creatives_by_language(campaign=campaign)
    listed_already = Message.objects.filter(campaign=campaign, customer_id=OuterRef("pk"))
    audience = bucketed_audience(campaign=campaign, experiment=experiment, variants=variants).filter(
        ~Exists(listed_already.order_by())
    )
    listed = audience_list(campaign=campaign, audience=audience, creatives=creatives, plan=plan, variants=variants)
    messages_schedule(campaign=campaign, now=now)
    moved = Experiment.objects.filter(pk=experiment.pk, all_listed_at__isnull=True).update(
        all_listed_at=now or timezone.now()
    )
    if moved and campaign.status == CampaignStatus.SENDING:
        enqueue_send(campaign.pk)
    return listed


def experiments_decide_due(*, now: dt.datetime | None = None) -> list[int]:
    """Decide the tests whose time is up and list their rest; also finish a listing a killed worker left."""
    now = now or timezone.now()
    due = Experiment.objects.filter(
        Q(status=ExperimentStatus.TESTING, decide_at__lte=now)
        | Q(status=ExperimentStatus.DECIDED, all_listed_at__isnull=True)
    ).filter(campaign__status__in=[CampaignStatus.SENDING, CampaignStatus.PAUSED])
    done = []
    for experiment_id in due.order_by("pk").values_list("pk", flat=True):
        experiment_decide(experiment_id=experiment_id, now=now)
        experiment_list_rest(experiment_id=experiment_id, now=now)
        done.append(experiment_id)
    return done
