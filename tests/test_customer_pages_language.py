"""Every page and e-mail a customer meets, rendered for a Persian and an Arabic customer: no English word left, no
date in the Gregorian Latin form, no number in Latin digits. Identifiers (isolated in ``<bdi dir="ltr">`` or
between left-to-right isolates), e-mail addresses, URLs and brand names are set aside first."""

import datetime as dt
import html
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from aftersales import services as aftersales
from aftersales.models import SurveyWording
from aftersales.services.surveys import survey_token
from campaigns import tokens
from campaigns.models import CreativeKind
from campaigns.services.erasure_requests import erasure_request
from campaigns.services.sending import campaign_preview
from customers.models import ProductRecommendation
from emarketing.digits import is_identifier
from orders import services as orders
from tests.campaigns.factories import CampaignFactory, CreativeFactory, TopicFactory
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderLineFactory, ProductFactory, ShipmentFactory

pytestmark = pytest.mark.django_db

# Words that are the same in every language: names of languages in the switcher, of formats offered for download.
ALLOWED = {"English", "JSON", "CSV", "zip"}
NAMES = {
    "fa": {
        "first": "مینا",
        "topic": "هدیه‌ها",
        "page": ("انتخاب هدیه", "<p>جعبه‌های هدیه</p>"),
        "banner": "تخفیف",
        "products": ("چای زعفرانی", "فانوس مسی"),
        "offer": ("پیشنهاد ما", "<p>برای شما:</p>"),
        "question": "از چای خود راضی بودید؟",
    },
    "ar": {
        "first": "منى",
        "topic": "الهدايا",
        "page": ("اختيار هدية", "<p>علب الهدايا</p>"),
        "banner": "خصم",
        "products": ("شاي الزعفران", "فانوس نحاسي"),
        "offer": ("عرضنا", "<p>لك:</p>"),
        "question": "هل أعجبك الشاي؟",
    },
}

