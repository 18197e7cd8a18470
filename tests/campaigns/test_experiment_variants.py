"""What a variant changes in the e-mail (subject, sender name, creative), and opens counted by people only."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from campaigns.agents import AgentKind
from campaigns.models import AidaStep, ExperimentMetric, Message, Touch, TouchKind, TouchSource, Variant
from campaigns.selectors.experiments import experiment_results
from campaigns.services import campaign_start
from tests.campaigns.experiments_data import ab_test, campaign_with_audience
from tests.campaigns.factories import CreativeFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_test_recipient_gets_their_variants_subject_sender_name_and_creative():
    campaign, _customers = campaign_with_audience(120)
    _experiment, (_a, b) = ab_test(campaign, test_percent=Decimal("100"))
    other = CreativeFactory(
        campaign=campaign, language="en", for_variant=True, subject="Ignored", html_body="<p>The other letter</p>"
    )
    Variant.objects.filter(pk=b.pk).update(from_name="Sara at the Tea House", creative=other)

    campaign_start(campaign=campaign)

    variant_of = {
        m.customer.email: m.variant.name for m in Message.objects.filter(campaign=campaign).select_related("customer")
    }
    assert len(mail.outbox) == 120 and set(variant_of.values()) == {"A", "B"}
    for email in mail.outbox:
        html = email.alternatives[0][0] if email.alternatives else email.body
        if variant_of[email.to[0]] == "B":
            assert email.subject == "Subject B"  # the variant's subject wins over its creative's
            assert email.from_email.startswith("Sara at the Tea House <")
            assert "The other letter" in html
        else:
            assert email.subject == "Subject A"
            assert "Sara" not in email.from_email
            assert "The other letter" not in html


def test_opens_by_mail_proxies_and_bots_do_not_make_a_winner():
    campaign, _customers = campaign_with_audience(600)
    experiment, _variants = ab_test(campaign, test_percent=Decimal("100"), metric=ExperimentMetric.OPENS)
    campaign_start(campaign=campaign)
    touches = []
    seen = {"A": 0, "B": 0}
    for message in Message.objects.filter(campaign=campaign).select_related("variant").order_by("pk"):
        # People open A and B alike (every fifth recipient of each: the same rate, whoever falls in which variant);
        # B's recipients' mailboxes also prefetch it and scanners fetch it.
        seen[message.variant.name] += 1
        if seen[message.variant.name] % 5 == 0:
            touches.append((message, AgentKind.PERSON))
        if message.variant.name == "B":
            touches.append((message, AgentKind.PROXY))
            touches.append((message, AgentKind.BOT))
    Touch.objects.bulk_create(
        [
            Touch(
                customer_id=m.customer_id,
                campaign=campaign,
                step=AidaStep.ATTENTION,
                kind=TouchKind.EMAIL_OPEN,
                source=TouchSource.EMAIL,
                agent=agent,
                is_automated=agent != AgentKind.PERSON,
            )
            for m, agent in touches
        ]
    )

    results = experiment_results(experiment=experiment)

    assert results.winner is None
    assert all(0.14 < row.value < 0.26 for row in results.rows)


def test_a_variants_subject_is_checked_like_a_creatives():
    campaign, _customers = campaign_with_audience(1)
    with pytest.raises(ValidationError) as error:
        Variant(campaign=campaign, name="Broken", subject="Hello {% if customer %}").full_clean()
    assert "subject" in error.value.message_dict
    Variant(campaign=campaign, name="Fine", subject="Hello {{ customer.first_name }}").full_clean()
