"""Deliverability in the admin: sending domains and their DKIM keys, senders, and the delivery reports."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from campaigns.models import (
    DKIM_PUBLISHED_STATUSES,
    DeliveryReport,
    DkimKey,
    DkimKeyStatus,
    DkimKeyStatusChange,
    Sender,
    SendingDomain,
    ascii_domain,
)
from campaigns.selectors import sending_domain_dns_records
from campaigns.services.domains import (
    dkim_key_activate,
    dkim_key_check_published,
    dkim_key_problem,
    dkim_key_rotate,
    sending_domain_create,
)
from emarketing.admin_tools import BigTableAdminMixin, StatusChangeInline, run_for_each


class DkimKeyInline(admin.TabularInline):
    """The domain's keys, read-only: the private half is never shown, in any form."""

    model = DkimKey
    fields = ("selector", "status", "created_at", "activated_at", "retire_after", "retired_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SendingDomainForm(forms.ModelForm):
    class Meta:
        model = SendingDomain
        fields = ("domain",)

    def clean_domain(self):
        return ascii_domain(self.cleaned_data["domain"])


@admin.register(SendingDomain)
class SendingDomainAdmin(admin.ModelAdmin):
    form = SendingDomainForm
    list_display = ("domain", "created_at")
    search_fields = ("domain",)
    inlines = (DkimKeyInline,)
    actions = ("rotate_key", "activate_pending_key", "check_dns")
    change_form_template = "admin/campaigns/sendingdomain/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        return ("domain", "created_at") if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            return
        created = sending_domain_create(domain=obj.domain)  # with its first key
        obj.pk, obj.domain, obj.created_at = created.pk, created.domain, created.created_at

    def change_view(self, request, object_id, form_url="", extra_context=None):
        domain = self.get_object(request, object_id)
        if domain is not None:
            active = domain.dkim_keys.filter(status=DkimKeyStatus.ACTIVE).first()
            extra_context = {
                **(extra_context or {}),
                "dns_records": sending_domain_dns_records(domain=domain),
                "key_problem": dkim_key_problem(key=active) if active else "",
            }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(
        description=_("Make a new DKIM key (rotate) to publish beside the active one"), permissions=["change"]
    )
    def rotate_key(self, request, queryset):
        for domain in queryset:
            key = dkim_key_rotate(domain=domain)
            self.message_user(
                request,
                gettext("%(domain)s: publish the TXT record of %(name)s (on the domain's page), then activate it.")
                % {"domain": domain, "name": str(key)},
                messages.SUCCESS,
            )

    @admin.action(description=_("Activate the pending key once its DNS record is published"), permissions=["change"])
    def activate_pending_key(self, request, queryset):
        def activate(domain):
            key = domain.dkim_keys.filter(status=DkimKeyStatus.PENDING).order_by("-created_at").first()
            if key is None:
                raise ValidationError(gettext("No pending key: make one with “rotate” first."))
            return dkim_key_activate(key=key, by=request.user)

        run_for_each(
            self,
            request,
            queryset,
            activate,
            lambda n: (
                ngettext("%(n)d domain signs with its new key.", "%(n)d domains sign with their new keys.", n)
                % {"n": n}
            ),
        )

    @admin.action(description=_("Check the DKIM records in DNS"), permissions=["change"])
    def check_dns(self, request, queryset):
        for domain in queryset:
            for key in domain.dkim_keys.filter(status__in=DKIM_PUBLISHED_STATUSES):
                found = dkim_key_check_published(key=key)
                self.message_user(
                    request,
                    (
                        gettext("%(name)s (%(status)s): published.")
                        if found
                        else gettext("%(name)s (%(status)s): not found in DNS.")
                    )
                    % {"name": str(key), "status": key.get_status_display()},
                    messages.SUCCESS if found else messages.WARNING,
                )


class DkimKeyStatusChangeInline(StatusChangeInline):
    model = DkimKeyStatusChange


@admin.register(DkimKey)
class DkimKeyAdmin(admin.ModelAdmin):
    """A key's dates and history, to look at only: keys are made and moved from their domain's page."""

    list_display = ("selector", "domain", "status", "created_at", "activated_at", "retire_after", "retired_at")
    list_select_related = ("domain",)
    list_filter = ("status",)
    fields = ("domain", "selector", "status", "public_key", "created_at", "activated_at", "retire_after", "retired_at")
    readonly_fields = fields
    inlines = (DkimKeyStatusChangeInline,)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Sender)
class SenderAdmin(admin.ModelAdmin):
    list_display = ("name", "from_email", "display_name_en", "is_default")
    search_fields = ("name", "from_email", "display_name_en", "display_name_fa", "display_name_ar")
    fieldsets = (
        (None, {"fields": ("name", ("from_email", "reply_to"), "is_default")}),
        (_("Name shown to customers"), {"fields": ("display_name_en", "display_name_fa", "display_name_ar")}),
    )


@admin.register(DeliveryReport)
class DeliveryReportAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """What mail servers and providers reported: read here, written only by the reports themselves."""

    list_display = ("reported_at", "event", "address", "source", "status", "campaign", "suppressed")
    list_filter = ("event", "source", "suppressed")
    date_hierarchy = "reported_at"
    search_fields = ("=address",)
    list_select_related = ("campaign",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
