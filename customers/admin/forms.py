"""Capture forms in the admin: the form (fields from an allowed list, channels, double opt-in), its texts and consent
wordings per language, a preview and the snippet to paste in the shop; submissions, read only."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from customers.models import (
    CaptureForm,
    CaptureFormText,
    ConsentChannel,
    FormConsentWording,
    FormDaily,
    FormField,
    FormSubmission,
    Language,
)
from emarketing.admin_tools import BigTableAdminMixin


class CaptureFormAdminForm(forms.ModelForm):
    class Meta:
        model = CaptureForm
        fields = ("name", "slug", "active", "fields", "channels", "double_opt_in", "proof_of_work")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Check boxes from the allowed lists (the model keeps the chosen codes as a JSON list).
        self.fields["fields"] = forms.MultipleChoiceField(
            label=_("fields asked"),
            choices=FormField.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("Every form asks the first name and the e-mail address."),
        )
        self.fields["channels"] = forms.MultipleChoiceField(
            label=_("consent asked for"),
            choices=ConsentChannel.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("One box per channel, labelled with its wording in the visitor's language (below)."),
        )


class CaptureFormTextInline(admin.StackedInline):
    model = CaptureFormText
    extra = 0
    min_num = 1
    fields = ("language", "title", "intro", "thank_you")


class FormConsentWordingInline(admin.TabularInline):
    model = FormConsentWording
    extra = 0
    fields = ("language", "channel", "text")


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


@admin.register(CaptureForm)
class CaptureFormAdmin(admin.ModelAdmin):
    form = CaptureFormAdminForm
    list_display = ("name", "slug", "active", "double_opt_in", "proof_of_work")
    list_filter = ("active", "double_opt_in")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("preview", "embed_snippet")
    inlines = (CaptureFormTextInline, FormConsentWordingInline)
    fieldsets = (
        (None, {"fields": ("name", "slug", "active")}),
        (_("What it asks"), {"fields": ("fields", "channels", "double_opt_in", "proof_of_work")}),
        (_("Preview and embedding"), {"fields": ("preview", "embed_snippet")}),
    )

    @admin.display(description=_("preview"))
    def preview(self, obj: CaptureForm) -> str:
        if obj.pk is None:
            return str(_("Save the form to preview it."))
        links = format_html_join(
            " · ",
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            ((f"{obj.get_absolute_url()}?lang={code}", label) for code, label in Language.choices),
        )
        return format_html(
            '<p>{}</p><iframe src="{}?embed=1" title="{}" style="width:100%;max-width:40rem;height:32rem;border:1px '
            'solid #ccc"></iframe>',
            links,
            obj.get_absolute_url(),
            obj.name,
        )

    @admin.display(description=_("embed in the shop"))
    def embed_snippet(self, obj: CaptureForm) -> str:
        if obj.pk is None:
            return ""
        script = f'<script src="{_site(settings.STATIC_URL + "js/emk-form.js")}" data-form="{obj.slug}" async></script>'
        frame = (
            f'<iframe src="{_site(obj.get_absolute_url())}?embed=1" title="{obj.name}" '
            'style="width:100%;height:40rem;border:0"></iframe>'
        )
        return format_html(
            "<p>{}</p><textarea readonly rows=2 cols=100 dir=ltr>{}</textarea><p>{}</p>"
            "<textarea readonly rows=2 cols=100 dir=ltr>{}</textarea><p>{}</p>",
            _("A script tag (the frame grows with the form, in the page's language; data-lang chooses one):"),
            script,
            _("Or a plain frame, without script:"),
            frame,
            _("The shop's address must be in WEBSITE_ALLOWED_ORIGINS for it to frame the form."),
        )


@admin.register(FormSubmission)
class FormSubmissionAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """What visitors sent, and when they confirmed it: kept as the record of their consent, never edited."""

    list_display = ("id", "form", "email", "language", "lead_created", "created_at", "confirmed_at")
    list_filter = ("form", "lead_created", "language")
    list_select_related = ("form",)
    search_fields = ("=email",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "form",
        "customer",
        "lead_created",
        "email",
        "language",
        "data",
        "channels",
        "wordings",
        "ip",
        "created_at",
        "confirmed_at",
        "confirmed_ip",
    )
    exclude = ("nonce",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FormDaily)
class FormDailyAdmin(admin.ModelAdmin):
    """Each form's views, submissions and confirmations per day, as the pages count them (read only)."""

    list_display = ("day", "form", "views", "submissions", "confirmations")
    list_filter = ("form",)
    list_select_related = ("form",)
    date_hierarchy = "day"
    ordering = ("-day", "form")
    readonly_fields = ("form", "day", "views", "submissions", "confirmations")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
