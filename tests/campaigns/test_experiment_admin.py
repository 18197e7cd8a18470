"""The A/B test in the admin: set up inline on the campaign, results with the verdict in plain words."""

from decimal import Decimal

import pytest
from django.urls import reverse

from campaigns.models import Experiment, ExperimentMetric, Variant
from campaigns.services import campaign_start
from campaigns.services.experiments import experiments_decide_due
from tests.campaigns.experiments_data import ab_test, campaign_with_audience, clicks
from tests.campaigns.test_experiments import later


@pytest.mark.django_db
def test_variants_and_the_test_are_set_up_on_the_campaign_page(admin_client):
    campaign, _customers = campaign_with_audience(3)
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    data.update(
        name=campaign.name,
        channel=campaign.channel,
        budget="0",
        cost="0",
        currency="USD",
        segments=[s.pk for s in campaign.segments.all()],
    )
    for formset in page.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        total = formset.formset.total_form_count()
        data.update({f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(total)})
        for i, form in enumerate(formset.formset.forms):
            for name, field in form.fields.items():
                value = form.initial.get(name, field.initial)
                if value not in (None, ""):
                    data[f"{prefix}-{i}-{name}"] = getattr(value, "pk", value)
    variants = "variants"
    data.update(
        {
            f"{variants}-TOTAL_FORMS": "2",
            f"{variants}-INITIAL_FORMS": "0",
            f"{variants}-0-name": "Plain",
            f"{variants}-0-is_control": "on",
            f"{variants}-1-name": "Urgent",
            f"{variants}-1-subject": "Last day!",
            f"{variants}-1-from_name": "Sara",
            "experiment-TOTAL_FORMS": "1",
            "experiment-INITIAL_FORMS": "0",
            "experiment-0-test_percent": "20",
            "experiment-0-holdout_percent": "10",
            "experiment-0-metric": "opens",
            "experiment-0-confidence": "95",
            "experiment-0-decide_after_hours": "4",
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert list(Variant.objects.filter(campaign=campaign).values_list("name", "is_control", "subject")) == [
        ("Plain", True, ""),
        ("Urgent", False, "Last day!"),
    ]
    experiment = Experiment.objects.get(campaign=campaign)
    assert (experiment.test_percent, experiment.holdout_percent, experiment.metric) == (20, 10, "opens")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fa", "ar"])
def test_the_results_page_says_when_there_is_no_winner(admin_client, language):
    campaign, _customers = campaign_with_audience(300)
    experiment, _variants = ab_test(campaign, names=("A", "A again"), test_percent=Decimal("50"))
    Experiment.objects.filter(pk=experiment.pk).update(metric=ExperimentMetric.CLICKS)
    campaign_start(campaign=campaign)
    clicks(campaign, rates={"A": 0.2, "A again": 0.2}, seed=11)
    experiments_decide_due(now=later(experiment))

    page = admin_client.get(
        reverse("admin:campaigns_campaign_experiment", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE=language
    )

    assert page.status_code == 200
    text = page.content.decode()
    assert 'class="experiment-no-winner"' in text and 'class="experiment-winner"' not in text
    assert text.count('<tr><th scope="row">') == 2
    if language != "en":
        assert 'dir="rtl"' in text
    change = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))
    assert reverse("admin:campaigns_campaign_experiment", args=[campaign.pk]) in change.content.decode()
