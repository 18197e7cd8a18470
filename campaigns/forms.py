from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Topic
from customers.models import ConsentChannel

RESPONSE_KINDS = ("offer_claim", "notify_me", "inquiry", "comment")


class TopicChoiceField(forms.ModelMultipleChoiceField):
    """Topics by the name the customer reads (their language's, else the default one)."""

    def label_from_instance(self, obj):
        return obj.local_name


class PreferencesForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label=_("How may we contact you?"),
        choices=ConsentChannel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    topics = TopicChoiceField(
        label=_("Which topics interest you?"),
        queryset=Topic.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    withdraw_all = forms.BooleanField(
        label=_("Withdraw all my consent: contact me no more and use my data for no personal offers."),
        required=False,
    )


class ResponseForm(forms.Form):
    """An offer claim, a "notify me", an inquiry or a comment; what people type is stored as text."""

    message = forms.CharField(label=_("Your message"), max_length=500, required=False, widget=forms.Textarea)
