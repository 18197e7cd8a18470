"""Build a believable demo company across the whole cycle. Idempotent: run it again and nothing doubles.

Orders, payments and shipments walk the product's state machines (every move has its audit row, dated when it
happened); value tiers, lifecycle stages, segments, survey invitations, satisfaction, needs, recommendations and
the dashboards' rollups are then computed by the product's own jobs, so every figure follows from the data.
Rows whose date lies in the past and that no service dates (customers, consents, touches, survey answers, tickets)
are written in bulk, the way an import writes them.
"""

import datetime as dt
import random
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from faker import Faker

from aftersales.models import Review, ReviewStatus, SurveyResponse, Ticket, TicketMessage, TicketStatus
from aftersales.services.help_search import help_index_rebuild
from aftersales.services.surveys import survey_invitations_create
from campaigns.journeys.engine import journeys_tick
from campaigns.journeys.ready_made import READY_MADE, journey_install
from campaigns.models import (
    TOUCH_KIND_STEP,
    Campaign,
    CampaignStatus,
    Channel,
    Creative,
    Message,
    MessageStatus,
    Touch,
    TouchKind,
    TouchSource,
)
from campaigns.sms.demo import sms_demo_campaign
from customers.models import (
    AcquisitionSource,
    Consent,
    ConsentEvent,
    ConsentSource,
    Customer,
    Occasion,
    OccasionKind,
    Segment,
)
from customers.services import customers_refresh_profiles, segment_save_rules
from customers.services.segments import segments_refresh_all
from cycle.demo import content
from cycle.demo.brand import demo_brand
from cycle.demo.capacity import seed_capacity
from cycle.demo.community import seed_community
from cycle.demo.content import COMMENTS, EMAILS, LOCATIONS, PRODUCTS, TICKETS
from cycle.demo.content_scores import score_demo_creatives
from cycle.demo.forms import demo_capture_form
from cycle.demo.intermediation import seed_intermediation
from cycle.demo.pages import seed_information_pages
from cycle.demo.sending import demo_sending_identity
from cycle.models import BudgetLine, Kpi, LoopTrigger, MarketingPlan, Milestone, Objective, PlanPerson, PlanStatus
from cycle.services.loop import loop_run
from cycle.services.recommendations import recommendations_refresh
from cycle.services.rollups import rollups_refresh
from orders.models import (
    Agent,
    AgentKind,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    Product,
    SalesChannel,
    Shipment,
)
from orders.services.orders import order_cancel, order_confirm
from orders.services.payments import payment_capture, payment_fail
from orders.services.shipments import shipment_deliver, shipment_ship

DEMO_DOMAIN = "demo.example"


