"""Journeys in the admin: the journey page (trigger, re-entry, goal, steps, the graph with live counts, status
buttons, manual enrolment), the ready-made journeys to install, and read-only enrolments and journey e-mails."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.journeys.enrol import journey_enrol
from campaigns.journeys.graph import journey_svg
from campaigns.journeys.ready_made import READY_MADE, journey_install
from campaigns.journeys.registry import conditions, triggers
from campaigns.journeys.versions import journey_set_status, journey_steps_save, steps_check
from campaigns.models import (
    Enrolment,
    Journey,
    JourneyInbox,
    JourneyMessage,
    JourneyPassage,
    JourneyStatus,
    JourneyStatusChange,
    JourneyStep,
    JourneyVersion,
)
from campaigns.panels import journey_panels
from customers.models import Customer, Segment, SegmentMembership
from emarketing.admin_moves import StatusMove, StatusMovesMixin
from emarketing.admin_tools import BigTableAdminMixin, StatusChangeInline

MOST_CUSTOMERS_TYPED = 1000


class JourneyForm(forms.ModelForm):
    trigger = forms.ChoiceField(label=_("entry trigger"))
    goal = forms.ChoiceField(label=_("exit goal"), required=False)
    steps = forms.JSONField(
        label=_("steps"),
        required=False,
        help_text=_(
            'A list of steps, each {"key", "kind", "label", "params", "next"}; the first is where customers enter. '
            "Saving a journey that has customers makes a new version; those inside stay on theirs."
        ),
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100, "dir": "ltr"}),
    )
    enrol_segment = forms.ModelChoiceField(
        Segment.objects.all(), label=_("enrol the members of a segment"), required=False
    )
    enrol_customers = forms.CharField(
        label=_("enrol customers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
        help_text=_("E-mail addresses or customer numbers, one a line (at most 1,000)."),
    )

    class Meta:
        model = Journey
        fields = ("name", "trigger", "trigger_params", "reentry", "reentry_days", "goal", "goal_params")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        trigger, goal = self.fields["trigger"], self.fields["goal"]
        assert isinstance(trigger, forms.ChoiceField) and isinstance(goal, forms.ChoiceField)
        trigger.choices = triggers.choices()
        goal.choices = [("", "—"), *conditions.choices()]
        version = self.instance.current_version() if self.instance.pk else None
        if version is not None:
            self.fields["steps"].initial = [
                {"key": s.key, "kind": s.kind, "label": s.label, "params": s.params, "next": s.next}
                for s in version.steps.order_by("position", "id")
            ]

    def clean_enrol_customers(self) -> list[int]:
        lines = [line.strip() for line in self.cleaned_data.get("enrol_customers", "").splitlines() if line.strip()]
        if len(lines) > MOST_CUSTOMERS_TYPED:
            raise ValidationError(gettext("At most 1,000 a time; enrol a segment for more."))
        numbers = [int(line) for line in lines if line.isdigit()]
        addresses = [line.lower() for line in lines if not line.isdigit()]
        found = Customer.objects.filter(pk__in=numbers) | Customer.objects.filter(email__in=addresses)
        return list(found.values_list("pk", flat=True))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            if data.get("trigger"):
                triggers.get(data["trigger"]).check(data.get("trigger_params") or {})
            if data.get("goal"):
                conditions.get(data["goal"]).check(data.get("goal_params") or {})
            steps = data.get("steps")
            if steps:
                if not isinstance(steps, list) or not all(isinstance(step, dict) for step in steps):
                    raise ValidationError(gettext("The steps are a list of objects."))
                steps_check(steps, str(steps[0].get("key") or ""))
        except ValidationError as error:
            raise ValidationError(error.messages) from error
        enrolling = data.get("enrol_segment") or data.get("enrol_customers")
        if enrolling and self.instance.status != JourneyStatus.LIVE:
            self.add_error(None, gettext("Only a live journey takes customers in."))
        return data


class JourneyStatusChangeInline(StatusChangeInline):
    model = JourneyStatusChange


class JourneyVersionInline(admin.TabularInline):
    """The versions, newest first: customers inside stay on the version they entered."""

    model = JourneyVersion
    fields = ("number", "first_step", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Journey)
class JourneyAdmin(StatusMovesMixin, admin.ModelAdmin):
    form = JourneyForm
    change_form_template = "admin/campaigns/journey/change_form.html"
    list_display = ("name", "status", "trigger_label", "reentry", "goal", "template", "updated_at")
    list_filter = ("status", "trigger", "reentry")
    search_fields = ("name",)
    readonly_fields = ("status", "graph", "money")
    inlines = (JourneyVersionInline, JourneyStatusChangeInline)
    fieldsets = (
        (None, {"fields": ("name", "status")}),
        (_("Entry"), {"fields": ("trigger", "trigger_params", ("reentry", "reentry_days"))}),
        (_("Exit goal"), {"fields": ("goal", "goal_params")}),
        (_("Steps"), {"fields": ("graph", "steps")}),
        (_("Manual enrolment"), {"fields": ("enrol_segment", "enrol_customers")}),
        (_("Money: cost, revenue and return on spend"), {"fields": ("money",)}),
    )
    status_moves = (
        StatusMove(
            JourneyStatus.LIVE,
            _("Go live"),
            lambda journey, user: journey_set_status(journey=journey, status=JourneyStatus.LIVE, by=user),
            _("The journey is live."),
        ),
        StatusMove(
            JourneyStatus.PAUSED,
            _("Pause"),
            lambda journey, user: journey_set_status(journey=journey, status=JourneyStatus.PAUSED, by=user),
            _("Paused: customers inside wait where they are."),
        ),
        StatusMove(
            JourneyStatus.ARCHIVED,
            _("Archive"),
            lambda journey, user: journey_set_status(journey=journey, status=JourneyStatus.ARCHIVED, by=user),
            _("Archived."),
            danger=True,
        ),
    )

    @admin.display(description=_("entry trigger"), ordering="trigger")
    def trigger_label(self, obj: Journey) -> str:
        spec = triggers.specs.get(obj.trigger)
        return str(spec.label) if spec else obj.trigger

    @admin.display(description=_("money"))
    def money(self, obj: Journey) -> str:
        return journey_panels.render(obj) if journey_panels else "—"

    @admin.display(description=_("graph"))
    def graph(self, obj: Journey) -> str:
        version = obj.current_version() if obj.pk else None
        if version is None:
            return gettext("No steps yet.")
        return journey_svg(version=version)

    def save_model(self, request: HttpRequest, obj: Journey, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        steps = form.cleaned_data.get("steps")
        if steps and "steps" in form.changed_data:
            version = journey_steps_save(journey=obj, steps=steps)
            self.message_user(request, gettext("Steps saved as version %(n)s.") % {"n": version.number})
        segment = form.cleaned_data.get("enrol_segment")
        typed = form.cleaned_data.get("enrol_customers") or []
        entered = 0
        if segment is not None:
            members = SegmentMembership.objects.filter(segment=segment).values("customer_id")
            entered += journey_enrol(journey=obj, customers=members)
        if typed:
            entered += journey_enrol(journey=obj, customers=typed)
        if segment is not None or typed:
            self.message_user(request, gettext("%(n)s customers entered the journey.") % {"n": entered})

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "ready-made/",
                self.admin_site.admin_view(self.ready_made_view),
                name="campaigns_journey_ready_made",
            )
        ]
        return own + super().get_urls()

    def ready_made_view(self, request: HttpRequest) -> HttpResponse:
        """The ready-made journeys, each with a button that installs it as a draft."""
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:campaigns_journey_changelist"))
        installed = set(Journey.objects.exclude(template="").values_list("template", flat=True))
        if request.method == "POST":
            code = request.POST.get("code", "")
            if code not in {item.code for item in READY_MADE}:
                return HttpResponseNotAllowed(["POST"])
            journey = journey_install(code=code)
            self.message_user(request, gettext("Installed as a draft: %(name)s.") % {"name": journey}, messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:campaigns_journey_change", args=[journey.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Ready-made journeys"),
            "opts": self.opts,
            "items": [(item, item.code in installed) for item in READY_MADE],
        }
        return TemplateResponse(request, "admin/campaigns/journey/ready_made.html", context)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class JourneyStepInline(admin.TabularInline):
    model = JourneyStep
    fields = ("position", "key", "kind", "label", "params", "next")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(JourneyVersion)
class JourneyVersionAdmin(ReadOnly):
    """A version and its steps as they were saved (steps are edited on the journey's page)."""

    list_display = ("journey", "number", "first_step", "created_at")
    list_filter = ("journey",)
    inlines = (JourneyStepInline,)


@admin.register(JourneyPassage)
class JourneyPassageAdmin(BigTableAdminMixin, ReadOnly):
    list_display = ("id", "enrolment", "step", "at")
    raw_id_fields = ("enrolment",)
    list_select_related = ("step", "enrolment__version__journey")


@admin.register(Enrolment)
class EnrolmentAdmin(BigTableAdminMixin, ReadOnly):
    list_display = ("id", "journey", "customer", "step", "state", "due_at", "entered_at")
    list_filter = ("state", "journey")
    search_fields = ("=customer__email",)
    # The version and its journey: each row's name (read out by the row's checkbox) says them.
    list_select_related = ("journey", "customer", "step", "version__journey")
    raw_id_fields = ("customer",)


@admin.register(JourneyInbox)
class JourneyInboxAdmin(ReadOnly):
    """Events journeys have still to hear: normally empty, since each is heard once its change has committed; what
    stays here is heard by the next tick."""

    list_display = ("id", "name", "key", "created_at")
    list_filter = ("name",)


@admin.register(JourneyMessage)
class JourneyMessageAdmin(BigTableAdminMixin, ReadOnly):
    list_display = ("id", "customer", "campaign", "step", "status", "sent_at", "error")
    list_filter = ("status",)
    search_fields = ("=customer__email",)
    list_select_related = ("customer", "campaign", "step")
