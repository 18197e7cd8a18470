"""Build a believable demo company across the whole cycle. Idempotent: run it again and nothing doubles."""

import datetime as dt
import random
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from faker import Faker

from aftersales.models import Review, ReviewStatus, SurveyResponse, Ticket, TicketMessage, TicketStatus
from campaigns.models import (
    TOUCH_KIND_STEP,
    Campaign,
    CampaignStatus,
    Channel,
    Creative,
    Message,
    MessageStatus,
    Topic,
    Touch,
    TouchKind,
    TouchSource,
)
from customers.models import (
    AcquisitionSource,
    Consent,
    ConsentEvent,
    ConsentSource,
    Customer,
    LifecycleStage,
    Occasion,
    OccasionKind,
    Segment,
    SegmentMembership,
    ValueTier,
)
from cycle.models import BudgetLine, Kpi, LoopTrigger, MarketingPlan, Milestone, Objective, PlanPerson, PlanStatus
from cycle.services.loop import loop_run
from cycle.services.rollups import rollups_refresh
from orders.models import (
    Agent,
    AgentKind,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Product,
    SalesChannel,
    Shipment,
    ShipmentStatus,
)

DEMO_DOMAIN = "demo.example"

PRODUCTS = [
    ("DEMO-TEA-01", "Saffron tea gift box", "Food", "18.50"),
    ("DEMO-TEA-02", "Cardamom tea", "Food", "9.90"),
    ("DEMO-DAT-01", "Medjool dates, 1 kg", "Food", "14.00"),
    ("DEMO-PIS-01", "Roasted pistachios", "Food", "12.75"),
    ("DEMO-RUG-01", "Hand-woven kilim rug", "Home", "240.00"),
    ("DEMO-LMP-01", "Copper lantern", "Home", "65.00"),
    ("DEMO-CER-01", "Turquoise ceramic bowl", "Home", "32.00"),
    ("DEMO-PER-01", "Rose water perfume", "Beauty", "45.00"),
    ("DEMO-SOA-01", "Olive oil soap set", "Beauty", "11.00"),
    ("DEMO-BOK-01", "Calligraphy starter kit", "Hobbies", "27.00"),
    ("DEMO-SCF-01", "Silk scarf", "Fashion", "58.00"),
    ("DEMO-BAG-01", "Leather satchel", "Fashion", "120.00"),
]

COMMENTS = {
    "en": [
        ("The parcel arrived late and the box was damaged.", 2, 4),
        ("Prices are a bit expensive compared to other shops.", 3, 6),
        ("Great quality, I will buy again!", 5, 10),
        ("I wish you had this in another colour.", 4, 8),
        ("Support took three days to answer my question.", 2, 3),
        ("", 5, 9),
    ],
    "fa": [
        ("ارسال خیلی دیر انجام شد و بسته آسیب دیده بود.", 2, 3),
        ("قیمت‌ها کمی گران است، کاش تخفیف بیشتری بود.", 3, 6),
        ("کیفیت عالی بود، ممنونم!", 5, 10),
        ("کاش رنگ‌های بیشتری داشتید.", 4, 8),
        ("پشتیبانی دیر جواب داد.", 2, 4),
        ("", 4, 9),
    ],
    "ar": [
        ("تأخر التوصيل كثيراً ووصل الطرد تالفاً.", 2, 3),
        ("الأسعار غالية قليلاً.", 3, 5),
        ("جودة ممتازة، شكراً لكم!", 5, 10),
        ("أتمنى لو كان هناك لون آخر.", 4, 8),
        ("الدعم لم يرد على رسالتي.", 1, 2),
        ("", 5, 9),
    ],
}

TICKETS = {
    "en": ("Where is my order?", "I ordered ten days ago and nothing has arrived yet."),
    "fa": ("سفارش من کجاست؟", "ده روز پیش سفارش دادم و هنوز بسته نرسیده است."),
    "ar": ("أين طلبي؟", "طلبت منذ عشرة أيام ولم يصل الطرد بعد."),
}

