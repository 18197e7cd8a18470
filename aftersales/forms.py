"""Forms of the public after-sales pages: the contact form and the satisfaction survey."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from emarketing.contacts import EmailAddressField
from emarketing.digits import localize_digits, normalize_digits

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = EmailAddressField(label=_("Your e-mail address"))
    order_number = forms.CharField(label=_("Order number (if any)"), max_length=32, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10_000)

    def clean_order_number(self):
        return normalize_digits(self.cleaned_data["order_number"]).strip()


class ScaleField(forms.TypedChoiceField):
    """A score from ``low`` to ``high`` chosen on a row of buttons (radio buttons: keyboard and screen readers
    know them); the page writes each number in the reader's digits. A value posted in Persian or Arabic-Indic
    digits is read too."""

    widget = forms.RadioSelect(attrs={"class": "btn-check"})

    def __init__(self, *, low: int, high: int, low_hint: StrOrPromise, high_hint: StrOrPromise, **kwargs):
        super().__init__(choices=[(n, str(n)) for n in range(low, high + 1)], coerce=int, **kwargs)
        self.low, self.high, self.low_hint, self.high_hint = low, high, low_hint, high_hint

    def to_python(self, value):
        return super().to_python(normalize_digits(value).strip() if isinstance(value, str) else value)

    def clean(self, value):
        try:
            return super().clean(value)
        except forms.ValidationError as error:
            language = get_language()
            message = gettext("Choose a number from %(low)s to %(high)s.") % {
                "low": localize_digits(str(self.low), language),
                "high": localize_digits(str(self.high), language),
            }
            raise forms.ValidationError(message, code="invalid_choice") from error


class SurveyForm(forms.Form):
    """The survey; ``questions`` (``aftersales.selectors.survey_questions``) words its questions."""

    csat = ScaleField(
        low=1,
        high=5,
        low_hint=_("Not at all satisfied"),
        high_hint=_("Very satisfied"),
    )
    nps = ScaleField(
        low=0,
        high=10,
        low_hint=_("Not at all likely"),
        high_hint=_("Certainly"),
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    product_opinion = forms.CharField(
        label=_("Your opinion of the product"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )

    def __init__(self, *args, questions: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for name, key in (("csat", "csat_question"), ("nps", "nps_question"), ("comment", "comment_prompt")):
            self.fields[name].label = questions[key]