class Command(BaseCommand):
    help = "Create demo data for every stage of the cycle (idempotent; --customers N for a larger set)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=300, help="How many demo customers in all.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, customers, seed, **options):
        demo_sending_identity()  # the signed domain and the default sender, also when the rest is already there
        demo_capture_form()  # the tea club's form (/f/tea-club/), also when the rest is already there
        demo_brand()  # the shop's name, address and colours in three languages
        existing = Customer.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").count()
        if existing >= customers:
            self._run_jobs()
            self.stdout.write(f"Demo data already present ({existing} demo customers); jobs run, figures up to date.")
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
            _plan, objectives = self._plan()
            campaigns = self._campaigns(objectives, segments)
            score_demo_creatives()  # the five dimensions of content and tags (the Content board)
            # The ready-made journeys, live: the demo's customers enter them as they are created and as they order.
            for item in READY_MADE:
                journey_install(code=item.code, live=True)
            seed_information_pages(now=self.now)
            new_customers = self._customers(existing, customers)
            self._communication(campaigns, new_customers)
            self._orders(new_customers, products, agents, campaigns)
            self._aftersales(new_customers, products)
            seed_community()  # FAQ entries and community questions in three languages
            seed_capacity()  # stock, production, delivery regions and service teams (mediation)
        run = self._run_jobs()
        seed_intermediation(now=self.now)  # money (commissions, SMS prices, costs) and two departments
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {existing + len(new_customers)} customers, {Order.objects.count()} orders, "
                f"{Touch.objects.count()} touches; the loop found {run.needs_created if run else 0} needs."
            )
        )

    def _run_jobs(self):
        """The product's own jobs, in the order it runs them, so every figure follows from the data.

        Value tiers and lifecycle stages from orders and touches; segments from their rules; survey invitations
        for deliveries old enough; the loop (satisfaction, needs, at-risk and referral flags); recommendations;
        and the dashboards' rollups, so the first look at the dashboards shows the demo company.
        """
        customers_refresh_profiles(refit=True, reason="demo")
        survey_invitations_create()
        run = loop_run(trigger=LoopTrigger.MANUAL)
        recommendations_refresh()
        segments_refresh_all(full=True)
        rollups_refresh()
        journeys_tick()  # the scheduled triggers (win-back, birthdays) and the first steps of those who entered
        help_index_rebuild()  # the help search over FAQ, questions and information pages
        return run

    # --- reference data (get_or_create: idempotent) -------------------------------------------------------
    def _products(self):
        today = timezone.localdate()
        products = []
        for i, (sku, name, category, price) in enumerate(PRODUCTS):
            product, created = Product.objects.get_or_create(
                sku=sku,
                defaults={
                    "name": name,
                    "category": category,
                    "price": Decimal(price),
                    "launched_on": today - dt.timedelta(days=30 if i % 5 == 0 else 400),
                    **content.PRODUCT_TRANSLATIONS[sku],
                },
            )
            if not created and not (product.name_fa or product.name_ar):  # a demo seeded before the translations
                Product.objects.filter(pk=product.pk).update(**content.PRODUCT_TRANSLATIONS[sku])
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
        """Rule-based segments: the segment job picks their members."""
        specs = [
            (
                "Persian-speaking customers",
                "Customers who prefer Persian.",
                ("preferred_language", ["fa"]),
            ),
            (
                "Gulf customers",
                "Customers in Saudi Arabia and the Emirates.",
                ("country", ["SA", "AE"]),
            ),
            (
                "Newsletter readers",
                "Customers who opened a campaign e-mail.",
                ("aida_step", ["attention"]),
            ),
        ]
        segments = []
        for name, description, (field, value) in specs:
            segment, created = Segment.objects.get_or_create(name=name, defaults={"description": description})
            if created:
                segment_save_rules(
                    segment=segment, rules={"any": [{"all": [{"field": field, "lookup": "is", "value": value}]}]}
                )
            segments.append(segment)
        # On behaviour and time: bought at least twice, but not in the last 90 days of their own calendar.
        lapsed, created = Segment.objects.get_or_create(
            name="Lapsed repeat buyers",
            defaults={
                "description": "Two purchases or more, none in the last 90 days: a win-back campaign's audience."
            },
        )
        if created:
            conditions = [
                {"field": "order_count", "lookup": "gte", "value": "2"},
                {"field": "last_order", "lookup": "over_days_ago", "value": "90"},
            ]
            segment_save_rules(segment=lapsed, rules={"any": [{"all": conditions}]})
        segments.append(lapsed)
        return segments

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
        rows: list[tuple[str, str, str, Kpi, int | Decimal]] = [
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
        sms_demo_campaign(segment=segments[0])  # a draft: its estimate shows in the admin; the console sends it
        return campaigns

    # --- customers and what they did ------------------------------------------------------------------------
    def _customers(self, start, stop):
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
                    created_at=self.now - dt.timedelta(days=rng.randint(1, 700)),
                )
            )
        customers = Customer.objects.bulk_create(customers, batch_size=1000)
        if not customers[0].pk:  # backends that do not return ids from bulk inserts
            customers = list(Customer.objects.filter(email__in=[c.email for c in customers]).order_by("pk"))

        consents, events, occasions = [], [], []
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
        Consent.objects.bulk_create(consents, batch_size=1000)
        ConsentEvent.objects.bulk_create(events, batch_size=1000)
        Occasion.objects.bulk_create(occasions, batch_size=1000)
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
                        agent="proxy",  # campaigns.agents.AgentKind.PROXY
                        user_agent="Mozilla/5.0 (via ggpht.com GoogleImageProxy)",
                        occurred_at=when,
                    )
                )
        Message.objects.bulk_create(messages, batch_size=1000, ignore_conflicts=True)
        Touch.objects.bulk_create(touches, batch_size=2000)

    def _orders(self, customers, products, agents, campaigns):
        """Orders placed in the last six months, each moved through the state machine as far as its age says.

        The orders, lines, payments and shipments are written as they were first recorded (new, pending,
        preparing); every later move goes through the orders services with the time it happened, so each has
        its audit row: confirmed after half an hour, paid (6% fail once first), shipped the next day, delivered
        one to three days later (15% late), 4% cancelled before confirmation.
        """
        rng = self.rng
        orders: list[Order] = []
        plans: list[list[tuple[Product, int]]] = []
        base = Order.objects.count()
        for customer in customers:
            for _ in range(rng.choices([0, 1, 2, 3], weights=[20, 45, 25, 10])[0]):
                channel = rng.choices(SalesChannel.values, weights=[60, 15, 10, 15])[0]
                placed = self.now - dt.timedelta(days=rng.randint(1, 180), hours=rng.randint(0, 23))
                lines = [(p, rng.randint(1, 3)) for p in rng.sample(products, rng.randint(1, 3))]
                orders.append(
                    Order(
                        number=f"D{base + len(orders) + 1:07d}",
                        customer=customer,
                        channel=channel,
                        agent=rng.choice(agents) if channel == SalesChannel.AGENT else None,
                        campaign=rng.choice(campaigns) if rng.random() < 0.3 else None,
                        total=sum(p.price * q for p, q in lines),
                        placed_at=placed,
                    )
                )
                plans.append(lines)
        orders = Order.objects.bulk_create(orders, batch_size=1000)
        if orders and not orders[0].pk:
            orders = list(Order.objects.filter(number__in=[o.number for o in orders]).order_by("pk"))
        OrderLine.objects.bulk_create(
            [
                OrderLine(order=o, product=p, quantity=q, unit_price=p.price)
                for o, planned in zip(orders, plans, strict=True)
                for p, q in planned
            ],
            batch_size=2000,
        )
        for order in orders:
            self._walk(order)
        self.delivered = [o for o in orders if o.status == OrderStatus.DELIVERED]

    def _walk(self, order):
        rng, placed = self.rng, order.placed_at
        age = (self.now - placed).days
        if rng.random() < 0.04:
            order_cancel(order=order, note="Changed their mind", at=placed + dt.timedelta(hours=1))
            return
        if age <= 1:
            return
        order_confirm(order=order, at=placed + dt.timedelta(minutes=30))
        if rng.random() < 0.06:
            failed = Payment.objects.create(
                order=order, amount=order.total, method=PaymentMethod.CARD, created_at=placed
            )
            payment_fail(payment=failed, note="Card declined", at=placed + dt.timedelta(minutes=2))
        payment = Payment.objects.create(
            order=order, amount=order.total, method=rng.choice(PaymentMethod.values), created_at=placed
        )
        payment_capture(payment=payment, at=placed + dt.timedelta(minutes=5))
        shipment = Shipment.objects.create(
            order=order,
            carrier=rng.choice(["Post", "Tipax", "Aramex"]),
            tracking_number=f"TRK{order.pk:08d}",
            promised_on=timezone.localdate(placed) + dt.timedelta(days=5),
        )
        if age <= 3:
            return
        shipped = placed + dt.timedelta(days=1)
        shipment_ship(shipment=shipment, at=shipped)
        if age <= 10:
            return
        late = rng.random() < 0.15
        shipment_deliver(
            shipment=shipment, at=shipped + dt.timedelta(days=rng.randint(6, 9) if late else rng.randint(1, 3))
        )
        order.refresh_from_db(fields=["status"])

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
