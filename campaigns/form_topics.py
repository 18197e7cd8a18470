"""What capture forms (preparation) need from communication: the topics of interest a form offers, what a
confirmed submission's chosen topics become (``TopicInterest``, as the preference centre keeps them), and the
confirmation e-mail, sent through the sending pipeline. Registered in ``CampaignsConfig.ready()``."""

from django.db import transaction

from campaigns.models import Topic, TopicInterest
from customers.models import Customer
from customers.registry import capture_form_hooks


def topic_options(language: str) -> list[tuple[str, str]]:
    """Every topic, by id, named in ``language``: one query."""
    return [(str(topic.pk), topic.name_in(language)) for topic in Topic.objects.order_by("name")]


@transaction.atomic
def topics_choose(customer: Customer, keys: set[str]) -> None:
    """Add the chosen topics to the customer's interests (keeping those chosen before); unknown keys are ignored."""
    ids = {int(k) for k in keys if k.isdigit()}
    known = Topic.objects.filter(pk__in=ids).values_list("pk", flat=True)
    TopicInterest.objects.bulk_create(
        [TopicInterest(customer=customer, topic_id=pk) for pk in known], ignore_conflicts=True
    )


def register() -> None:
    from campaigns.services.form_confirmations import form_confirmation_queue

    capture_form_hooks.register_topics(topic_options, topics_choose)
    capture_form_hooks.register_mailer(form_confirmation_queue)
