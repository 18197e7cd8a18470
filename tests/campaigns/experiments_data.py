"""Building an experiment's audience quickly (thousands of customers in a few statements) and its outcomes."""

from campaigns.models import AidaStep, Experiment, Message, MessageStatus, Touch, TouchKind, TouchSource, Variant
from customers.models import Consent, ConsentChannel, Customer, SegmentMembership
from tests.campaigns.factories import CreativeFactory
from tests.customers.factories import SegmentFactory


def campaign_with_audience(size, *, zones=("UTC",), **campaign_kwargs):
    """A campaign with an English e-mail and a segment of ``size`` consenting customers (time zones in turn)."""
    creative = CreativeFactory(
        language="en",
        subject="Hello {{ customer.first_name }}",
        **{f"campaign__{k}": v for k, v in campaign_kwargs.items()},
    )
    campaign = creative.campaign
    segment = SegmentFactory()
    campaign.segments.add(segment)
    start = Customer.objects.count()
    customers = Customer.objects.bulk_create(
        [
            Customer(
                first_name=f"C{start + i}",
                last_name="Test",
                email=f"exp{start + i}@example.com",
                time_zone=zones[i % len(zones)],
            )
            for i in range(size)
        ]
    )
    customers = list(Customer.objects.filter(email__startswith="exp").order_by("pk"))[-size:]
    Consent.objects.bulk_create([Consent(customer=c, channel=ConsentChannel.EMAIL, granted=True) for c in customers])
    SegmentMembership.objects.bulk_create([SegmentMembership(segment=segment, customer=c) for c in customers])
    return campaign, customers


def ab_test(campaign, *, names=("A", "B"), **experiment_kwargs):
    variants = [
        Variant.objects.create(campaign=campaign, name=name, is_control=(i == 0), subject=f"Subject {name}")
        for i, name in enumerate(names)
    ]
    experiment = Experiment.objects.create(campaign=campaign, seed=424242, **experiment_kwargs)
    return experiment, variants


def clicks(campaign, *, rates, seed=1):
    """Of each variant's test recipients, the share ``rates[name]`` clicks: spread evenly over them in id order
    (every recipient whose running share passes the next whole click), so the counts are exact whichever customers
    the split put in which variant, and an A/A test has exactly equal rates. ``seed`` shifts where the clicks fall."""
    sent = Message.objects.filter(campaign=campaign, in_test=True, status=MessageStatus.SENT).select_related("variant")
    seen: dict[str, int] = {}
    touches = []
    for message in sent.order_by("pk"):
        name = message.variant.name
        seen[name] = seen.get(name, 0) + 1
        rate = rates[name]
        if int((seen[name] + seed) * rate) > int((seen[name] + seed - 1) * rate):
            touches.append(
                Touch(
                    customer_id=message.customer_id,
                    campaign=campaign,
                    step=AidaStep.INFORMATION,
                    kind=TouchKind.CLICK,
                    source=TouchSource.EMAIL,
                )
            )
    Touch.objects.bulk_create(touches)
    return len(touches)
