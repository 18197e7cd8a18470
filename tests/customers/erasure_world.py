"""A customer with data in every place the product keeps some, and another who must come through untouched.

Zarvandokht Qasemzadeh has a profile, consent with notes, a birthday, segments, needs heard, recommendations,
campaign messages and touches, an occasion offer, topics, delivery reports, a suppression entry, orders with
lines, payments, notifications and shipments, tickets (one written from an older address) with their messages,
acknowledgement and status notes, a late-delivery e-mail, survey answers, a review, inbound e-mail (hers, one
from the older address, a bounce quoting her), a background import whose errors and stored file name her, the
admin's history of her page and a failed loop run quoting her. Her words are in :data:`SECRETS`.
"""

import datetime as dt
from decimal import Decimal

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from aftersales.models import (
    InboundMail,
    LateDeliveryApology,
    MessageAuthor,
    SurveyInvitation,
    TicketAcknowledgement,
    TicketStatusChange,
)
from campaigns.agents import AgentKind
from campaigns.models import (
    AidaStep,
    DeliveryReport,
    ErasureConfirmation,
    MessageStatus,
    OccasionOffer,
    TopicInterest,
    TouchKind,
    TouchSource,
)
from customers.models import (
    CaptureForm,
    ConsentEvent,
    CustomerHistory,
    FormSubmission,
    ImportJob,
    NeedMention,
    Occasion,
    ProductRecommendation,
    SegmentMembership,
    SuppressedAddress,
    address_hash,
)
from customers.services import consent_set
from customers.services.segments import segment_save_rules
from cycle.models import LoopRun, LoopRunStatus, LoopTrigger
from cycle.services.loop import loop_run
from orders.models import (
    OrderStatusChange,
    PaymentNotification,
    PaymentStatus,
    PaymentStatusChange,
    ShipmentStatusChange,
)
from tests.aftersales.factories import ReviewFactory, SurveyResponseFactory, TicketFactory, TicketMessageFactory
from tests.campaigns.factories import CampaignFactory, MessageFactory, TopicFactory, TouchFactory
from tests.customers.factories import CustomerFactory, NeedFactory, SegmentFactory
from tests.factories import UserFactory
from tests.orders.factories import OrderFactory, OrderLineFactory, PaymentFactory, ProductFactory, ShipmentFactory

EMAIL = "zarvandokht.q@example.org"
OLD_EMAIL = "z.qasemzadeh@oldmail.example"
PHONE = "+989121112233"
OTHER_PHONE = "+982188776655"
# What must be found nowhere after her erasure: her addresses, names, id elsewhere, city, and her own words.
SECRETS = (
    EMAIL,
    OLD_EMAIL,
    "Zarvandokht",
    "Qasemzadeh",
    "CRM-77881",
    "Shirazabad",
    "teapot",
    "saffron",
    "courier",
    "marigold",
    "TRK-ZQ-99",
    "Mozilla/5.0 (ZQ-laptop)",
    "whispering",
)
# Her phones in every form they were written: E.164, national with spaces, Persian and Arabic-Indic digits.
PHONE_DIGITS = ("9121112233", "2188776655")

KEPT_EMAIL = "keptina@example.net"
CSV_HEADER = "first_name,last_name,email,phone\n"


def import_file_names():
    """Every stored import file, by name."""
    found, folders = [], ["imports"]
    while folders:
        folder = folders.pop()
        try:
            subfolders, files = default_storage.listdir(folder)
        except FileNotFoundError:
            continue
        folders += [f"{folder}/{sub}" for sub in subfolders]
        found += [f"{folder}/{name}" for name in files]
    return found


def forget_import_files():
    """The test storage lives as long as the process: each test starts without stored imports."""
    for name in import_file_names():
        default_storage.delete(name)


