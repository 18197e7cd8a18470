"""Ready-made journeys, installed from the admin, by ``manage.py journeys_install`` and with the demo data.

Each is a journey (trigger, re-entry rule, goal) and its steps; an e-mail step gets a campaign of its own named after
the journey and the step, with an English, a Persian and an Arabic creative the marketer rewrites. Installing one
that is already there changes nothing.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from campaigns.journeys.versions import journey_set_status, journey_steps_save
from campaigns.models import Campaign, Creative, Journey, JourneyStatus, Reentry
from customers.models import Language


@dataclass(frozen=True)
class Mail:
    """An e-mail step's content in the three languages: subject and body, by language."""

    subject: dict[str, str]
    body: dict[str, str]


@dataclass(frozen=True)
class ReadyMade:
    code: str
    name: Any
    trigger: str
    steps: list[dict[str, Any]]
    trigger_params: dict[str, Any] = field(default_factory=dict)
    reentry: str = Reentry.ONCE
    reentry_days: int = 30
    goal: str = ""
    mails: dict[str, Mail] = field(default_factory=dict)


def _mail(en: tuple[str, str], fa: tuple[str, str], ar: tuple[str, str]) -> Mail:
    pairs = {"en": en, "fa": fa, "ar": ar}
    return Mail(
        subject={lang: subject for lang, (subject, _body) in pairs.items()},
        body={lang: body for lang, (_subject, body) in pairs.items()},
    )


PRODUCTS = "{% for p in recommended_products %}<p>{{ p.name }}</p>{% endfor %}"

