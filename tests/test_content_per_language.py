"""Content written per language: product names and the survey's questions, as Persian, Arabic and English readers
see them, each falling back as its rule says (a product to its one name, a question to the built-in question in the
reader's own language)."""

import json

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from aftersales import services as aftersales
from aftersales.models import SurveyWording
from aftersales.services.surveys import survey_token
from campaigns.models import CreativeKind
from campaigns.services.sending import campaign_preview
from customers.access import JSON, personal_data_file
from customers.models import ProductRecommendation
from emarketing.localized import in_language, in_language_expression, written_in
from orders import services as orders
from orders.models import Product
from tests.campaigns.factories import CreativeFactory
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderLineFactory, ProductFactory

pytestmark = pytest.mark.django_db

BUILT_IN_CSAT = {
    "en": "How satisfied are you with your order?",
    "fa": "چقدر از سفارش خود راضی هستید؟",
    "ar": "ما مدى رضاك عن طلبك؟",
}


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.PUBLIC_FORM_RATE_LIMIT = 50
    cache.clear()


def built_in(language):
    with translation.override(language):
        return translation.gettext("How satisfied are you with your order?")


def survey_page(client, customer, product=None):
    line = OrderLineFactory(order__customer=customer, **({"product": product} if product else {}))
    orders.order_confirm(order=line.order)
    orders.order_ship(order=line.order)
    orders.order_deliver(order=line.order)
    invitation = aftersales.survey_invitation_create(order=line.order)
    if client is None:
        return invitation, ""
    return invitation, client.get(reverse("aftersales:survey", args=[survey_token(invitation)])).content.decode()


# --- the rule ------------------------------------------------------------------------------------------------


def test_a_product_is_named_in_the_readers_language_and_by_its_one_name_when_not_translated():
    product = ProductFactory(name="Copper lantern", name_fa="فانوس مسی")
    assert product.name_in("fa") == "فانوس مسی"
    assert product.name_in("fa-IR") == "فانوس مسی"
    assert product.name_in("ar") == "Copper lantern"
    assert product.name_in("en") == "Copper lantern"
    with translation.override("fa"):
        assert product.local_name == "فانوس مسی"


def test_the_database_picks_the_same_name_as_python():
    ProductFactory(sku="A", name="Copper lantern", name_fa="فانوس مسی", name_ar="")
    for language in ("en", "fa", "ar"):
        picked = Product.objects.filter(sku="A").values_list(in_language_expression("name", language), flat=True)
        assert list(picked) == [in_language(Product.objects.get(sku="A"), "name", language)]


def test_wording_written_for_a_language_is_read_only_for_that_language():
    wording = SurveyWording(csat_question="Did you like it?", csat_question_ar="هل أعجبك؟")
    assert written_in(wording, "csat_question", "en") == "Did you like it?"
    assert written_in(wording, "csat_question", "ar") == "هل أعجبك؟"
    assert written_in(wording, "csat_question", "fa") == ""


# --- product names where customers read them ---------------------------------------------------------------


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_the_survey_page_lists_the_products_in_the_customers_language(client, language):
    local = {"fa": "فانوس مسی", "ar": "فانوس نحاسي"}[language]
    product = ProductFactory(name="Copper lantern", **{f"name_{language}": local})
    _invitation, page = survey_page(client, CustomerFactory(preferred_language=language), product)
    assert local in page
    assert "Copper lantern" not in page


def test_a_product_not_translated_is_shown_by_its_name(client):
    product = ProductFactory(name="Copper lantern", name_fa="فانوس مسی")
    _invitation, page = survey_page(client, CustomerFactory(preferred_language="ar"), product)
    assert "Copper lantern" in page


def test_recommended_products_in_an_e_mail_are_named_in_its_language():
    customer = CustomerFactory(preferred_language="ar")
    translated = ProductFactory(name="Silk scarf", name_ar="وشاح حريري")
    untranslated = ProductFactory(name="Leather satchel", name_fa="کیف چرمی")
    for score, product in enumerate((translated, untranslated)):
        ProductRecommendation.objects.create(customer=customer, product=product, kind="cross_sell", score=score)
    creative = CreativeFactory(
        kind=CreativeKind.EMAIL,
        language="ar",
        html_body="<ul>{% for p in recommended_products %}<li>{{ p.name }}</li>{% endfor %}</ul>",
        text_body="{% for p in recommended_products %}{{ p.name }};{% endfor %}",
    )
    rendered = campaign_preview(campaign=creative.campaign, customer=customer)
    assert "<li>وشاح حريري</li>" in rendered.html and "<li>Leather satchel</li>" in rendered.html
    assert "Silk scarf" not in rendered.html and "کیف چرمی" not in rendered.html


def test_the_campaigns_own_products_are_named_in_the_e_mails_language():
    customer = CustomerFactory(preferred_language="fa")
    creative = CreativeFactory(
        kind=CreativeKind.EMAIL, language="fa", html_body="{% for p in recommended_products %}{{ p.name }}{% endfor %}"
    )
    creative.campaign.products.add(ProductFactory(name="Rose water perfume", name_fa="عطر گلاب"))
    assert "عطر گلاب" in campaign_preview(campaign=creative.campaign, customer=customer).html