def build(now=None):
    """Both customers and everything around them; returns ``(erased, kept)``."""
    now = now or timezone.now()
    staff = UserFactory(username="clerk")
    erased = CustomerFactory(
        first_name="Zarvandokht",
        last_name="Qasemzadeh",
        email=EMAIL,
        phone=PHONE,
        other_phone=OTHER_PHONE,
        external_id="CRM-77881",
        country="IR",
        region="Fars",
        city="Shirazabad",
        preferred_language="fa",
        time_zone="Asia/Tehran",
        value_tier="most_valuable",
        lifecycle_stage="retention",
        notes="Zarvandokht prefers calls after six.",
    )
    kept = CustomerFactory(first_name="Keptina", last_name="Unchanged", email=KEPT_EMAIL, value_tier="most_valuable")

    for customer, words in ((erased, "Zarvandokht agreed on the phone"), (kept, "Keptina agreed")):
        consent_set(customer=customer, channel="email", granted=True, source="phone", note=words)
        consent_set(customer=customer, channel="sms", granted=True, source="phone")
        consent_set(customer=customer, channel="profiling", granted=True, source="web_form")
    Occasion.objects.create(
        customer=erased, kind="birthday", label="Zarvandokht's birthday", month=3, day=14, year=1990
    )
    Occasion.objects.create(customer=kept, kind="birthday", label="Keptina's birthday", month=7, day=1)
    tea_club = CaptureForm.objects.create(name="Tea club", slug="tea-club", fields=["city"], channels=["email"])
    FormSubmission.objects.create(
        form=tea_club,
        customer=erased,
        email=EMAIL,
        language="fa",
        data={"first_name": "Zarvandokht", "city": "Shirazabad"},
        channels=["email"],
        nonce="n" * 32,
        ip="198.51.100.7",
        confirmed_at=now,
    )
    hand_picked = SegmentFactory(name="Hand-picked")
    SegmentMembership.objects.create(segment=hand_picked, customer=erased)
    SegmentMembership.objects.create(segment=hand_picked, customer=kept)
    hand_picked.member_count = 2
    hand_picked.save()
    by_rules = SegmentFactory(name="Most valuable")
    segment_save_rules(
        segment=by_rules, rules={"any": [{"all": [{"field": "value_tier", "lookup": "is", "value": "most_valuable"}]}]}
    )
    CustomerHistory.objects.create(
        customer=erased, attribute="value_tier", old_value="potential", new_value="most_valuable"
    )
    product = ProductFactory(name="Samovar")
    ProductRecommendation.objects.create(customer=erased, product=product, kind="cross_sell", score=2.0)

    campaign = CampaignFactory(name="Nowruz")
    MessageFactory(campaign=campaign, customer=erased, status=MessageStatus.SENT, sent_at=now)
    MessageFactory(campaign=CampaignFactory(name="Yalda"), customer=erased, error=f"550 5.1.1 <{EMAIL}> mailbox full")
    queued = MessageFactory(campaign=CampaignFactory(name="Spring"), customer=erased)
    MessageFactory(campaign=campaign, customer=kept, status=MessageStatus.SENT, sent_at=now)
    for customer, agent in ((erased, "Mozilla/5.0 (ZQ-laptop)"), (kept, "Mozilla/5.0 (Keptina)")):
        TouchFactory(
            customer=customer, campaign=campaign, user_agent=agent, referrer=f"https://mail.example/?u={customer.email}"
        )
        TouchFactory(
            customer=customer,
            campaign=campaign,
            step=AidaStep.INFORMATION,
            kind=TouchKind.CLICK,
            user_agent=agent,
            detail="https://shop.example/samovar",
        )
    TouchFactory(
        customer=erased,
        campaign=campaign,
        step=AidaStep.DESIRE,
        kind=TouchKind.INQUIRY,
        source=TouchSource.WEBSITE,
        agent=AgentKind.PERSON,
        detail="Call me on ۰۹۱۲ ۱۱۱ ۲۲۳۳ or ٠٢١٨٨٧٧٦٦٥٥ about the marigold samovar",
    )
    TouchFactory(customer=kept, campaign=campaign, step=AidaStep.ACTION, kind=TouchKind.ORDER)
    TopicInterest.objects.create(customer=erased, topic=TopicFactory(name="Tea"))
    birthday = Occasion.objects.get(customer=erased)
    offers = CampaignFactory(name="Birthdays", occasion_kind="birthday")
    OccasionOffer.objects.create(
        occasion=birthday, customer=erased, campaign=offers, year=2025, status=MessageStatus.SENT, sent_at=now
    )
    for event, detail in (("soft_bounce", f"452 4.2.2 <{EMAIL}>: mailbox full"), ("delivered", "")):
        DeliveryReport.objects.create(
            event=event, address=EMAIL, address_hash=address_hash(EMAIL), kind_code="c", row_id=queued.pk,
            campaign=queued.campaign, source="smtp", detail=detail,
        )  # fmt: skip
    SuppressedAddress.objects.create(
        address=OLD_EMAIL, address_hash=address_hash(OLD_EMAIL), reason="hard_bounce", note=f"550 <{OLD_EMAIL}>"
    )
    ErasureConfirmation.objects.create(customer=erased, language="fa", status=MessageStatus.SENT, sent_at=now)

    order = OrderFactory(customer=erased, total=Decimal("120.00"), number="ORD-ZQ-1")
    OrderLineFactory(order=order, product=product, quantity=2, unit_price=Decimal("60.00"))
    OrderStatusChange.objects.create(subject=order, from_status="new", to_status="new", note="Zarvandokht called")
    payment = PaymentFactory(order=order, amount=Decimal("120.00"), status=PaymentStatus.CAPTURED, provider="psp")
    payment.provider_reference = "pi_zq_1"
    payment.save()
    PaymentStatusChange.objects.create(subject=payment, from_status="pending", to_status="captured", note="teapot")
    PaymentNotification.objects.create(
        provider="psp", event_id="evt-1", reference="pi_zq_1", status="captured", payment=payment,
        outcome=f"Refused for {EMAIL}",
    )  # fmt: skip
    shipment = ShipmentFactory(
        order=order,
        tracking_number="TRK-ZQ-99",
        status="delivered",
        promised_on=timezone.localdate(now) - dt.timedelta(days=3),
        shipped_at=now - dt.timedelta(days=4),
        delivered_at=now - dt.timedelta(days=1),
    )
    ShipmentStatusChange.objects.create(subject=shipment, from_status="shipped", to_status="delivered", note="courier")
    OrderFactory(customer=kept, total=Decimal("80.00"), number="ORD-KEPT-1")

    ticket = TicketFactory(customer=erased, contact_email=EMAIL, subject="The teapot from Zarvandokht", order=order)
    TicketMessageFactory(ticket=ticket, body="The blue teapot arrived cracked. Zarvandokht, +98 912 111 2233")
    TicketMessageFactory(ticket=ticket, author_kind=MessageAuthor.STAFF, author=staff, body="Dear Zarvandokht, sorry!")
    TicketStatusChange.objects.create(subject=ticket, from_status="new", to_status="open", note="saffron voucher")
    TicketAcknowledgement.objects.create(ticket=ticket, to=EMAIL, language="fa", status=MessageStatus.SENT)
    older = TicketFactory(customer=erased, contact_email=OLD_EMAIL, subject="courier question")
    TicketMessageFactory(ticket=older, body="Where is the courier?")
    LateDeliveryApology.objects.create(shipment=shipment, ticket=ticket, customer=erased, error=f"refused {EMAIL}")
    kept_ticket = TicketFactory(customer=kept, contact_email=KEPT_EMAIL, subject="Keptina's question")
    TicketMessageFactory(ticket=kept_ticket, body="Keptina asks about the samovar")
    answer = SurveyResponseFactory(
        customer=erased, order=order, csat=2, nps=3, comment="The courier was rude to Zarvandokht",
        product_opinion="The saffron smell is lovely",
    )  # fmt: skip
    SurveyInvitation.objects.create(order=order, customer=erased, response=answer, error=f"452 {EMAIL}")
    SurveyResponseFactory(customer=kept, csat=5, nps=10, comment="Keptina is happy")
    ReviewFactory(
        customer=erased, product=product, rating=1, title="Whispering teapot", body="The teapot leaks saffron"
    )
    ReviewFactory(customer=kept, product=product, rating=5, title="Keptina's review", body="Lovely samovar")

    InboundMail.objects.create(
        source="webhook", message_id="<m1@mail.example>", sender=EMAIL, subject="Re: [#1] teapot",
        raw=f"From: Zarvandokht <{EMAIL}>\n\nThe teapot again", ticket=ticket,
    )  # fmt: skip
    InboundMail.objects.create(
        source="imap", message_id="<m2@oldmail.example>", sender=OLD_EMAIL, subject="whispering",
        raw=f"From: {OLD_EMAIL}\n\n(no text)", error="The message is empty.",
    )  # fmt: skip
    InboundMail.objects.create(
        source="imap", message_id="<dsn1@mx.example>", sender="MAILER-DAEMON@mx.example", subject="Undelivered",
        raw=f"Final-Recipient: rfc822; {EMAIL}\nStatus: 5.1.1", error="A delivery report: no ticket, no reply.",
    )  # fmt: skip
    InboundMail.objects.create(
        source="imap", message_id="<k1@mail.example>", sender=KEPT_EMAIL, subject="Keptina writes", raw="Keptina"
    )

    stored = default_storage.save(
        "imports/customers/with-her.csv",
        ContentFile(
            f"{CSV_HEADER}Zarvandokht,Qasemzadeh,{EMAIL},0912 111 2233\nKeptina,Unchanged,{KEPT_EMAIL},\n".encode()
        ),
    )
    default_storage.save(
        "imports/customers/without-her.csv", ContentFile(f"{CSV_HEADER}Keptina,Unchanged,{KEPT_EMAIL},\n".encode())
    )
    ImportJob.objects.create(
        kind="customers", file_name="contacts.csv", path=stored, rows_total=2, status="queued",
        errors=[f"Row 2, column “email”: “{EMAIL}” is already in row 3.", "Row 9: no name."],
    )  # fmt: skip
    LogEntry.objects.create(
        user=staff, content_type=ContentType.objects.get_for_model(erased), object_id=str(erased.pk),
        object_repr=str(erased), action_flag=CHANGE, change_message='[{"changed": {"fields": ["Notes"]}}]',
    )  # fmt: skip
    LoopRun.objects.create(
        trigger=LoopTrigger.MANUAL, status=LoopRunStatus.FAILED, error=f"IntegrityError: {EMAIL} is duplicated"
    )

    loop_run(trigger=LoopTrigger.MANUAL)  # what the loop hears in her feedback (needs, mentions)
    need = NeedFactory(title="Quality")
    NeedMention.objects.create(need=need, customer=erased, source="marketer", source_id=77, excerpt="marigold teapot")
    ConsentEvent.objects.filter(customer=erased).update(note="Zarvandokht agreed on the phone")
    return erased, kept
