"""Consent in the admin: the current consent per channel and its history; every change goes through
``consent_set``."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from customers.models import (
    Consent,
    ConsentEvent,
    ConsentSource,
)
from customers.services import consent_set
from emarketing.admin_tools import BigTableAdminMixin


class ConsentForm(forms.ModelForm):
    source = forms.ChoiceField(label=_("how"), choices=ConsentSource.choices, initial=ConsentSource.ADMIN)
    note = forms.CharField(label=_("note"), required=False, max_length=255)

    class Meta:
        model = Consent
        fields = ("customer", "channel", "granted")


@admin.register(Consent)
class ConsentAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """Current consent per channel. Every change goes through ``consent_set`` and lands in the history."""

    form = ConsentForm
    list_display = ("customer", "channel", "granted", "updated_at")
    list_filter = ("channel", "granted")
    raw_id_fields = ("customer",)
    search_fields = ("customer__email", "customer__phone")
    readonly_fields = ("updated_at",)

    def get_readonly_fields(self, request, obj=None):
        return ("customer", "channel", "updated_at") if obj else ("updated_at",)

    def save_model(self, request, obj, form, change):
        consent_set(
            customer=obj.customer,
            channel=obj.channel,
            granted=obj.granted,
            source=form.cleaned_data.get("source") or ConsentSource.ADMIN,
            by=request.user,
            note=form.cleaned_data.get("note", ""),
        )
        fresh = Consent.objects.get(customer=obj.customer, channel=obj.channel)
        obj.pk, obj.updated_at = fresh.pk, fresh.updated_at


class ConsentEventForm(forms.ModelForm):
    class Meta:
        model = ConsentEvent
        fields = ("customer", "channel", "granted", "source", "note")


@admin.register(ConsentEvent)
class ConsentEventAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """The consent history. It is never edited; recording a new event sets the consent through ``consent_set``."""

    form = ConsentEventForm
    list_display = ("occurred_at", "customer", "channel", "granted", "source", "recorded_by")
    list_filter = ("channel", "granted", "source")
    raw_id_fields = ("customer",)
    search_fields = ("customer__email", "customer__phone")
    date_hierarchy = "occurred_at"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        consent_set(
            customer=obj.customer,
            channel=obj.channel,
            granted=obj.granted,
            source=obj.source,
            by=request.user,
            note=obj.note,
        )
        latest = ConsentEvent.objects.filter(customer=obj.customer, channel=obj.channel).first()
        if latest:
            obj.pk = latest.pk
