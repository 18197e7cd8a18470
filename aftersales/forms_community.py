"""Forms of the public help pages (ask, answer) and of the review page. The ask and answer forms carry a honeypot
(a field people never see and robots fill) and the signed time the form was shown: a post sooner than
``HELP_FORM_MIN_SECONDS`` later, or a day later, is refused."""

from __future__ import annotations

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from campaigns.models import Topic
from emarketing.contacts import EmailAddressField
from orders.models import Product

SHOWN_SALT = "aftersales.help.shown"
SHOWN_MAX_SECONDS = 24 * 3600


def shown_token(at: float | None = None) -> str:
    """The signed moment a form was shown (what the hidden field carries)."""
    return signing.dumps(int(at if at is not None else time.time()), salt=SHOWN_SALT)


class LocalNameChoiceField(forms.ModelChoiceField):
    """A topic or a product, named in the reader's language."""

    def label_from_instance(self, obj):
        return getattr(obj, "local_name", None) or str(obj)


class HumanCheckForm(forms.Form):
    """A honeypot and the time the form was shown, checked before anything else."""

    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    shown = forms.CharField(widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["shown"] = shown_token()

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("website"):
            raise forms.ValidationError(_("Your message could not be accepted."), code="honeypot")
        try:
            shown = int(signing.loads(self.data.get("shown", "")[:200], salt=SHOWN_SALT))
        except (signing.BadSignature, TypeError, ValueError):
            raise forms.ValidationError(_("Please send the form again."), code="shown") from None
        age = time.time() - shown
        if age < settings.HELP_FORM_MIN_SECONDS or age > SHOWN_MAX_SECONDS:
            raise forms.ValidationError(_("Please take a moment and send the form again."), code="too_fast")
        return cleaned


class AskForm(HumanCheckForm):
    title = forms.CharField(label=_("Your question"), max_length=200, min_length=5)
    body = forms.CharField(
        label=_("Details (optional)"), widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=5000
    )
    topic = LocalNameChoiceField(label=_("Topic"), queryset=Topic.objects.all(), required=False)
    asker_name = forms.CharField(label=_("Your name"), max_length=100)
    asker_email = EmailAddressField(
        label=_("Your e-mail address (optional)"),
        required=False,
        help_text=_("Never shown. We use it to tell you when your question is answered."),
    )
    wants_news = forms.BooleanField(
        label=_("Send me news and offers by e-mail (you can stop them at any time)"), required=False
    )

    field_order = ["title", "body", "topic", "asker_name", "asker_email", "wants_news", "website", "shown"]

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("wants_news") and not cleaned.get("asker_email"):
            self.add_error("asker_email", _("Give your e-mail address to receive news."))
        return cleaned


class AnswerForm(HumanCheckForm):
    body = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    author_name = forms.CharField(label=_("Your name"), max_length=100)

    field_order = ["body", "author_name", "website", "shown"]


class ReviewForm(forms.Form):
    product = LocalNameChoiceField(label=_("Product"), queryset=Product.objects.none())
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Your review"), widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=5000
    )
    consent_to_publish = forms.BooleanField(
        label=_("Publish my review on the product's page (with my first name)"), required=False
    )

    def __init__(self, *args, products: list[Product], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["product"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Product.objects.filter(pk__in=[p.pk for p in products])
        if len(products) == 1:
            field.initial = products[0].pk
