"""Validation of what arrives from outside: the website's order webhook and payment notifications."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Language
from emarketing.contacts import EmailAddressField, PhoneField
from orders.models import PaymentStatus, Product


class WebhookCustomerForm(forms.Form):
    email = EmailAddressField(label=gettext_lazy("e-mail"))
    first_name = forms.CharField(label=gettext_lazy("first name"), max_length=100)
    last_name = forms.CharField(label=gettext_lazy("last name"), max_length=100, required=False)
    phone = PhoneField(label=gettext_lazy("phone"), max_length=32, required=False)
    preferred_language = forms.ChoiceField(choices=Language.choices, required=False)


class WebhookLineForm(forms.Form):
    sku = forms.CharField(max_length=64)
    quantity = forms.IntegerField(min_value=1, max_value=10_000)
    unit_price = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, required=False)

    def clean_sku(self):
        sku = self.cleaned_data["sku"]
        self.product = Product.objects.filter(sku=sku, is_active=True).first()
        if self.product is None:
            raise forms.ValidationError(_("No product on sale has this SKU."))
        return sku


class WebhookOrderForm(forms.Form):
    idempotency_key = forms.CharField(max_length=100)
    number = forms.CharField(max_length=32, required=False)
    currency = forms.RegexField(regex=r"^[A-Z]{3}$", required=False)
    placed_at = forms.DateTimeField(required=False)


def _errors(prefix, form):
    return {f"{prefix}{name}": [str(m) for m in messages] for name, messages in form.errors.items()}


def order_payload_clean(payload):
    """Return ``(cleaned, errors)``; errors name each field at fault (``lines[1].sku``, ``customer.email``)."""
    if not isinstance(payload, dict):
        return None, {"__all__": [_("The body must be a JSON object.")]}
    errors = {}
    order_form = WebhookOrderForm(payload)
    if not order_form.is_valid():
        errors.update(_errors("", order_form))
    customer_data = payload.get("customer")
    customer_form = WebhookCustomerForm(customer_data if isinstance(customer_data, dict) else {})
    if not isinstance(customer_data, dict):
        errors["customer"] = [_("An object with the customer's e-mail and name is required.")]
    elif not customer_form.is_valid():
        errors.update(_errors("customer.", customer_form))
    lines = payload.get("lines")
    cleaned_lines = []
    if not isinstance(lines, list) or not lines:
        errors["lines"] = [_("At least one line is required.")]
    else:
        for i, line in enumerate(lines):
            form = WebhookLineForm(line if isinstance(line, dict) else {})
            if not form.is_valid():
                errors.update(_errors(f"lines[{i}].", form))
                continue
            cleaned_lines.append(
                {
                    "product": form.product,
                    "quantity": form.cleaned_data["quantity"],
                    "unit_price": form.cleaned_data["unit_price"],
                }
            )
        currencies = {line["product"].currency for line in cleaned_lines}
        if len(currencies) > 1:
            errors["lines"] = [_("All lines of an order are in one currency.")]
        currency = order_form.cleaned_data.get("currency") if order_form.is_valid() else None
        if currency and len(currencies) == 1 and currency not in currencies:
            errors["currency"] = [_("The products are priced in %(currency)s.") % {"currency": currencies.pop()}]
    if errors:
        return None, errors
    cleaned = dict(order_form.cleaned_data)
    cleaned["customer"] = customer_form.cleaned_data
    cleaned["lines"] = cleaned_lines
    return cleaned, {}


class PaymentNotificationForm(forms.Form):
    event_id = forms.CharField(max_length=100)
    reference = forms.CharField(max_length=128)
    status = forms.ChoiceField(choices=[(s, s) for s in PaymentStatus.values if s != PaymentStatus.PENDING])
    order = forms.CharField(max_length=32, required=False)
    amount = forms.DecimalField(min_value=0.01, max_digits=12, decimal_places=2, required=False)
    currency = forms.RegexField(regex=r"^[A-Z]{3}$", required=False)
