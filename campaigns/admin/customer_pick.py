"""The customer a marketer previews a campaign as, or sends a test for: found by name, e-mail or phone through the
admin's autocomplete (the one the customer pages use, with their permissions), never by typing a number."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from campaigns.models import Message
from customers.models import Customer


def customers_visible_to(request: HttpRequest, site: admin.AdminSite) -> "QuerySet[Customer]":
    """The customers ``request.user`` may see in the admin: none without the permission to view customers."""
    customer_admin = site.get_model_admin(Customer)
    if not customer_admin.has_view_permission(request):
        return Customer.objects.none()
    return customer_admin.get_queryset(request)


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.contact_label)


class CustomerPickForm(forms.Form):
    """``customer``: one customer, searched as the admin's customer list searches (Persian and Arabic spellings
    and digits find each other); a customer the user may not see is not a valid choice."""

    customer = CustomerChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.none(),
        help_text=_("Type a name, an e-mail address or a phone number."),
        error_messages={"invalid_choice": _("Choose a customer from the list.")},
    )

    def __init__(self, *args: Any, request: HttpRequest, site: admin.AdminSite, required: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["customer"]
        assert isinstance(field, CustomerChoiceField)
        field.required = required
        # The autocomplete asks on behalf of a message's customer field: the customer admin answers, with its search
        # and its permission check.
        field.widget = AutocompleteSelect(Message._meta.get_field("customer"), site)
        field.widget.is_required = required
        field.queryset = customers_visible_to(request, site)  # also hands the widget its choices
