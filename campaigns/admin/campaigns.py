"""Campaigns in the admin (status actions, progress, AIDA funnel, preview, test sends), creatives and topics."""

from collections.abc import Mapping
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseNotFound
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from campaigns import tokens
from campaigns.models import Campaign, CampaignStatus, CampaignStatusChange, Creative, CreativeKind, Topic
from campaigns.panels import campaign_panels
from campaigns.prestart import prestart_checks
from campaigns.selectors import aida_funnel, aida_funnel_by_segment, campaign_delivery_rates
from campaigns.services import campaign_cancel, campaign_pause, campaign_schedule, campaign_start
from campaigns.services.sending import campaign_preview, campaign_send_test, public_url
from emarketing.admin_tools import StatusChangeInline, run_for_each

from .content import CreativeContentInline
from .creative_editor import CreativeEditorMixin, DirectionalTextarea, preview_document
from .customer_pick import CustomerPickForm
from .experiments import ExperimentAdminMixin, ExperimentInline, VariantInline
from .send_page import CampaignSendPageMixin
from .sms import sms_estimate_html

HTTPS_URLS: "Mapping[type[models.Field[Any, Any]], Mapping[str, Any]]" = {models.URLField: {"assume_scheme": "https"}}


class CreativeInline(admin.StackedInline):
    model = Creative
    formfield_overrides = {**HTTPS_URLS, models.TextField: {"widget": DirectionalTextarea}}
    extra = 0
    show_change_link = True
    autocomplete_fields = ("topic",)
    fields = (
        ("kind", "language", "name"),
        "subject",
        "preheader",
        "html_body",
        "text_body",
        ("image", "alt_text"),
        ("target_url", "topic"),
        "for_variant",
    )


class CampaignStatusChangeInline(StatusChangeInline):
    model = CampaignStatusChange


