"""A customer with something in every place the product keeps personal data, each value marked with a tag, so a
test can tell that an export holds all of one customer's data and nothing of another's."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from aftersales.models import LateDeliveryApology, SurveyInvitation, TicketAcknowledgement
from campaigns.models import (
    DeliveryEvent,
    DeliveryReport,
    OccasionOffer,
    ReportSource,
    TopicInterest,
)
from customers.models import (
    CaptureForm,
    ConsentSource,
    CustomerHistory,
    CustomerValue,
    FormSubmission,
    NeedMention,
    ProductRecommendation,
    ProfileAttribute,
    RatedBy,
    SegmentMembership,
    SuppressedAddress,
    SuppressionReason,
    address_hash,
)
from customers.services import consent_set
from tests.aftersales.factories import ReviewFactory, SurveyResponseFactory, TicketFactory, TicketMessageFactory
from tests.campaigns.factories import CampaignFactory, MessageFactory, TopicFactory, TouchFactory
from tests.customers.factories import CustomerFactory, NeedFactory, OccasionFactory, SegmentFactory
from tests.orders.factories import OrderFactory, OrderLineFactory, PaymentFactory, ProductFactory, ShipmentFactory

# The sections every export has, in the order of the cycle.
SECTIONS = [
    "profile",
    "value",
    "consent",
    "consent_history",
    "occasions",
    "needs",
    "segments",
    "history",
    "recommendations",
    "form_submissions",
    "suppression",
    "messages",
    "occasion_offers",
    "touches",
    "topics",
    "delivery_reports",
    "orders",
    "order_lines",
    "payments",
    "shipments",
    "tickets",
    "ticket_messages",
    "survey_answers",
    "reviews",
    "aftersales_emails",
]


def customer_with_everything(tag, **customer_fields):
    """A customer whose data in each section carries ``tag`` (in a name, a note, a comment…)."""
    now = timezone.now()
    customer = CustomerFactory(notes=f"{tag} note", **customer_fields)
    CustomerValue.objects.create(
        customer=customer,
        computed_at=now,
        rated_by=RatedBy.RFM,
        first_order_at=now - dt.timedelta(days=40),
        last_order_at=now,
        purchases=2,
        spend=Decimal("123.45"),
        recency_score=5,
        frequency_score=3,
        monetary_score=4,
        predicted_value=Decimal("123.45"),
    )
    consent_set(customer=customer, channel="email", granted=True, source=ConsentSource.WEB_FORM, note=f"{tag} form")
    OccasionFactory(customer=customer, label=f"{tag} birthday")
    FormSubmission.objects.create(
        form=CaptureForm.objects.get_or_create(slug="tea-club", defaults={"name": "Tea club"})[0],
        customer=customer,
        email=customer.email,
        language="en",
        data={"first_name": customer.first_name, "city": f"{tag} city"},
        channels=["email"],
        nonce="n" * 32,
    )
    product = ProductFactory(name=f"{tag} teapot")
    need = NeedFactory(title=f"{tag} faster delivery", product=product)
    NeedMention.objects.create(
        need=need, customer=customer, source="survey", source_id=customer.pk, excerpt=f"{tag} slow"
    )
    SegmentMembership.objects.create(segment=SegmentFactory(name=f"{tag} segment"), customer=customer)
    CustomerHistory.objects.create(
        customer=customer, attribute=ProfileAttribute.VALUE_TIER, old_value="unrated", new_value="potential", reason=tag
    )
    ProductRecommendation.objects.create(customer=customer, product=product, kind="cross_sell", score=0.5)
    SuppressedAddress.objects.create(
        address=customer.email, address_hash=address_hash(customer.email), reason=SuppressionReason.COMPLAINT
    )

    campaign = CampaignFactory(name=f"{tag} campaign")
    MessageFactory(campaign=campaign, customer=customer, status="sent", sent_at=now)
    occasion = OccasionFactory(customer=customer, kind="wedding_anniversary")
    OccasionOffer.objects.create(occasion=occasion, customer=customer, campaign=campaign, year=2026)
    TouchFactory(
        customer=customer,
        campaign=campaign,
        step="desire",
        kind="inquiry",
        source="web",
        detail=f"{tag} question",
        user_agent=f"{tag} browser",
        referrer=f"https://example.com/{tag}",
    )
    TopicInterest.objects.create(customer=customer, topic=TopicFactory(name=f"{tag} topic"))
    DeliveryReport.objects.create(
        event=DeliveryEvent.SOFT_BOUNCE,
        address=customer.email,
        address_hash=address_hash(customer.email),
        campaign=campaign,
        source=ReportSource.DSN,
        status="4.2.2",
    )

    order = OrderFactory(customer=customer, number=f"{tag}-order", total=Decimal("50.00"))
    OrderLineFactory(order=order, product=product, quantity=2, unit_price=Decimal("25.00"))
    PaymentFactory(order=order, provider_reference=f"{tag}-payment")
    shipment = ShipmentFactory(order=order, tracking_number=f"{tag}-parcel")

    ticket = TicketFactory(customer=customer, subject=f"{tag} where is it", order=order)
    TicketMessageFactory(ticket=ticket, body=f"{tag} my parcel")
    SurveyResponseFactory(customer=customer, order=order, comment=f"{tag} fine")
    ReviewFactory(customer=customer, product=product, body=f"{tag} good tea")
    SurveyInvitation.objects.create(order=order, customer=customer)
    TicketAcknowledgement.objects.create(ticket=ticket, to=customer.email, language="en")
    LateDeliveryApology.objects.create(shipment=shipment, ticket=ticket, customer=customer)
    return customer
