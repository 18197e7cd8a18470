"""The suppression list in the admin: found by exact address, added, removed and imported through the services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from customers.models import SuppressedAddress, SuppressionReason, address_hash
from customers.services.suppression import suppression_add, suppression_import, suppression_remove
from emarketing.admin_tools import BigTableAdminMixin
from emarketing.contacts import EmailAddressField
from emarketing.uploads import check_upload_size

# What staff may give as the reason of an address they add by hand (the others come from reports and imports).
STAFF_REASONS = [
    (r.value, r.label) for r in (SuppressionReason.MANUAL, SuppressionReason.ERASURE, SuppressionReason.COMPLAINT)
]


class SuppressedAddressForm(forms.ModelForm):
    address = EmailAddressField(label=_("address"))
    reason = forms.ChoiceField(label=_("reason"), choices=STAFF_REASONS, initial=SuppressionReason.MANUAL)

    class Meta:
        model = SuppressedAddress
        fields = ("address", "reason", "note")


class SuppressionImportForm(forms.Form):
    file = forms.FileField(label=_("file"), required=False)
    addresses = forms.CharField(
        label=_("or the addresses"), required=False, widget=forms.Textarea(attrs={"rows": 8, "dir": "ltr"})
    )
    note = forms.CharField(label=_("note"), required=False, max_length=500)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            check_upload_size(upload)
        return upload

    def clean(self):
        data = super().clean() or {}
        if not data.get("file") and not (data.get("addresses") or "").strip():
            raise ValidationError(_("Choose a file or paste the addresses."))
        return data


@admin.register(SuppressedAddress)
class SuppressedAddressAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """Every change goes through the suppression services: the customers' flag and consent follow the list."""

    form = SuppressedAddressForm
    change_list_template = "admin/customers/suppressedaddress/change_list.html"
    list_display = ("__str__", "reason", "note", "created_at", "created_by")
    list_filter = ("reason",)
    date_hierarchy = "created_at"
    search_fields = ("address",)
    search_help_text = _("The exact address (found by its hash, after an erasure too).")
    list_select_related = ("created_by",)
    actions = ("remove_selected",)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(address_hash=address_hash(term)), False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("address", "address_hash", "reason", "note", "created_at", "created_by")
        return ()

    def get_fields(self, request, obj=None):
        if obj is not None:
            return ("address", "address_hash", "reason", "note", "created_at", "created_by")
        return ("address", "reason", "note")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # removal goes through the service (the customers' flag follows)
        return actions

    def save_model(self, request, obj, form, change):
        if change:
            return
        suppression_add(
            address=form.cleaned_data["address"],
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data.get("note") or "",
            by=request.user,
        )
        saved = SuppressedAddress.objects.get(address_hash=address_hash(form.cleaned_data["address"]))
        obj.pk, obj.address_hash = saved.pk, saved.address_hash

    def delete_model(self, request, obj):
        suppression_remove(address=obj.address or "", by=request.user) if obj.address else obj.delete()

    @admin.action(description=_("Take the selected addresses off the list"), permissions=["delete"])
    def remove_selected(self, request, queryset):
        removed = 0
        for entry in queryset[:1000]:
            if entry.address:
                removed += suppression_remove(address=entry.address, by=request.user)
            else:  # erased: only the hash is left, and nobody to clear
                entry.delete()
                removed += 1
        self.message_user(
            request,
            ngettext("%(count)d address taken off the list.", "%(count)d addresses taken off the list.", removed)
            % {"count": removed},
        )

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_import"
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name=name),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = SuppressionImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data.get("file")
            try:
                if upload:
                    result = suppression_import(
                        file=upload, name=upload.name, note=form.cleaned_data["note"], by=request.user
                    )
                else:
                    lines = form.cleaned_data["addresses"].splitlines()
                    result = suppression_import(rows=lines, note=form.cleaned_data["note"], by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, result.summary(), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:customers_suppressedaddress_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": gettext("Import addresses to the suppression list"),
        }
        return TemplateResponse(request, "admin/customers/suppressedaddress/import.html", context)
