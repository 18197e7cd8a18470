from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Occasion, OccasionKind


class SignInForm(forms.Form):
    address = forms.CharField(
        label=_("Your e-mail address or mobile number"), max_length=254, widget=forms.TextInput(attrs={"dir": "ltr"})
    )

    def is_email(self) -> bool:
        return "@" in self.cleaned_data["address"]


class CodeForm(forms.Form):
    phone = forms.CharField(max_length=32, widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("The 6-digit code we sent you"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "dir": "ltr"}),
    )

    def clean_code(self) -> str:
        # Persian and Arabic-Indic digits typed on a phone's own keyboard count as the same code.
        code = self.cleaned_data["code"].translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789"))
        if not code.isascii() or not code.isdigit():
            raise forms.ValidationError(_("The code is six digits."))
        return code


class OccasionForm(forms.ModelForm):
    kind = forms.ChoiceField(
        label=_("Occasion"),
        choices=[
            (OccasionKind.BIRTHDAY, OccasionKind.BIRTHDAY.label),
            (OccasionKind.WEDDING_ANNIVERSARY, OccasionKind.WEDDING_ANNIVERSARY.label),
        ],
    )

    class Meta:
        model = Occasion
        fields = ["kind", "month", "day", "year"]

    def clean(self):
        data = super().clean()
        year = self.cleaned_data.get("year")
        if year and not 1900 <= year <= timezone.localdate().year:
            raise forms.ValidationError(_("The year cannot be in the future or before 1900."))
        return data
