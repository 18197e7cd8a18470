"""Forms of the public after-sales pages: the contact form and the satisfaction survey."""

from django import forms
from django.utils.translation import gettext_lazy as _

from emarketing.contacts import EmailAddressField
from emarketing.digits import normalize_digits


class LocalDigitsIntegerField(forms.IntegerField):
    """An integer typed with Western, Persian or Arabic-Indic digits."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value):
        return super().to_python(normalize_digits(value).strip() if isinstance(value, str) else value)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = EmailAddressField(label=_("Your e-mail address"))
    order_number = forms.CharField(label=_("Order number (if any)"), max_length=32, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10_000)

    def clean_order_number(self):
        return normalize_digits(self.cleaned_data["order_number"]).strip()


class SurveyForm(forms.Form):
    csat = LocalDigitsIntegerField(
        label=_("How satisfied are you with your order? (1 = not at all, 5 = very)"), min_value=1, max_value=5
    )
    nps = LocalDigitsIntegerField(
        label=_("How likely are you to recommend us to a friend? (0 = not at all, 10 = certainly)"),
        min_value=0,
        max_value=10,
    )
    comment = forms.CharField(
        label=_("What should we keep or change?"),
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