READY_MADE = [
    ReadyMade(
        code="welcome",
        name=_("Welcome series"),
        trigger="customer_created",
        goal="ordered",
        steps=[
            {"key": "welcome", "kind": "email", "label": "Welcome", "next": ["pause"]},
            {"key": "pause", "kind": "wait", "params": {"days": 3}, "next": ["opened"]},
            {"key": "opened", "kind": "condition", "params": {"condition": "opened"}, "next": ["", "again"]},
            {"key": "again", "kind": "email", "label": "Welcome, again", "next": []},
        ],
        mails={
            "welcome": _mail(
                ("Welcome, {{ customer.first_name }}", "<p>Glad to have you with us.</p>"),
                ("{{ customer.first_name }}، خوش آمدید", "<p>از آشنایی با شما خوشحالیم.</p>"),
                ("أهلاً بك يا {{ customer.first_name }}", "<p>يسعدنا انضمامك إلينا.</p>"),
            ),
            "again": _mail(
                ("Did you see our welcome?", "<p>Here is what we have for you.</p>" + PRODUCTS),
                ("پیام خوشامد ما را دیدید؟", "<p>این‌ها را برای شما داریم.</p>" + PRODUCTS),
                ("هل رأيت رسالة الترحيب؟", "<p>إليك ما لدينا لك.</p>" + PRODUCTS),
            ),
        },
    ),
    ReadyMade(
        code="abandoned_cart",
        name=_("Abandoned cart"),
        trigger="cart_abandoned",
        trigger_params={"hours": 1},
        reentry=Reentry.PER_DAYS,
        reentry_days=7,
        goal="ordered",
        steps=[
            {"key": "reminder", "kind": "email", "label": "Your cart", "next": ["pause"]},
            {"key": "pause", "kind": "wait", "params": {"days": 1}, "next": ["ordered"]},
            {"key": "ordered", "kind": "condition", "params": {"condition": "ordered"}, "next": ["", "last"]},
            {"key": "last", "kind": "email", "label": "Last call", "next": []},
        ],
        mails={
            "reminder": _mail(
                ("You left something in your cart", "<p>It is still waiting for you.</p>"),
                ("چیزی در سبد خرید شما مانده است", "<p>هنوز منتظر شماست.</p>"),
                ("تركت شيئاً في سلتك", "<p>ما زال بانتظارك.</p>"),
            ),
            "last": _mail(
                ("Still thinking it over?", "<p>Your cart is kept a little longer.</p>"),
                ("هنوز در حال فکر کردن هستید؟", "<p>سبد شما کمی بیشتر نگه داشته می‌شود.</p>"),
                ("ما زلت تفكر؟", "<p>سنحتفظ بسلتك لفترة أطول قليلاً.</p>"),
            ),
        },
    ),
    ReadyMade(
        code="post_purchase",
        name=_("Post-purchase"),
        trigger="order.delivered",
        reentry=Reentry.ALWAYS,
        steps=[
            {"key": "thanks", "kind": "email", "label": "Thank you", "next": ["pause"]},
            {"key": "pause", "kind": "wait", "params": {"days": 7}, "next": ["review"]},
            {"key": "review", "kind": "email", "label": "Review request", "next": ["later"]},
            {"key": "later", "kind": "wait", "params": {"days": 14}, "next": ["cross_sell"]},
            {"key": "cross_sell", "kind": "email", "label": "Cross-sell", "next": []},
        ],
        mails={
            "thanks": _mail(
                ("Thank you for your order", "<p>We hope you enjoy it.</p>"),
                ("از خرید شما سپاسگزاریم", "<p>امیدواریم از آن لذت ببرید.</p>"),
                ("شكراً لطلبك", "<p>نأمل أن ينال إعجابك.</p>"),
            ),
            "review": _mail(
                ("How was it?", "<p>Tell us and other customers what you think.</p>"),
                ("چطور بود؟", "<p>نظرتان را به ما و دیگر مشتریان بگویید.</p>"),
                ("كيف كانت تجربتك؟", "<p>أخبرنا وأخبر العملاء الآخرين برأيك.</p>"),
            ),
            "cross_sell": _mail(
                ("Chosen for you", "<p>Customers who bought what you bought also liked:</p>" + PRODUCTS),
                ("برگزیده برای شما", "<p>مشتریانی که همین را خریدند این‌ها را هم پسندیدند:</p>" + PRODUCTS),
                ("مختارة لك", "<p>العملاء الذين اشتروا ما اشتريته أعجبهم أيضاً:</p>" + PRODUCTS),
            ),
        },
    ),
    ReadyMade(
        code="win_back",
        name=_("Win-back"),
        trigger="alive_below",
        trigger_params={"below": 0.3},
        reentry=Reentry.PER_DAYS,
        reentry_days=180,
        goal="ordered",
        steps=[
            {"key": "miss_you", "kind": "email", "label": "We miss you", "next": ["pause"]},
            {"key": "pause", "kind": "wait", "params": {"days": 14}, "next": ["ordered"]},
            {"key": "ordered", "kind": "condition", "params": {"condition": "ordered"}, "next": ["", "flag"]},
            {"key": "flag", "kind": "action", "params": {"action": "flag_set", "field": "at_risk"}, "next": []},
        ],
        mails={
            "miss_you": _mail(
                ("We miss you, {{ customer.first_name }}", "<p>Here is what is new since your last visit.</p>"),
                ("دلمان برایتان تنگ شده", "<p>از آخرین سر زدن شما این‌ها تازه آمده است.</p>"),
                ("اشتقنا إليك", "<p>إليك الجديد منذ زيارتك الأخيرة.</p>"),
            ),
        },
    ),
    ReadyMade(
        code="birthday",
        name=_("Birthday"),
        trigger="occasion",
        trigger_params={"kind": "birthday", "hour": 9},
        reentry=Reentry.PER_DAYS,
        reentry_days=300,
        steps=[{"key": "wishes", "kind": "email", "label": "Happy birthday", "next": []}],
        mails={
            "wishes": _mail(
                ("Happy birthday, {{ customer.first_name }}", "<p>A gift from us for your day.</p>"),
                ("تولدتان مبارک، {{ customer.first_name }}", "<p>هدیه‌ای از ما برای روز شما.</p>"),
                ("عيد ميلاد سعيد يا {{ customer.first_name }}", "<p>هدية منا ليومك.</p>"),
            ),
        },
    ),
    ReadyMade(
        code="unhappy_customer",
        name=_("Unhappy customer recovery"),
        trigger="survey.answered",
        trigger_params={"csat_at_most": 2, "nps_at_most": 6},
        reentry=Reentry.PER_DAYS,
        reentry_days=30,
        steps=[
            {
                "key": "call",
                "kind": "action",
                "params": {"action": "ticket_open", "subject": "Unhappy customer: call them"},
                "next": ["sorry"],
            },
            {"key": "sorry", "kind": "email", "label": "We are sorry", "next": ["tag"]},
            {"key": "tag", "kind": "action", "params": {"action": "flag_set", "field": "at_risk"}, "next": []},
        ],
        mails={
            "sorry": _mail(
                ("We are sorry", "<p>We heard you. Someone from our team will call you.</p>"),
                ("متأسفیم", "<p>صدای شما را شنیدیم. یکی از همکاران ما با شما تماس می‌گیرد.</p>"),
                ("نعتذر منك", "<p>سمعناك. سيتصل بك أحد أعضاء فريقنا.</p>"),
            ),
        },
    ),
]


def ready_made(code: str) -> ReadyMade:
    return next(item for item in READY_MADE if item.code == code)


@transaction.atomic
def journey_install(*, code: str, live: bool = False) -> Journey:
    """Install the ready-made journey ``code`` (once: a second call returns the one installed)."""
    item = ready_made(code)
    found = Journey.objects.filter(template=code).first()
    if found is not None:
        return found
    with override("en"):
        name = str(item.name)
    journey = Journey.objects.create(
        name=name,
        trigger=item.trigger,
        trigger_params=item.trigger_params,
        reentry=item.reentry,
        reentry_days=item.reentry_days,
        goal=item.goal,
        template=code,
    )
    steps = []
    for step in item.steps:
        step = {**step, "params": dict(step.get("params") or {})}
        if step["kind"] == "email":
            campaign = Campaign.objects.create(name=f"{name}: {step.get('label') or step['key']}")
            mail = item.mails[step["key"]]
            for language in (Language.ENGLISH, Language.PERSIAN, Language.ARABIC):
                Creative.objects.create(
                    campaign=campaign,
                    language=language,
                    name=campaign.name,
                    subject=mail.subject[language],
                    html_body=mail.body[language],
                )
            step["params"]["campaign"] = campaign.pk
        steps.append(step)
    journey_steps_save(journey=journey, steps=steps)
    if live:
        journey_set_status(journey=journey, status=JourneyStatus.LIVE)
        journey.refresh_from_db()
    return journey
