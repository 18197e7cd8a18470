"""API keys in the admin: made with the scopes they need, the token shown once, revoked with an action."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from emarketing.api.models import ApiKey
from emarketing.api.scopes import resources
from emarketing.api.services import api_key_create, api_key_revoke, api_key_update


class ApiKeyForm(forms.ModelForm):  # type: ignore[type-arg]
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), required=False, widget=forms.CheckboxSelectMultiple, choices=resources.scope_choices
    )

    class Meta:
        model = ApiKey
        fields = ("name", "owner", "agent", "scopes", "rate_limit")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ApiKeyForm
    list_display = ("name", "prefix", "owner", "agent", "rate_limit", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix")
    raw_id_fields = ("owner", "agent")
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> Any:
        # Whom a key acts for is fixed when it is made: a new key for another owner or agent.
        return (*self.readonly_fields, "owner", "agent") if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            api_key_update(key=obj, name=data["name"], scopes=data["scopes"], rate_limit=data["rate_limit"])
            return
        key, token = api_key_create(
            name=data["name"],
            scopes=data["scopes"],
            owner=data.get("owner"),
            agent_id=data["agent"].pk if data.get("agent") else None,
            rate_limit=data["rate_limit"],
        )
        obj.pk = key.pk
        obj.prefix = key.prefix
        self.message_user(
            request,
            gettext("The key's token, shown this once (copy it now; only its hash is kept): %(token)s")
            % {"token": token},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        count = sum(api_key_revoke(key=key) for key in queryset)
        self.message_user(
            request, ngettext("%(count)d key revoked.", "%(count)d keys revoked.", count) % {"count": count}
        )