def test_the_customers_data_download_names_products_in_their_language():
    customer = CustomerFactory(preferred_language="fa")
    tea = ProductFactory(name="Cardamom tea", name_fa="چای هل")
    lantern = ProductFactory(name="Copper lantern")
    OrderLineFactory(order__customer=customer, product=tea)
    ProductRecommendation.objects.create(customer=customer, product=lantern, because_of=tea, kind="cross_sell", score=1)
    with translation.override("fa"):
        exported = personal_data_file(customer=customer, fmt=JSON)
    with exported.file:
        sections = json.loads(exported.file.read())["sections"]
    assert [row["product_name"] for row in sections["order_lines"]["rows"]] == ["چای هل"]
    [recommendation] = sections["recommendations"]["rows"]
    assert (recommendation["product_name"], recommendation["because_of_name"]) == ("Copper lantern", "چای هل")


# --- the survey's questions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_the_survey_asks_in_the_marketers_wording_for_the_customers_language(client, language):
    SurveyWording.objects.create(
        csat_question="Did you enjoy your order?",
        csat_question_fa="از خرید خود لذت بردید؟",
        csat_question_ar="هل استمتعت بطلبك؟",
        nps_question_fa="ما را به دوستانتان معرفی می‌کنید؟",
        nps_question_ar="هل تنصح أصدقاءك بنا؟",
        comment_prompt_fa="چه چیزی را تغییر دهیم؟",
        comment_prompt_ar="ماذا نغيّر؟",
    )
    _invitation, page = survey_page(client, CustomerFactory(preferred_language=language))
    wording = SurveyWording.objects.get()
    for key in ("csat_question", "nps_question", "comment_prompt"):
        assert getattr(wording, f"{key}_{language}") in page
    assert "Did you enjoy your order?" not in page
    assert built_in(language) not in page


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_a_blank_wording_is_the_built_in_question_in_the_customers_language_not_the_english_wording(client, language):
    SurveyWording.objects.create(csat_question="Did you enjoy your order?", csat_question_ar="", csat_question_fa="")
    _invitation, page = survey_page(client, CustomerFactory(preferred_language=language))
    assert BUILT_IN_CSAT[language] == built_in(language)  # the catalogue translates it
    assert BUILT_IN_CSAT[language] in page
    assert "Did you enjoy your order?" not in page


def test_an_english_reader_gets_the_english_wording_and_without_one_the_built_in_question(client):
    _invitation, page = survey_page(client, CustomerFactory(preferred_language="en"))
    assert BUILT_IN_CSAT["en"] in page
    SurveyWording.objects.create(csat_question="Did you enjoy your order?", csat_question_fa="از خرید لذت بردید؟")
    _invitation, page = survey_page(client, CustomerFactory(preferred_language="en"))
    assert "Did you enjoy your order?" in page and BUILT_IN_CSAT["en"] not in page


@pytest.mark.parametrize(
    ("language", "written", "expected"),
    [("fa", "از خرید خود لذت بردید؟", "از خرید خود لذت بردید؟"), ("ar", "", BUILT_IN_CSAT["ar"])],
)
def test_the_survey_invitation_asks_the_first_question_as_the_survey_words_it(language, written, expected):
    SurveyWording.objects.create(csat_question="Did you enjoy your order?", **{f"csat_question_{language}": written})
    invitation, _page = survey_page(None, CustomerFactory(preferred_language=language, email="x@ex.com"))
    aftersales.survey_invitations_send()
    [message] = mail.outbox
    url = reverse("aftersales:survey", args=[survey_token(invitation)])
    assert expected in message.body
    html = message.alternatives[0][0]
    assert expected in html and url in html
    assert "Did you enjoy your order?" not in message.body + html


# --- where marketers write them ----------------------------------------------------------------------------------


def test_marketers_word_the_survey_on_one_page_that_says_what_a_blank_field_means(admin_client):
    add = reverse("admin:aftersales_surveywording_add")
    page = admin_client.get(add).content.decode()
    assert BUILT_IN_CSAT["fa"] in page and BUILT_IN_CSAT["ar"] in page  # what a blank Persian / Arabic field asks
    response = admin_client.post(add, {"csat_question_fa": "از خرید خود لذت بردید؟", "_save": "1"})
    assert response.status_code == 302
    wording = SurveyWording.objects.get()
    assert wording.csat_question_fa == "از خرید خود لذت بردید؟"

    # One wording: no second one is added; the list opens the one there is.
    assert admin_client.get(add).status_code == 403
    listing = admin_client.get(reverse("admin:aftersales_surveywording_changelist"))
    assert listing.url == reverse("admin:aftersales_surveywording_change", args=[wording.pk])
    change = admin_client.get(listing.url).content.decode()
    assert 'name="csat_question_fa"' in change and 'dir="rtl"' in change


def test_a_products_persian_and_arabic_names_are_entered_beside_its_name(admin_client):
    product = ProductFactory(name="Silk scarf")
    url = reverse("admin:orders_product_change", args=[product.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="name_fa"' in page and 'name="name_ar"' in page
    data = {
        "sku": product.sku,
        "name": "Silk scarf",
        "name_fa": "روسری ابریشمی",
        "name_ar": "وشاح حريري",
        "category": "",
        "price": "58.00",
        "currency": "USD",
        "launched_on": "",
        "is_active": "on",
    }
    assert admin_client.post(url, data).status_code == 302
    product.refresh_from_db()
    assert (product.name_in("fa"), product.name_in("ar")) == ("روسری ابریشمی", "وشاح حريري")