EMAILS = {
    "en": (
        "A gift for you, {{ customer.first_name }}",
        "<p>Hello {{ customer.first_name }}, our spring offer is here.</p>",
    ),
    "fa": (
        "هدیه‌ای برای شما، {{ customer.first_name }}",
        "<p>سلام {{ customer.first_name }}، پیشنهاد بهاری ما رسید.</p>",
    ),
    "ar": ("هدية لك يا {{ customer.first_name }}", "<p>مرحباً {{ customer.first_name }}، وصل عرض الربيع.</p>"),
}

LOCATIONS = {
    "en": [("GB", "England", "London", "Europe/London"), ("US", "New York", "New York", "America/New_York")],
    "fa": [("IR", "Tehran", "Tehran", "Asia/Tehran"), ("IR", "Isfahan", "Isfahan", "Asia/Tehran")],
    "ar": [("SA", "Riyadh", "Riyadh", "Asia/Riyadh"), ("AE", "Dubai", "Dubai", "Asia/Dubai")],
}


class Command(BaseCommand):
    help = "Create demo data for every stage of the cycle (idempotent; --customers N for a larger set)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=300, help="How many demo customers in all.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, customers, seed, **options):
        existing = Customer.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").count()
        if existing >= customers:
            rollups_refresh()
            self.stdout.write(f"Demo data already present ({existing} demo customers); dashboards brought up to date.")
            return
        self.rng = random.Random(seed + existing)
        self.fakers = {"en": Faker("en_GB"), "fa": Faker("fa_IR"), "ar": Faker("ar_SA")}
        for faker in self.fakers.values():
            faker.seed_instance(seed + existing)
        self.now = timezone.now()
        with transaction.atomic():
            products = self._products()
            agents = self._agents()
            segments = self._segments()
            plan, objectives = self._plan()
            campaigns = self._campaigns(objectives, segments)
            new_customers = self._customers(existing, customers, segments)
            self._communication(campaigns, new_customers)
            self._orders(new_customers, products, agents, campaigns)
            self._aftersales(new_customers, products)
        run = loop_run(trigger=LoopTrigger.MANUAL)
        # The dashboards read rollups that a job refreshes every few minutes: fill them now, so the first look at
        # the dashboards shows the demo company rather than empty figures.
        rollups_refresh()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {existing + len(new_customers)} customers, {Order.objects.count()} orders, "
                f"{Touch.objects.count()} touches; the loop found {run.needs_created if run else 0} needs."
            )
        )

    # --- reference data (get_or_create: idempotent) -------------------------------------------------------
    def _products(self):
        today = timezone.localdate()
        products = []
        for i, (sku, name, category, price) in enumerate(PRODUCTS):
            product, _ = Product.objects.get_or_create(
                sku=sku,
                defaults={
                    "name": name,
                    "category": category,
                    "price": Decimal(price),
                    "launched_on": today - dt.timedelta(days=30 if i % 5 == 0 else 400),
                },
            )
            products.append(product)
        return products

    def _agents(self):
        names = [
            ("Pars Trading Agency", AgentKind.AGENCY, "Tehran"),
            ("Al-Noor Representatives", AgentKind.AGENCY, "Riyadh"),
            ("Reza Karimi", AgentKind.REPRESENTATIVE, "Isfahan"),
        ]
        return [Agent.objects.get_or_create(name=n, defaults={"kind": k, "region": r})[0] for n, k, r in names]

    def _segments(self):
        specs = [
            ("Persian-speaking customers", "Customers who prefer Persian."),
            ("Gulf customers", "Customers in Saudi Arabia and the Emirates."),
            ("Newsletter readers", "Customers who opened a newsletter in the last quarter."),
        ]
        return [Segment.objects.get_or_create(name=n, defaults={"description": d})[0] for n, d in specs]

    def _plan(self):
        today = timezone.localdate()
        start = today.replace(month=1 if today.month <= 6 else 7, day=1)
        plan, created = MarketingPlan.objects.get_or_create(
            name=f"E-marketing plan {start:%Y} H{1 if start.month == 1 else 2}",
            defaults={
                "starts_on": start,
                "ends_on": start.replace(year=start.year + 1) - dt.timedelta(days=1),
                "status": PlanStatus.ACTIVE,
                "situation_analysis": "Repeat purchases are low; delivery complaints rise in the Gulf.",
                "alignment": "Supports the corporate goal of 20% growth in online sales.",
            },
        )
        if not created:
            return plan, list(plan.objectives.all())
        rows = [
            (
                "Win customers in the Gulf",
                "Few customers outside Iran",
                "Arabic campaigns and agents",
                Kpi.NEW_MARKET_CUSTOMERS,
                150,
            ),
            (
                "Raise repeat purchases",
                "Most customers buy once",
                "Occasion offers and cross-sell",
                Kpi.REPEAT_PURCHASE_RATE,
                35,
            ),
            ("Deliver on time", "Late parcels drive complaints", "Promised dates per region", Kpi.ON_TIME_DELIVERY, 95),
            ("Happier customers", "CSAT below 4", "24-hour contact line", Kpi.CSAT, Decimal("4.3")),
        ]
        objectives = []
        for position, (title, motivation, strategy, kpi, target) in enumerate(rows):
            objective = Objective.objects.create(
                plan=plan,
                title=title,
                motivation=motivation,
                strategy=strategy,
                kpi=kpi,
                target=Decimal(target),
                budget=Decimal("5000"),
                position=position,
            )
            BudgetLine.objects.create(plan=plan, objective=objective, description=title, amount=Decimal("5000"))
            objectives.append(objective)
        for name, role in [
            ("Maryam Ahmadi", "Head of marketing"),
            ("Omar Haddad", "Campaign manager"),
            ("Sara Rahimi", "Customer service lead"),
        ]:
            PlanPerson.objects.create(plan=plan, name=name, role=role)
        Milestone.objects.create(
            plan=plan, objective=objectives[0], title="Arabic website live", due_on=today - dt.timedelta(days=20)
        )
        Milestone.objects.create(
            plan=plan,
            objective=objectives[1],
            title="Occasion offers running",
            due_on=today - dt.timedelta(days=40),
            done_on=today - dt.timedelta(days=45),
        )
        Milestone.objects.create(
            plan=plan, objective=objectives[2], title="Courier contract renewed", due_on=today + dt.timedelta(days=25)
        )
        return plan, objectives

    def _campaigns(self, objectives, segments):
        topic, _ = Topic.objects.get_or_create(slug="gifts", defaults={"name": "Gifts and occasions"})
        specs = [
            ("Spring offer", Channel.EMAIL, objectives[1] if objectives else None, segments[0]),
            ("Gulf launch", Channel.BANNER, objectives[0] if objectives else None, segments[1]),
            ("Agent phone follow-up", Channel.PHONE, objectives[1] if objectives else None, segments[2]),
        ]
        campaigns = []
        for name, channel, objective, segment in specs:
            campaign, created = Campaign.objects.get_or_create(
                name=name,
                defaults={
                    "channel": channel,
                    "objective": objective,
                    "status": CampaignStatus.SENT,
                    "budget": Decimal("3000"),
                    "cost": Decimal("1200"),
                    "scheduled_at": self.now - dt.timedelta(days=45),
                    "started_at": self.now - dt.timedelta(days=45),
                    "finished_at": self.now - dt.timedelta(days=44),
                },
            )
            if created:
                campaign.segments.add(segment)
                if channel == Channel.EMAIL:
                    for language, (subject, body) in EMAILS.items():
                        Creative.objects.create(
                            campaign=campaign,
                            language=language,
                            name=f"{name} ({language})",
                            subject=subject,
                            html_body=body,
                            text_body=body,
                        )
                elif channel == Channel.BANNER:
                    Creative.objects.create(
                        campaign=campaign,
                        kind="banner",
                        name=f"{name} banner",
                        alt_text="Gulf launch",
                        target_url="https://shop.example/gulf",
                    )
            campaigns.append(campaign)
        return campaigns

    # --- customers and what they did ------------------------------------------------------------------------
    def _customers(self, start, stop, segments):
        rng, customers = self.rng, []
        for i in range(start, stop):
            language = rng.choices(["en", "fa", "ar"], weights=[40, 35, 25])[0]
            faker = self.fakers[language]
            country, region, city, tz = rng.choice(LOCATIONS[language])
            customers.append(
                Customer(
                    first_name=faker.first_name(),
                    last_name=faker.last_name(),
                    email=f"customer{i:06d}@{DEMO_DOMAIN}",
                    phone=f"+9891{i:08d}",
                    preferred_language=language,
                    country=country,
                    region=region,
                    city=city,
                    time_zone=tz,
                    acquisition_source=rng.choice(AcquisitionSource.values[:9]),
                    value_tier=rng.choices(ValueTier.values[:3], weights=[15, 45, 40])[0],
                    lifecycle_stage=rng.choice(LifecycleStage.values),
                    created_at=self.now - dt.timedelta(days=rng.randint(1, 700)),
                )
            )
        customers = Customer.objects.bulk_create(customers, batch_size=1000)
        if not customers[0].pk:  # backends that do not return ids from bulk inserts
            customers = list(Customer.objects.filter(email__in=[c.email for c in customers]).order_by("pk"))

        consents, events, occasions, members = [], [], [], []
        for customer in customers:
            granted = rng.random() < 0.8
            consents.append(
                Consent(customer=customer, channel="email", granted=granted, updated_at=customer.created_at)
            )
            events.append(
                ConsentEvent(
                    customer=customer,
                    channel="email",
                    granted=granted,
                    source=ConsentSource.CHECKOUT,
                    occurred_at=customer.created_at,
                )
            )
            if rng.random() < 0.7:
                birthday = self.fakers["en"].date_of_birth(minimum_age=18, maximum_age=70)
                occasions.append(
                    Occasion(
                        customer=customer,
                        kind=OccasionKind.BIRTHDAY,
                        month=birthday.month,
                        day=birthday.day,
                        year=birthday.year,
                    )
                )
            if rng.random() < 0.3:
                occasions.append(
                    Occasion(
                        customer=customer,
                        kind=OccasionKind.WEDDING_ANNIVERSARY,
                        month=rng.randint(1, 12),
                        day=rng.randint(1, 28),
                    )
                )
            if customer.preferred_language == "fa":
                members.append(SegmentMembership(segment=segments[0], customer=customer))
            if customer.country in {"SA", "AE"}:
                members.append(SegmentMembership(segment=segments[1], customer=customer))
            if rng.random() < 0.4:
                members.append(SegmentMembership(segment=segments[2], customer=customer))
        Consent.objects.bulk_create(consents, batch_size=1000)
        ConsentEvent.objects.bulk_create(events, batch_size=1000)
        Occasion.objects.bulk_create(occasions, batch_size=1000)
        SegmentMembership.objects.bulk_create(members, batch_size=1000, ignore_conflicts=True)
        for segment in segments:
            Segment.objects.filter(pk=segment.pk).update(
                member_count=segment.memberships.count(), refreshed_at=self.now
            )
        return customers

    def _communication(self, campaigns, customers):
        """Messages and an AIDA funnel that narrows step by step, with a few automated opens."""
        rng, messages, touches = self.rng, [], []
        email_campaign = campaigns[0]
        creatives = {c.language: c for c in email_campaign.creatives.all()}
        funnel = [
            (TouchKind.EMAIL_OPEN, 0.6),
            (TouchKind.CLICK, 0.5),
            (TouchKind.OFFER_CLAIM, 0.45),
            (TouchKind.ORDER, 0.5),
            (TouchKind.SATISFIED, 0.6),
        ]
        for customer in customers:
            campaign = rng.choice(campaigns)
            when = campaign.started_at or self.now
            if campaign == email_campaign:
                messages.append(
                    Message(
                        campaign=campaign,
                        customer=customer,
                        status=MessageStatus.SENT,
                        creative=creatives.get(customer.preferred_language),
                        sent_at=when,
                        attempts=1,
                    )
                )
            source = {Channel.EMAIL: TouchSource.EMAIL, Channel.BANNER: TouchSource.BANNER}.get(
                campaign.channel, TouchSource.PHONE
            )
            for kind, chance in funnel:
                if kind == TouchKind.EMAIL_OPEN and campaign.channel == Channel.BANNER:
                    kind = TouchKind.BANNER_IMPRESSION
                if kind == TouchKind.EMAIL_OPEN and campaign.is_offline:
                    kind = TouchKind.OFFLINE
                if rng.random() > chance:
                    break
                when += dt.timedelta(hours=rng.randint(1, 48))
                touches.append(
                    Touch(
                        customer=customer,
                        campaign=campaign,
                        kind=kind,
                        source=source,
                        occurred_at=when,
                        step=TOUCH_KIND_STEP.get(kind, "attention"),
                    )
                )
            if campaign == email_campaign and rng.random() < 0.05:
                touches.append(
                    Touch(
                        customer=customer,
                        campaign=campaign,
                        kind=TouchKind.EMAIL_OPEN,
                        source=TouchSource.EMAIL,
                        step="attention",
                        is_automated=True,
                        user_agent="Mozilla/5.0 (via ggpht.com GoogleImageProxy)",
                        occurred_at=when,
                    )
                )
        Message.objects.bulk_create(messages, batch_size=1000, ignore_conflicts=True)
        Touch.objects.bulk_create(touches, batch_size=2000)

    def _orders(self, customers, products, agents, campaigns):
        rng = self.rng
        orders, plans = [], []
        base = Order.objects.count()
        for customer in customers:
            for _ in range(rng.choices([0, 1, 2, 3], weights=[20, 45, 25, 10])[0]):
                channel = rng.choices(SalesChannel.values, weights=[60, 15, 10, 15])[0]
                placed = self.now - dt.timedelta(days=rng.randint(1, 180), hours=rng.randint(0, 23))
                lines = [(p, rng.randint(1, 3)) for p in rng.sample(products, rng.randint(1, 3))]
                total = sum(p.price * q for p, q in lines)
                age = (self.now - placed).days
                status = (
                    OrderStatus.DELIVERED
                    if age > 10
                    else OrderStatus.SHIPPED
                    if age > 3
                    else OrderStatus.CONFIRMED
                    if age > 1
                    else OrderStatus.NEW
                )
                if rng.random() < 0.04:
                    status = OrderStatus.CANCELLED
                orders.append(
                    Order(
                        number=f"D{base + len(orders) + 1:07d}",
                        customer=customer,
                        channel=channel,
                        agent=rng.choice(agents) if channel == SalesChannel.AGENT else None,
                        campaign=rng.choice(campaigns) if rng.random() < 0.3 else None,
                        status=status,
                        total=total,
                        placed_at=placed,
                    )
                )
                plans.append(lines)
        orders = Order.objects.bulk_create(orders, batch_size=1000)
        if orders and not orders[0].pk:
            orders = list(Order.objects.filter(number__in=[o.number for o in orders]).order_by("pk"))
        lines, payments, shipments = [], [], []
        for order, planned in zip(orders, plans, strict=True):
            lines += [OrderLine(order=order, product=p, quantity=q, unit_price=p.price) for p, q in planned]
            if order.status == OrderStatus.CANCELLED:
                continue
            failed = rng.random() < 0.06
            if failed:
                payments.append(
                    Payment(
                        order=order,
                        amount=order.total,
                        status=PaymentStatus.FAILED,
                        method=PaymentMethod.CARD,
                        created_at=order.placed_at,
                    )
                )
            if order.status != OrderStatus.NEW:
                payments.append(
                    Payment(
                        order=order,
                        amount=order.total,
                        status=PaymentStatus.CAPTURED,
                        method=rng.choice(PaymentMethod.values),
                        created_at=order.placed_at,
                        captured_at=order.placed_at + dt.timedelta(minutes=5),
                    )
                )
            promised = timezone.localdate(order.placed_at) + dt.timedelta(days=5)
            shipped = delivered = None
            status = ShipmentStatus.PREPARING
            if order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
                shipped, status = order.placed_at + dt.timedelta(days=1), ShipmentStatus.SHIPPED
            if order.status == OrderStatus.DELIVERED:
                late = rng.random() < 0.15
                delivered = shipped + dt.timedelta(days=rng.randint(6, 9) if late else rng.randint(1, 3))
                status = ShipmentStatus.DELIVERED
            shipments.append(
                Shipment(
                    order=order,
                    carrier=rng.choice(["Post", "Tipax", "Aramex"]),
                    tracking_number=f"TRK{order.pk:08d}",
                    status=status,
                    promised_on=promised,
                    shipped_at=shipped,
                    delivered_at=delivered,
                )
            )
        OrderLine.objects.bulk_create(lines, batch_size=2000)
        Payment.objects.bulk_create(payments, batch_size=2000)
        Shipment.objects.bulk_create(shipments, batch_size=2000)
        self.delivered = [o for o in orders if o.status == OrderStatus.DELIVERED]

    def _aftersales(self, customers, products):
        rng = self.rng
        surveys, reviews = [], []
        for order in self.delivered:
            if rng.random() > 0.5:
                continue
            comment, csat, nps = rng.choice(COMMENTS[order.customer.preferred_language])
            surveys.append(
                SurveyResponse(
                    customer=order.customer,
                    order=order,
                    product=rng.choice(products),
                    csat=csat,
                    nps=nps,
                    comment=comment,
                    created_at=min(self.now, order.placed_at + dt.timedelta(days=12)),
                )
            )
        SurveyResponse.objects.bulk_create(surveys, batch_size=1000)
        for customer in rng.sample(customers, min(len(customers), max(1, len(customers) // 10))):
            comment, rating, _ = rng.choice(COMMENTS[customer.preferred_language])
            consent = rng.random() < 0.7
            reviews.append(
                Review(
                    customer=customer,
                    product=rng.choice(products),
                    rating=max(1, rating),
                    body=comment,
                    consent_to_publish=consent,
                    status=ReviewStatus.PUBLISHED if consent and rating >= 4 else ReviewStatus.PENDING,
                )
            )
        Review.objects.bulk_create(reviews, batch_size=1000)
        for customer in rng.sample(customers, min(len(customers), max(1, len(customers) // 8))):
            subject, body = TICKETS[customer.preferred_language]
            opened = self.now - dt.timedelta(hours=rng.randint(1, 400))
            status = rng.choice([TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.RESOLVED])
            ticket = Ticket.objects.create(
                customer=customer,
                contact_email=customer.email,
                subject=subject,
                channel=rng.choice(["email", "web", "phone", "chat"]),
                status=status,
                created_at=opened,
                first_response_at=None
                if status == TicketStatus.NEW
                else opened + dt.timedelta(hours=rng.randint(1, 30)),
                resolved_at=opened + dt.timedelta(hours=40) if status == TicketStatus.RESOLVED else None,
                priority=rng.choice(["low", "normal", "high"]),
            )
            TicketMessage.objects.create(ticket=ticket, body=body, created_at=opened)
