from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from campaigns import tokens
from campaigns.agents import AgentKind
from campaigns.models import (
    DKIM_PUBLISHED_STATUSES,
    TOUCH_KIND_STEP,
    Campaign,
    CampaignStatusChange,
    Creative,
    CreativeKind,
    DeliveryReport,
    DkimKey,
    DkimKeyStatus,
    DkimKeyStatusChange,
    Link,
    Message,
    OccasionOffer,
    Sender,
    SendingDomain,
    Topic,
    TopicInterest,
    Touch,
    ascii_domain,
)
from campaigns.selectors import (
    aida_funnel,
    aida_funnel_by_segment,
    campaign_delivery_rates,
    campaign_progress,
    sending_domain_dns_records,
)
from campaigns.services import campaign_cancel, campaign_pause, campaign_schedule, campaign_start, touch_record
from campaigns.services.domains import (
    dkim_key_activate,
    dkim_key_check_published,
    dkim_key_problem,
    dkim_key_rotate,
    sending_domain_create,
)
from campaigns.services.sending import campaign_preview, campaign_send_test, public_url
from customers.models import Customer
from emarketing.admin_tools import BigTableAdminMixin, StatusChangeInline, run_for_each

HTTPS_URLS: "Mapping[type[models.Field[Any, Any]], Mapping[str, Any]]" = {models.URLField: {"assume_scheme": "https"}}


class CreativeInline(admin.StackedInline):
    model = Creative
    formfield_overrides = HTTPS_URLS
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
    )


class CampaignStatusChangeInline(StatusChangeInline):
    model = CampaignStatusChange


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
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
        "sending_progress",
        "delivery_rates",
        "aida_funnel_table",
        "tools",
    )
    fieldsets = (
        (None, {"fields": ("name", "objective", "channel", "sender", "segments", "occasion_kind", "products")}),
        (_("Schedule and money"), {"fields": (("scheduled_at", "ends_at"), ("budget", "cost", "currency"))}),
        (
            _("Status"),
            {"fields": ("status", ("started_at", "finished_at", "audience_built_at"), "created_by", "tools")},
        ),
        (_("Progress"), {"fields": ("sending_progress", "delivery_rates")}),
        (_("AIDA funnel"), {"fields": ("aida_funnel_table",)}),
    )
    inlines = (CreativeInline, CampaignStatusChangeInline)
    actions = ("schedule", "start_sending", "pause", "cancel", "send_test_to_me")

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("progress"))
    def sending_progress(self, obj):
        if obj.pk is None:
            return "—"
        p = campaign_progress(campaign_id=obj.pk)
        return format_html(
            '<div class="progress-summary"><strong>{}%</strong> — {}: {} · {}: {} · {}: {} · {}: {}</div>',
            p.percent_done,
            gettext("sent"),
            p.sent,
            gettext("failed"),
            p.failed,
            gettext("remaining"),
            p.remaining,
            gettext("recipients"),
            p.total,
        )

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
        """The e-mail as one customer would receive it, in their language (``?customer=<id>``)."""
        campaign = get_object_or_404(Campaign, pk=object_id)
        if not self.has_view_permission(request, campaign):
            return redirect("admin:index")
        context = self._context(request, campaign, gettext("Preview as a customer"))
        customer_id = request.GET.get("customer", "").strip()
        if customer_id.isdigit():
            customer = Customer.objects.filter(pk=int(customer_id)).first()
            context["customer"] = customer
            if customer is None:
                context["error"] = gettext("No customer with that number.")
            else:
                try:
                    context["rendered"] = campaign_preview(campaign=campaign, customer=customer)
                except ValidationError as exc:
                    context["error"] = " ".join(exc.messages)
        context["customer_id"] = customer_id
        return TemplateResponse(request, "campaigns/admin/preview.html", context)

    def send_test_view(self, request, object_id):
        campaign = get_object_or_404(Campaign, pk=object_id)
        if not self.has_change_permission(request, campaign):
            return redirect("admin:index")
        if request.method == "POST":
            try:
                campaign_send_test(campaign=campaign, to=request.user.email)
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
        return TemplateResponse(request, "campaigns/admin/send_test.html", context)

    @admin.action(description=_("Schedule the selected campaigns"))
    def schedule(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda campaign: campaign_schedule(campaign=campaign, by=request.user),
            lambda n: ngettext("%(n)d campaign scheduled.", "%(n)d campaigns scheduled.", n) % {"n": n},
        )

    @admin.action(description=_("Start or resume sending now"))
    def start_sending(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda campaign: campaign_start(campaign=campaign, by=request.user),
            lambda n: ngettext("%(n)d campaign is sending.", "%(n)d campaigns are sending.", n) % {"n": n},
        )

    @admin.action(description=_("Pause the selected campaigns"))
    def pause(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda campaign: campaign_pause(campaign=campaign, by=request.user),
            lambda n: ngettext("%(n)d campaign paused.", "%(n)d campaigns paused.", n) % {"n": n},
        )

    @admin.action(description=_("Cancel the selected campaigns"))
    def cancel(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda campaign: campaign_cancel(campaign=campaign, by=request.user),
            lambda n: ngettext("%(n)d campaign cancelled.", "%(n)d campaigns cancelled.", n) % {"n": n},
        )

    @admin.action(description=_("Send a test of each to me"))
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
class CreativeAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ("name", "campaign", "kind", "language", "topic", "created_at")
    list_filter = ("kind", "language", "topic")
    search_fields = ("name", "subject", "campaign__name")
    autocomplete_fields = ("campaign", "topic")
    date_hierarchy = "created_at"
    list_select_related = ("campaign", "topic")


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(TopicInterest)
class TopicInterestAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("customer", "topic", "created_at")
    list_filter = ("topic",)
    search_fields = ("=customer__email", "topic__name")
    autocomplete_fields = ("customer", "topic")
    list_select_related = ("customer", "topic")


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ("url", "campaign", "created_at")
    search_fields = ("url", "campaign__name")
    autocomplete_fields = ("campaign",)
    list_select_related = ("campaign",)

    def get_readonly_fields(self, request, obj=None):
        # A sent link must keep its address: clicks already out there redirect to it.
        return ("campaign", "url", "created_at") if obj else ()