@admin.register(Campaign)
class CampaignAdmin(ExperimentAdminMixin, CampaignSendPageMixin, admin.ModelAdmin):
    list_display = ("name", "channel", "status", "scheduled_at", "objective", "budget", "cost", "currency")
    list_select_related = ("objective",)
    list_filter = ("status", "channel", "occasion_kind", "segments")
    search_fields = ("name",)
    date_hierarchy = "scheduled_at"
    autocomplete_fields = ("objective", "products")
    filter_horizontal = ("segments",)
    readonly_fields = (
        "status",
        "started_at",
        "finished_at",
        "audience_built_at",
        "created_by",
        "delivery_rates",
        "aida_funnel_table",
        "tools",
        "experiment_summary",
        "sms_estimate",
        "prestart_warnings",
        "money",
    )
    fieldsets = (
        (None, {"fields": ("name", "objective", "channel", "sender", "segments", "occasion_kind", "products")}),
        (
            _("Schedule and money"),
            {
                "fields": (
                    ("scheduled_at", "ends_at"),
                    ("local_send_time", "send_time_per_customer"),
                    ("budget", "cost", "currency"),
                )
            },
        ),
        (_("Before it starts: capacity and budget"), {"fields": ("prestart_warnings",)}),
        (_("Money: cost, revenue and return on spend"), {"fields": ("money",)}),
        (_("A/B test"), {"fields": ("experiment_summary",)}),
        (
            _("Status"),
            {"fields": ("status", ("started_at", "finished_at", "audience_built_at"), "created_by", "tools")},
        ),
        (_("SMS: parts, encoding and cost before sending"), {"fields": ("sms_estimate",)}),
        (_("Delivery"), {"fields": ("delivery_rates",)}),
        (_("AIDA funnel"), {"fields": ("aida_funnel_table",)}),
    )
    inlines = (CreativeInline, VariantInline, ExperimentInline, CampaignStatusChangeInline)
    actions = ("schedule", "start_sending", "pause", "cancel", "send_test_to_me")

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("warnings"))
    def prestart_warnings(self, obj):
        if obj.pk is None or obj.status in (CampaignStatus.SENT, CampaignStatus.CANCELLED):
            return "—"
        found = prestart_checks.warnings(obj)
        if not found:
            return gettext(
                "None: the expected orders fit what can be supplied and shipped, and the budget fits its line."
            )
        return format_html(
            '<ul class="prestart-warnings">{}</ul>', format_html_join("", "<li>{}</li>", ((w,) for w in found))
        )

    def _warn_then(self, request, campaign, move):
        """Show the pre-start checks' warnings about ``campaign`` (they never block), then make the move."""
        for warning in prestart_checks.warnings(campaign):
            self.message_user(request, f"{campaign}: {warning}", messages.WARNING)
        return move(campaign)

    @admin.display(description=_("money"))
    def money(self, obj):
        return campaign_panels.render(obj) if campaign_panels else "—"

    @admin.display(description=_("SMS estimate"))
    def sms_estimate(self, obj):
        return sms_estimate_html(obj)

    @admin.display(description=_("bounces and complaints"))
    def delivery_rates(self, obj):
        if obj.pk is None:
            return "—"
        r = campaign_delivery_rates(campaign=obj)

        def percent(rate):
            return "—" if rate is None else f"{rate:.1%}"

        return format_html(
            '<div class="delivery-rates">{}: <strong>{}</strong> ({} {} · {} {}) · {}: <strong>{}</strong> ({}) · '
            "{}: {}</div>",
            gettext("bounce rate"),
            percent(r.bounce_rate),
            r.hard_bounces,
            gettext("hard"),
            r.soft_bounces,
            gettext("soft"),
            gettext("complaint rate"),
            percent(r.complaint_rate),
            r.complaints,
            gettext("handed to the mail server"),
            r.handed_over,
        )

    @admin.display(description=_("AIDA funnel"))
    def aida_funnel_table(self, obj):
        if obj.pk is None:
            return "—"
        funnels = [(gettext("All recipients"), aida_funnel(campaign_id=obj.pk))]
        names = dict(obj.segments.values_list("pk", "name"))
        for segment_id, funnel in aida_funnel_by_segment(campaign_id=obj.pk).items():
            funnels.append((names.get(segment_id, segment_id), funnel))
        header = format_html_join("", "<th>{}</th>", ((s.label,) for s in funnels[0][1].steps))
        rows = format_html_join(
            "",
            "<tr><th>{}</th>{}<td>{}</td></tr>",
            (
                (
                    name,
                    format_html_join(
                        "",
                        "<td>{}{}</td>",
                        (
                            (
                                s.customers,
                                "" if s.conversion is None else format_html(" <small>({}%)</small>", s.conversion),
                            )
                            for s in funnel.steps
                        ),
                    ),
                    funnel.proxy_opens,
                )
                for name, funnel in funnels
            ),
        )
        return format_html(
            '<table class="aida-funnel"><thead><tr><th></th>{}<th>{}</th></tr></thead><tbody>{}</tbody></table>'
            '<p class="help">{}</p>',
            header,
            gettext("Opened by a mail proxy"),
            rows,
            gettext(
                "Distinct customers at each step; in brackets the share of the step before. Opened by a mail proxy: "
                "delivered and fetched by the mailbox provider, no person known to have looked; not counted as "
                "attention. Opens and clicks by bots and scanners are never counted."
            ),
        )

    @admin.display(description=_("tools"))
    def tools(self, obj):
        if obj.pk is None:
            return "—"
        links = [
            (reverse("admin:campaigns_campaign_preview", args=[obj.pk]), gettext("Preview as a customer")),
            (reverse("admin:campaigns_campaign_send_test", args=[obj.pk]), gettext("Send a test to me")),
        ]
        html = format_html_join(" · ", '<a href="{}">{}</a>', links)
        banners = obj.creatives.filter(kind=CreativeKind.BANNER).only("pk", "name", "alt_text")
        snippets = []
        for creative in banners:
            url = public_url("campaigns:banner", tokens.banner_token(creative_id=creative.pk))
            code = (
                f'<iframe src="{url}" title="{escape(creative.alt_text or creative.name)}" '
                'width="468" height="60" style="border:0" loading="lazy"></iframe>'
            )
            snippets.append((gettext("Banner “%(name)s” for the website:") % {"name": creative.name}, code))
        if snippets:
            html += format_html_join("", '<p>{}<br><code class="banner-snippet">{}</code></p>', snippets)
        return html

    def get_urls(self):
        own = [
            path(
                "<int:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="campaigns_campaign_preview",
            ),
            path(
                "<int:object_id>/preview/document/",
                self.admin_site.admin_view(self.preview_document_view),
                name="campaigns_campaign_preview_document",
            ),
            path(
                "<int:object_id>/send-test/",
                self.admin_site.admin_view(self.send_test_view),
                name="campaigns_campaign_send_test",
            ),
        ]
        return own + super().get_urls()

    def _context(self, request, campaign, title):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": campaign,
            "campaign": campaign,
            "title": title,
        }

    def preview_view(self, request, object_id):
        """The e-mail as one customer would receive it, in their language (``?customer=<id>``, picked by name,
        e-mail or phone)."""
        campaign = get_object_or_404(Campaign, pk=object_id)
        if not self.has_view_permission(request, campaign):
            return redirect("admin:index")
        context = self._context(request, campaign, gettext("Preview as a customer"))
        form = CustomerPickForm(request.GET or None, request=request, site=self.admin_site)
        if form.is_valid():
            customer = form.cleaned_data["customer"]
            context["customer"] = customer
            try:
                context["rendered"] = campaign_preview(campaign=campaign, customer=customer)
            except ValidationError as exc:
                context["error"] = " ".join(exc.messages)
            url = reverse("admin:campaigns_campaign_preview_document", args=[campaign.pk])
            context["document_url"] = f"{url}?customer={customer.pk}"
        context["form"] = form
        return TemplateResponse(request, "campaigns/admin/preview.html", context)

    def preview_document_view(self, request, object_id):
        """The previewed e-mail alone, as the preview page frames it (its own styles, no script)."""
        campaign = get_object_or_404(Campaign, pk=object_id)
        if not self.has_view_permission(request, campaign):
            return redirect("admin:index")
        form = CustomerPickForm(request.GET, request=request, site=self.admin_site)
        if not form.is_valid():
            return HttpResponseNotFound()
        try:
            rendered = campaign_preview(campaign=campaign, customer=form.cleaned_data["customer"])
        except ValidationError:
            return HttpResponseNotFound()
        return preview_document(rendered)

    def send_test_view(self, request, object_id):
        """One copy to the marketer's own address, rendered for a customer they pick (or with sample data)."""
        campaign = get_object_or_404(Campaign, pk=object_id)
        if not self.has_change_permission(request, campaign):
            return redirect("admin:index")
        form = CustomerPickForm(
            request.POST if request.method == "POST" else None, request=request, site=self.admin_site, required=False
        )
        if request.method == "POST" and form.is_valid():
            customer = form.cleaned_data["customer"]
            try:
                campaign_send_test(campaign=campaign, to=request.user.email, customer=customer)
            except (ValidationError, OSError) as exc:
                msg = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, msg, messages.ERROR)
            else:
                self.message_user(
                    request, gettext("A test was sent to %(email)s.") % {"email": request.user.email}, messages.SUCCESS
                )
            return redirect("admin:campaigns_campaign_change", campaign.pk)
        context = self._context(request, campaign, gettext("Send a test to me"))
        context["email"] = request.user.email
        context["form"] = form
        return TemplateResponse(request, "campaigns/admin/send_test.html", context)

    @admin.action(description=_("Schedule the selected campaigns"), permissions=["change"])
    def schedule(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda campaign: self._warn_then(
                request, campaign, lambda c: campaign_schedule(campaign=c, by=request.user)
            ),
            lambda n: ngettext("%(n)d campaign scheduled.", "%(n)d campaigns scheduled.", n) % {"n": n},
        )

    @admin.action(description=_("Start or resume sending now"), permissions=["change"])
    def start_sending(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda campaign: self._warn_then(request, campaign, lambda c: campaign_start(campaign=c, by=request.user)),
            lambda n: ngettext("%(n)d campaign is sending.", "%(n)d campaigns are sending.", n) % {"n": n},
        )

    @admin.action(description=_("Pause the selected campaigns"), permissions=["change"])
    def pause(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda campaign: campaign_pause(campaign=campaign, by=request.user),
            lambda n: ngettext("%(n)d campaign paused.", "%(n)d campaigns paused.", n) % {"n": n},
        )

    @admin.action(description=_("Cancel the selected campaigns"), permissions=["change"])
    def cancel(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda campaign: campaign_cancel(campaign=campaign, by=request.user),
            lambda n: ngettext("%(n)d campaign cancelled.", "%(n)d campaigns cancelled.", n) % {"n": n},
        )

    @admin.action(description=_("Send a test of each to me"), permissions=["change"])
    def send_test_to_me(self, request, queryset):
        for campaign in queryset:
            try:
                campaign_send_test(campaign=campaign, to=request.user.email)
            except (ValidationError, OSError) as exc:
                msg = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{campaign}: {msg}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("%(campaign)s: a test was sent to %(email)s.")
                    % {"campaign": campaign, "email": request.user.email},
                    messages.SUCCESS,
                )


@admin.register(Creative)
class CreativeAdmin(CreativeEditorMixin, admin.ModelAdmin):
    change_form_template = "admin/campaigns/creative/change_form.html"
    formfield_overrides = HTTPS_URLS
    list_display = ("name", "campaign", "kind", "language", "topic", "created_at")
    list_filter = ("kind", "language", "topic")
    search_fields = ("name", "subject", "campaign__name")
    autocomplete_fields = ("campaign", "topic")
    date_hierarchy = "created_at"
    list_select_related = ("campaign", "topic")
    inlines = (CreativeContentInline,)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "name_fa", "name_ar", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
