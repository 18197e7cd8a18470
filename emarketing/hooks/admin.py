"""Webhooks in the admin: subscriptions (events chosen from the catalogue, the signing secret shown, turned back on,
a test event), and the delivery log with its filters and the replay of a delivery."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from emarketing.admin_tools import BigTableAdminMixin
from emarketing.hooks.bus import events
from emarketing.hooks.models import Delivery, DeliveryStatus, Subscription
from emarketing.hooks.services import (
    TEST_EVENT,
    delivery_replay,
    subscription_enable,
    subscription_save,
    subscription_send_test,
)
from emarketing.hooks.targets import url_problem


def _event_choices() -> list[tuple[str, str]]:
    return [(name, label) for name, label in events.choices() if name != TEST_EVENT]


class SubscriptionForm(forms.ModelForm):  # type: ignore[type-arg]
    url = forms.URLField(
        label=_("URL"), max_length=500, assume_scheme="https", help_text=_("Where each event is posted, as JSON.")
    )
    events = forms.MultipleChoiceField(
        label=_("events"), choices=_event_choices, widget=forms.CheckboxSelectMultiple, required=True
    )

    class Meta:
        model = Subscription
        fields = ["name", "url", "events", "owner", "active"]

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"])
        problem = url_problem(url, resolve=False)
        if problem:
            raise ValidationError(problem)
        return url


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = SubscriptionForm
    list_display = ("name", "url", "active", "consecutive_failures", "owner", "disabled_at")
    list_filter = ("active",)
    search_fields = ("name", "url")
    readonly_fields = ("secret", "consecutive_failures", "failing_since", "disabled_at", "disabled_reason")
    autocomplete_fields = ("owner",)
    actions = ("enable", "send_test")

    def get_fields(self, request: HttpRequest, obj: Subscription | None = None) -> Any:
        fields = ["name", "url", "events", "owner", "active"]
        if obj is not None:  # the secret is made when the subscription is saved, then shown here
            fields += ["secret", "consecutive_failures", "failing_since", "disabled_at", "disabled_reason"]
        return fields

    def save_model(self, request: HttpRequest, obj: Subscription, form: Any, change: bool) -> None:
        subscription_save(subscription=obj)

    @admin.action(description=_("Turn the selected subscriptions back on"), permissions=["change"])
    def enable(self, request: HttpRequest, queryset: "QuerySet[Subscription]") -> None:
        done = sum(subscription_enable(subscription=s) for s in queryset)
        self.message_user(
            request,
            ngettext("%(count)d subscription turned back on.", "%(count)d subscriptions turned back on.", done)
            % {"count": done},
            messages.SUCCESS,
        )

    @admin.action(description=_("Send a test event to the selected subscriptions"), permissions=["change"])
    def send_test(self, request: HttpRequest, queryset: "QuerySet[Subscription]") -> None:
        done = 0
        for subscription in queryset:
            subscription_send_test(subscription=subscription)
            done += 1
        self.message_user(
            request,
            ngettext(
                "A test event is on its way to %(count)d subscription.",
                "A test event is on its way to %(count)d subscriptions.",
                done,
            )
            % {"count": done},
            messages.SUCCESS,
        )

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:pk>/send-test/",
                self.admin_site.admin_view(self.send_test_view),
                name="{}_{}_send_test".format(*info),
            ),
            *super().get_urls(),
        ]

    def send_test_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The change page's button: one test event to this receiver."""
        subscription = get_object_or_404(Subscription, pk=pk)
        back = reverse("admin:hooks_subscription_change", args=[pk])
        if request.method != "POST":
            return HttpResponseRedirect(back)
        if not self.has_change_permission(request, subscription):
            raise PermissionDenied
        delivery = subscription_send_test(subscription=subscription)
        self.message_user(
            request,
            gettext("A test event is on its way; see delivery %(id)s in the delivery log.") % {"id": delivery.pk},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(back)

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> HttpResponse:
        context["can_send_test"] = self.has_change_permission(request, kwargs.get("obj"))
        return super().render_change_form(request, context, *args, **kwargs)


@admin.register(Delivery)
class DeliveryAdmin(BigTableAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "id",
        "subscription",
        "event_label",
        "key",
        "sequence",
        "status",
        "attempts",
        "last_status_code",
        "response_ms",
        "created_at",
        "delivered_at",
    )
    list_filter = ("status", "event", "subscription")
    list_select_related = ("subscription",)
    search_fields = ("=key", "=id")
    actions = ("replay",)
    readonly_fields = (
        "subscription",
        "event",
        "key",
        "sequence",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "last_status_code",
        "response_ms",
        "response_body",
        "last_error",
        "replay_of",
        "created_at",
        "delivered_at",
    )
    fields = readonly_fields

    @admin.display(description=_("event"), ordering="event")
    def event_label(self, obj: Delivery) -> str:
        return events.label(obj.event)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("hooks.replay_delivery"))

    @admin.action(description=_("Send the selected deliveries again"), permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: "QuerySet[Delivery]") -> None:
        done = skipped = 0
        for delivery in queryset.select_related("subscription")[:1000]:
            if delivery_replay(delivery=delivery) is None:
                skipped += 1
            else:
                done += 1
        self.message_user(
            request,
            ngettext("%(count)d delivery will be sent again.", "%(count)d deliveries will be sent again.", done)
            % {"count": done},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d delivery is still on its way and was left as it is.",
                    "%(count)d deliveries are still on their way and were left as they are.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


__all__ = ["DeliveryAdmin", "DeliveryStatus", "SubscriptionAdmin"]