@admin.register(Message)
class MessageAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("id", "campaign", "customer", "status", "attempts", "sent_at", "error")
    list_filter = ("status", ("sent_at", admin.DateFieldListFilter))
    search_fields = ("=customer__email",)
    autocomplete_fields = ("campaign", "customer", "creative")
    readonly_fields = ("claim", "claimed_at", "attempts", "error", "sent_at", "next_attempt_at")
    list_select_related = ("campaign", "customer")
    # No date_hierarchy: its date drill-down reads the whole table; the sent-at filter only narrows it.


@admin.register(Touch)
class TouchAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("occurred_at", "step", "kind", "source", "customer", "campaign", "agent")
    list_filter = ("step", "kind", "source", "agent", ("occurred_at", admin.DateFieldListFilter))
    search_fields = ("=customer__email", "=campaign__name")
    autocomplete_fields = ("customer", "campaign", "creative")
    readonly_fields = ("step",)
    list_select_related = ("customer", "campaign")
    fields = (
        ("kind", "step", "source"),
        ("customer", "campaign", "creative"),
        "occurred_at",
        "detail",
        ("user_agent", "referrer"),
        "agent",
    )

    def get_readonly_fields(self, request, obj=None):
        # An offline contact entered here is a person's; a recorded touch may be corrected (a scanner missed).
        return self.readonly_fields if obj is not None else (*self.readonly_fields, "agent")

    def save_model(self, request, obj, form, change):
        """Offline contacts (phone, letters, visits) are entered here, through the same service as the web."""
        if change:
            obj.step = TOUCH_KIND_STEP[obj.kind]
            obj.is_automated = obj.agent != AgentKind.PERSON
            super().save_model(request, obj, form, change)
            return
        touch = touch_record(
            kind=obj.kind,
            source=obj.source,
            customer=obj.customer,
            campaign=obj.campaign,
            creative=obj.creative,
            occurred_at=obj.occurred_at,
            user_agent=obj.user_agent,
            referrer=obj.referrer,
            detail=obj.detail,
        )
        obj.pk, obj.step = touch.pk, touch.step


@admin.register(OccasionOffer)
class OccasionOfferAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("occasion", "customer", "campaign", "year", "status", "sent_at")
    list_filter = ("status", "year", "campaign")
    search_fields = ("=customer__email",)
    autocomplete_fields = ("customer", "campaign")
    raw_id_fields = ("occasion",)
    readonly_fields = ("attempts", "error", "sent_at")
    list_select_related = ("occasion", "customer", "campaign")


# --- Sending domains, DKIM keys and senders -------------------------------------------------------------------


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

    @admin.action(description=_("Make a new DKIM key (rotate) to publish beside the active one"))
    def rotate_key(self, request, queryset):
        for domain in queryset:
            key = dkim_key_rotate(domain=domain)
            self.message_user(
                request,
                gettext("%(domain)s: publish the TXT record of %(name)s (on the domain's page), then activate it.")
                % {"domain": domain, "name": str(key)},
                messages.SUCCESS,
            )

    @admin.action(description=_("Activate the pending key once its DNS record is published"))
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

    @admin.action(description=_("Check the DKIM records in DNS"))
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
