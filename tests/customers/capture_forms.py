"""Shared by the capture form tests: a form in three languages, and a visitor who shows it and sends it."""

import re
from urllib.parse import urlsplit

from django.urls import reverse

from customers.models import CaptureForm, CaptureFormText, FormConsentWording

TITLES = {"en": "Join our tea club", "fa": "به باشگاه چای ما بپیوندید", "ar": "انضم إلى نادي الشاي"}
WORDING = {
    "en": "Yes, e-mail me offers and news about tea.",
    "fa": "بله، پیشنهادها و خبرهای چای را برایم ایمیل کنید.",
    "ar": "نعم، أرسلوا لي العروض وأخبار الشاي بالبريد الإلكتروني.",
}


def make_form(*, slug="tea-club", fields=("last_name", "city", "birthday", "topics"), channels=("email",), **extra):
    form = CaptureForm.objects.create(name="Tea club", slug=slug, fields=list(fields), channels=list(channels), **extra)
    for language, title in TITLES.items():
        CaptureFormText.objects.create(form=form, language=language, title=title, intro=f"{title}.")
        for channel in channels:
            FormConsentWording.objects.create(form=form, language=language, channel=channel, text=WORDING[language])
    return form


def prepared_form(settings):
    """The tea club's form, with no minimum time to fill it in and the shop allowed to frame it."""
    settings.FORMS_MIN_SECONDS = 0
    settings.WEBSITE_ALLOWED_ORIGINS = ["https://shop.example.com"]
    return make_form()


def form_url(form, language="en"):
    return reverse("customers:form", args=[form.slug]) + f"?lang={language}"


def token_of(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def send(client, form, language="en", *, capture=None, **answers):
    """Show the form, then send it with ``answers`` (the token of the page shown, unless one is given)."""
    url = form_url(form, language)
    page = client.get(url).content.decode()
    data = {"first_name": "Sara", "email": "sara@example.com", "token": token_of(page), **answers}
    if capture is None:
        return client.post(url, data)
    with capture(execute=True):
        return client.post(url, data)


def link_in(message) -> str:
    url = re.search(r"https?://\S+/f/confirm/\S+/", message.body).group(0)
    return urlsplit(url).path