ISOLATED = re.compile(r'<bdi dir="ltr">.*?</bdi>|\u2066.*?\u2069', re.S)
# Not shown to the reader: scripts, styles, the title, and the Office settings MJML leaves for Outlook (noscript).
HIDDEN = re.compile(r"<(script|style|title|noscript)\b.*?</\1>", re.S)
TAG = re.compile(r"<[^>]+>")
URL = re.compile(r"https?://\S+")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
LATIN_DATE = re.compile(r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{4}\b")
LATIN_DIGITS = re.compile(r"[0-9]")


def readable_text(content: str) -> str:
    """What a reader reads, identifiers, addresses and links set aside."""
    text = ISOLATED.sub(" ", content)
    text = HIDDEN.sub(" ", text)
    text = TAG.sub(" ", text)
    text = html.unescape(text)
    text = ISOLATED.sub(" ", text)
    return EMAIL.sub(" ", URL.sub(" ", text))


def left_in_english(content: str) -> list[str]:
    text = readable_text(content)
    problems = [word for word in ENGLISH_WORD.findall(text) if word not in ALLOWED]
    problems += [f"date {date}" for date in LATIN_DATE.findall(text)]
    problems += [f"digits near: {text[max(0, m.start() - 20) : m.end() + 20]!r}" for m in LATIN_DIGITS.finditer(text)]
    return problems


def delivered_order(customer, number, product=None):
    order = OrderLineFactory(
        order__customer=customer, order__number=number, **({"product": product} if product else {})
    ).order
    orders.order_confirm(order=order)
    orders.order_ship(order=order)
    orders.order_deliver(order=order)
    return order


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.PUBLIC_FORM_RATE_LIMIT = 50
    settings.CAMPAIGNS_FORM_RATE_LIMIT = 50
    settings.BRAND_NAME = ""
    cache.clear()


def everything_a_customer_meets(client, language, django_capture_on_commit_callbacks):
    """``{name: content}`` of every customer-facing page and e-mail, for a customer speaking ``language``."""
    names = NAMES[language]
    customer = CustomerFactory(
        first_name=names["first"], last_name=names["first"], preferred_language=language, email=f"{language}@ex.com"
    )
    token = tokens.preferences_token(customer_id=customer.pk)
    accept = {"HTTP_ACCEPT_LANGUAGE": language}
    seen = {}

    topic = TopicFactory(slug=f"gifts-{language}", name="Gifts", **{f"name_{language}": names["topic"]})
    campaign = CampaignFactory(name="Spring")
    page = CreativeFactory(
        campaign=campaign,
        kind=CreativeKind.INFO_PAGE,
        topic=topic,
        language=language,
        subject=names["page"][0],
        html_body=names["page"][1],
    )
    banner = CreativeFactory(campaign=campaign, kind=CreativeKind.BANNER, language=language, alt_text=names["banner"])
    seen["topic"] = client.get(reverse("campaigns:topic", args=[topic.slug]), {"r": token}, **accept)
    seen["info page"] = client.get(reverse("campaigns:info_page", args=[topic.slug, page.pk]), {"r": token}, **accept)
    seen["banner"] = client.get(reverse("campaigns:banner", args=[tokens.banner_token(creative_id=banner.pk)]))
    desire = tokens.desire_token(campaign_id=campaign.pk, customer_id=customer.pk, creative_id=page.pk)
    seen["respond"] = client.get(reverse("campaigns:respond", args=[desire, "inquiry"]), **accept)
    seen["respond done"] = client.post(
        reverse("campaigns:respond", args=[desire, "inquiry"]), {"message": "x"}, **accept
    )

    seen["preferences"] = client.get(reverse("campaigns:preferences", args=[token]))
    seen["unsubscribe"] = client.get(reverse("campaigns:unsubscribe", args=[token]))
    seen["unsubscribe done"] = client.post(reverse("campaigns:unsubscribe", args=[token]))

    # Products named in English and in the customer's language; the survey's first question worded by marketers in
    # the customer's language (the others left blank: the built-in questions, translated).
    tea, lantern = (
        ProductFactory(name=english, **{f"name_{language}": local})
        for english, local in zip(("Saffron tea", "Copper lantern"), names["products"], strict=True)
    )
    SurveyWording.objects.create(
        csat_question="Did you like your tea?", **{f"csat_question_{language}": names["question"]}
    )
    for score, product in enumerate((tea, lantern)):
        ProductRecommendation.objects.create(customer=customer, product=product, kind="cross_sell", score=score)
    offer = CreativeFactory(
        campaign=campaign,
        kind=CreativeKind.EMAIL,
        language=language,
        subject=names["offer"][0],
        html_body=names["offer"][1] + "<ul>{% for p in recommended_products %}<li>{{ p.name }}</li>{% endfor %}</ul>",
        text_body="{% for p in recommended_products %}{{ p.name }} {% endfor %}",
    )
    preview = campaign_preview(campaign=offer.campaign, customer=customer)
    seen["offer e-mail (html)"], seen["offer e-mail (text)"] = preview.html, preview.text

    # The transactional e-mails: survey invitation, acknowledgement, late delivery, erasure confirmation.
    surveyed = delivered_order(customer, f"ORD-20261202-{language}1", product=tea)
    OrderLineFactory(order=surveyed, product=lantern)
    invitation = aftersales.survey_invitation_create(order=surveyed)
    aftersales.survey_invitations_send()
    late = OrderLineFactory(order__customer=customer, order__number=f"ORD-20261202-{language}2", product=tea).order
    ShipmentFactory(order=late, promised_on=dt.date(2026, 11, 30))
    aftersales.late_shipments_handle(today=dt.date(2026, 12, 2))
    contact = {"name": names["first"], "email": f"new-{language}@ex.com", "subject": names["topic"], "message": "؟"}
    with django_capture_on_commit_callbacks(execute=True):
        seen["contact"] = client.get(reverse("aftersales:contact"), **accept)
        client.post(reverse("aftersales:contact"), contact, **accept)
        seen["contact thanks"] = client.get(reverse("aftersales:contact_thanks"), **accept)
        seen["erasure requested"] = client.post(reverse("campaigns:erasure_request", args=[token]), **accept)
    erasure_request(customer=customer)
    for message in mail.outbox:
        # The subject header cannot hold markup: its identifiers ([#12], the order number) are set aside as words.
        subject = " ".join(word for word in message.subject.split() if not is_identifier(word))
        seen[f"e-mail {message.subject} (text)"] = subject + "\n" + message.body
        seen[f"e-mail {message.subject} (html)"] = message.alternatives[0][0]
    assert len(mail.outbox) == 4

    url = reverse("aftersales:survey", args=[survey_token(invitation)])
    seen["survey"] = client.get(url)
    seen["survey refused"] = client.post(url, {"csat": "", "nps": ""})
    seen["survey thanks"] = client.post(url, {"csat": "5", "nps": "10"})
    seen["survey answered"] = client.get(url)
    seen["survey invalid"] = client.get(reverse("aftersales:survey", args=["forged"]), **accept)

    erasure = tokens.erasure_token(customer_id=customer.pk, email=customer.email)
    seen["erasure confirm"] = client.get(reverse("campaigns:erasure_confirm", args=[erasure]))
    seen["erasure invalid"] = client.get(reverse("campaigns:erasure_confirm", args=["forged"]), **accept)
    seen["erasure done"] = client.get(reverse("campaigns:erasure_done"), {"l": language})
    return {name: r if isinstance(r, str) else r.content.decode() for name, r in seen.items()}


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_no_english_word_and_no_latin_date_on_anything_a_customer_meets(
    client, language, django_capture_on_commit_callbacks
):
    pages = everything_a_customer_meets(client, language, django_capture_on_commit_callbacks)
    assert len(pages) >= 22
    left = {name: problems for name, content in pages.items() if (problems := left_in_english(content))}
    assert left == {}, "\n".join(f"{name}: {problems}" for name, problems in left.items())
    # What the customer reads there is in their language: the products' names, the marketers' question.
    tea, lantern = NAMES[language]["products"]
    assert tea in pages["survey"] and lantern in pages["survey"]
    assert tea in pages["offer e-mail (html)"] and lantern in pages["offer e-mail (text)"]
    assert NAMES[language]["question"] in pages["survey"]
    invitation = next(content for name, content in pages.items() if name.startswith("e-mail") and "/survey/" in content)
    assert NAMES[language]["question"] in invitation
    for name, content in pages.items():
        if "<html" in content:
            assert f'lang="{language}"' in content and 'dir="rtl"' in content, name


def test_the_walk_would_catch_an_english_word_a_latin_date_and_latin_digits():
    assert left_in_english("<p>سلام Hello</p>") == ["Hello"]
    assert left_in_english("<p>۱۴۰۵ 2026-11-30</p>")[0] == "date 2026-11-30"
    assert left_in_english('<p>سفارش <bdi dir="ltr">ORD-2026</bdi> info@example.com https://x.org/1</p>') == []
