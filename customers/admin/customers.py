"""Customers in the admin: the customer page with its consent, segments, occasions and history, and the
button that recomputes tiers and lifecycle stages."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.access import JSON, personal_data_file, personal_data_response
from customers.admin.erasure import CustomerErasureMixin
from customers.admin.imports import CustomerImportExportMixin
from customers.admin.profile360 import CustomerProfileMixin
from customers.events import customer_saved
from customers.models import (
    Consent,
    ConsentChannel,
    ConsentEvent,
    ConsentSource,
    Customer,
    CustomerHistory,
    Occasion,
    ProductRecommendation,
    SegmentMembership,
)
from customers.selectors import customer_value_explained, suppressed_among
from customers.services import consent_set
from emarketing.admin_rows import FirstRowsFormSet
from emarketing.admin_tools import BigTableAdminMixin, BilingualSearchMixin, RecentValuesListFilter
from emarketing.contacts import EmailAddressField


class OccasionInline(admin.TabularInline):
    model = Occasion
    extra = 0
    fields = ("kind", "label", "month", "day", "year")


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False
    formset = FirstRowsFormSet  # the newest rows only: each of these inlines lists its newest first

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ConsentInline(ReadOnlyInline):
    model = Consent
    fields = readonly_fields = ("channel", "granted", "updated_at")
    verbose_name_plural = _("consent now (change it in the “Consent” section above)")


class ConsentEventInline(ReadOnlyInline):
    model = ConsentEvent
    fields = readonly_fields = ("occurred_at", "channel", "granted", "source", "recorded_by", "note")
    ordering = ("-occurred_at", "-id")


class SegmentMembershipInline(admin.TabularInline):
    model = SegmentMembership
    extra = 0
    fields = ("segment", "added_at")
    readonly_fields = ("added_at",)
    autocomplete_fields = ("segment",)


class CustomerHistoryInline(ReadOnlyInline):
    model = CustomerHistory
    fields = readonly_fields = ("changed_at", "attribute", "old_label", "new_label", "reason")
    ordering = ("-changed_at", "-id")

    @admin.display(description=_("from"))
    def old_label(self, obj):
        return obj.old_label

    @admin.display(description=_("to"))
    def new_label(self, obj):
        return obj.new_label


class ProductRecommendationInline(ReadOnlyInline):
    model = ProductRecommendation
    fk_name = "customer"
    fields = readonly_fields = ("product", "kind", "score", "because_of", "computed_at")
    ordering = ("-score",)


def _consent_field(channel):
    return forms.BooleanField(
        label=_("Consent: %(channel)s") % {"channel": channel.label},
        required=False,
        help_text=_("Changing this records who changed it and when."),
    )


CONSENT_FIELDS = {f"consent_{channel.value}": channel for channel in ConsentChannel}


class CustomerAdminFormBase(forms.ModelForm):
    class Meta:
        model = Customer
        fields = (
            "first_name",
            "last_name",
            "email",
            "phone",
            "preferred_language",
            "country",
            "region",
            "city",
            "time_zone",
            "acquisition_source",
            "at_risk",
            "referral_candidate",
            "suppressed",
            "notes",
        )
        # The address is checked and normalised by the field; the phone by Customer.clean(), which knows the
        # country a national number is read in.
        field_classes = {"email": EmailAddressField}
        widgets = {"phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "dir": "ltr"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = {}
        if self.instance.pk:
            current = dict(self.instance.consents.values_list("channel", "granted"))
        self.current_consent = current
        for name, channel in CONSENT_FIELDS.items():
            if name in self.fields:
                self.fields[name].initial = current.get(channel.value, False)


CustomerAdminForm = type(
    "CustomerAdminForm",
    (CustomerAdminFormBase,),
    {"__module__": __name__, **{name: _consent_field(channel) for name, channel in CONSENT_FIELDS.items()}},
)


@admin.register(Customer)
class CustomerAdmin(
    CustomerProfileMixin,
    CustomerErasureMixin,
    CustomerImportExportMixin,
    BilingualSearchMixin,
    BigTableAdminMixin,
    admin.ModelAdmin,
):
    form = CustomerAdminForm
    change_list_template = "customers/admin/customer_change_list.html"
    # Fits a 1366-pixel screen beside the filters: the e-mail and phone under the name, language and country as
    # their codes, so tier, lifecycle stage, satisfaction and "at risk" are seen without scrolling sideways.
    list_display = ("name", "language_and_country", "value_tier", "lifecycle_stage", "satisfaction", "at_risk")
    list_display_links = ("name",)
    list_filter = (
        "value_tier",
        "lifecycle_stage",
        "at_risk",
        "referral_candidate",
        "suppressed",
        "preferred_language",
        "acquisition_source",
        ("created_at", admin.DateFieldListFilter),
        "segments",
        ("erased_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("first_name", "last_name", "email", "phone")
    search_help_text = _("Name, e-mail or phone; Persian and Arabic spellings find each other.")
    # No date_hierarchy: its drill-down reads every customer's date on each view (0.56 s at 100,000 customers);
    # the "created" filter narrows by today, 7 days, this month or this year from the index instead.
    ordering = ("-id",)
    readonly_fields = (
        "value_tier",
        "lifecycle_stage",
        "value_explained",
        "satisfaction",
        "last_nps",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": (("first_name", "last_name"), ("email", "phone"), "preferred_language")}),
        (_("Where"), {"fields": (("country", "region", "city"), "time_zone")}),
        (_("Consent"), {"fields": tuple(CONSENT_FIELDS)}),
        (
            _("Value and relationship"),
            {
                "fields": (
                    ("value_tier", "lifecycle_stage"),
                    "value_explained",
                    ("satisfaction", "last_nps"),
                    # One a line: three help texts side by side ran together into one sentence.
                    "at_risk",
                    "referral_candidate",
                    "suppressed",
                    "acquisition_source",
                    "notes",
                    ("created_at", "updated_at"),
                )
            },
        ),
    )
    inlines = (
        OccasionInline,
        ConsentInline,
        ConsentEventInline,
        SegmentMembershipInline,
        CustomerHistoryInline,
        ProductRecommendationInline,
    )
    actions = ("refresh_profiles", "download_personal_data", "erase_selected")

    @admin.display(description=_("name"), ordering="last_name")
    def name(self, obj):
        if obj.erased_at is not None:
            return str(obj)
        contact = [value for value in (obj.email, obj.phone) if value]
        return format_html(
            '{}<span class="customer-contact">{}</span>',
            obj.full_name or str(obj),
            format_html_join(" ", '<bdi dir="ltr">{}</bdi>', ((value,) for value in contact)),
        )

    @admin.display(description=_("language"), ordering="preferred_language")
    def language_and_country(self, obj):
        return format_html(
            '<abbr title="{}">{}</abbr>{}',
            obj.get_preferred_language_display(),
            obj.preferred_language,
            f" · {obj.country}" if obj.country else "",
        )

    def autocomplete_label(self, obj):
        """A customer as the autocomplete lists them: name, e-mail and phone (each kept in its own direction)."""
        return obj.contact_label

    @admin.display(description=_("why this tier and stage"))
    def value_explained(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in customer_value_explained(customer=obj)))

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_recompute": self.has_change_permission(request)}
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        # A new address on the suppression list (a bounce, a complaint, an erased customer's) starts suppressed.
        if obj.email and (not change or "email" in form.changed_data) and suppressed_among([obj.email]):
            obj.suppressed = True
        super().save_model(request, obj, form, change)
        customer_saved(customer=obj, created=not change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        current = getattr(form, "current_consent", {})
        for name, channel in CONSENT_FIELDS.items():
            if name not in form.cleaned_data:
                continue
            wanted = bool(form.cleaned_data[name])
            if wanted != current.get(channel.value, False):  # nothing recorded counts as not given
                consent_set(
                    customer=form.instance,
                    channel=channel.value,
                    granted=wanted,
                    source=ConsentSource.ADMIN,
                    by=request.user,
                )

    @admin.action(
        description=_("Recompute value tier and lifecycle stage of the selected customers"), permissions=["change"]
    )
    def refresh_profiles(self, request, queryset):
        from customers.services import customers_refresh_profiles

        ids = list(queryset.values_list("pk", flat=True)[:10_000])
        reason = gettext("on demand by %(user)s") % {"user": request.user.get_username()}
        done = customers_refresh_profiles(customer_ids=ids, reason=reason)
        self.message_user(
            request,
            gettext("%(tiers)d tier changes and %(stages)d lifecycle changes.")
            % {"tiers": done.tiers.changed, "stages": done.stages.changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Download personal data (JSON)"), permissions=["export"])
    def download_personal_data(self, request, queryset):
        """A request for access by post or phone: everything held about one customer, in their language, as the
        preference centre gives it; needs the export permission, and is written in the customer's history."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        chosen = list(queryset.order_by()[:2])
        if len(chosen) != 1:
            self.message_user(request, gettext("Select one customer to download their data."), messages.WARNING)
            return None
        customer = chosen[0]
        with translation.override(customer.preferred_language):
            exported = personal_data_file(customer=customer, fmt=JSON)
        self.log_change(request, customer, gettext("Downloaded their personal data (JSON)."))
        return personal_data_response(exported)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "refresh-profiles/",
                self.admin_site.admin_view(self.refresh_all_view),
                name="{}_{}_refresh_profiles".format(*info),
            ),
            *super().get_urls(),
        ]

    def refresh_all_view(self, request):
        """The changelist button: recompute every customer's tier and stage in the background."""
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:customers_customer_changelist"))
        if not self.has_change_permission(request):
            raise PermissionDenied
        from customers.tasks import refresh_customer_profiles

        refresh_customer_profiles.delay_on_commit(  # type: ignore[attr-defined]  # a DjangoTask at run time; the stubs' shared_task gives a plain Task
            reason=gettext("on demand by %(user)s") % {"user": request.user.get_username()}
        )
        self.message_user(
            request, gettext("Value tiers and lifecycle stages are being recomputed for everyone."), messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:customers_customer_changelist"))


@admin.register(Occasion)
class OccasionAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("customer", "kind", "label", "month", "day", "year")
    list_filter = ("kind", ("month", RecentValuesListFilter))
    raw_id_fields = ("customer",)
    search_fields = ("customer__first_name", "customer__last_name", "customer__email", "label")
