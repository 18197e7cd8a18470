"""Customers who reach a missing or broken page read it in their language, in the brand's frame."""

import pytest
from django.test import RequestFactory
from django.utils import translation
from django.views.defaults import server_error

from emarketing.brand.services import brand_update

pytestmark = pytest.mark.django_db

NOT_FOUND = {"en": "Page not found", "fa": "صفحه پیدا نشد", "ar": "الصفحة غير موجودة"}
BROKEN = {"en": "Something went wrong", "fa": "مشکلی پیش آمد", "ar": "حدث خطأ ما"}


@pytest.mark.parametrize("language", ["en", "fa", "ar"])
def test_a_missing_page_is_said_in_the_reader_language_with_the_brand(client, settings, language):
    settings.BRAND_NAME = ""
    brand_update(name="Saffron House", name_fa="خانه زعفران")
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    assert response.status_code == 404
    assert NOT_FOUND[language] in page
    assert ("خانه زعفران" if language == "fa" else "Saffron House") in page
    assert f'dir="{"ltr" if language == "en" else "rtl"}"' in page
    assert 'href="/help/"' in page


@pytest.mark.parametrize("language", ["en", "fa", "ar"])
def test_a_server_error_page_needs_nothing_but_the_language(language):
    request = RequestFactory().get("/")
    with translation.override(language):
        response = server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert BROKEN[language] in page and f'lang="{language}"' in page
