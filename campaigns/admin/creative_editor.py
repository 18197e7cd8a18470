"""The creative's page: its body written in a WYSIWYG editor (TinyMCE, bundled by django-tinymce) that writes right
to left for Persian and Arabic, a "Personalise" menu of the template's fields, and the e-mail previewed for a
customer at desktop and phone widths side by side.

The editor runs under the admin's strict Content-Security-Policy unchanged: TinyMCE's scripts, skins and
translations are static files of our own origin, its configuration travels as JSON in a data attribute, and the
script that sets it up is a static file too. The previews are the one place whose policy differs: each is its own
document (``preview_document``), framed by our pages only, sandboxed, with no script at all, where the e-mail's
own ``<style>`` blocks (the media queries that stack it on a phone) may apply.
"""

import json
from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminTextareaWidget
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import escape
from django.utils.translation import get_language, gettext
from tinymce.widgets import AdminTinyMCE

from campaigns.models import Creative, CreativeKind
from campaigns.services.sending import RTL_LANGUAGES, Rendered, creative_preview
from campaigns.templating import PERSONALISATION_FIELDS
from customers.models import Language
from emarketing.csp import policy_replace

from .customer_pick import CustomerPickForm

# The admin languages TinyMCE has a translation of (its langs/ folder); any other gets its English interface.
EDITOR_LANGUAGES = {"fa": "fa", "ar": "ar"}
# The preview widths, in CSS pixels: a desktop mail client's reading pane, a phone.
PREVIEW_WIDTHS = (("desktop", 600), ("mobile", 375))

EDITOR_CONFIG: dict[str, Any] = {
    # TinyMCE 7 is under the GPL (version 2 or later); "gpl" is how it is told so, with no key to look up.
    "license_key": "gpl",
    "height": 460,
    "menubar": False,
    "toolbar_mode": "wrap",
    "promotion": False,
    "branding": False,
    "browser_spellcheck": True,
    "plugins": "autolink,code,directionality,link,lists,table",
    "toolbar": (
        "undo redo | blocks | bold italic underline forecolor | alignleft aligncenter alignright | ltr rtl | "
        "bullist numlist | link table | personalise | removeformat code"
    ),
    # Addresses stay exactly as written: a template variable in a link ({{ unsubscribe_url }}) is neither made
    # relative, nor prefixed, nor encoded.
    "convert_urls": False,
    "relative_urls": False,
    "remove_script_host": False,
    "link_default_protocol": "https",
    # Persian, Arabic and template braces as they are, not as entities.
    "entity_encoding": "raw",
    # No inline <style> in the editing frame (the policy refuses those without the nonce): the content's look
    # comes from the skin's own stylesheet, a static file.
    "content_css": "default",
    "setup": "emarketingCreativeEditorSetup",
}


class CreativeBodyEditor(AdminTinyMCE):
    """The HTML body in TinyMCE: the interface in the admin's language, the text in the creative's direction."""

    def __init__(self, *, content_language: str = Language.ENGLISH) -> None:
        super().__init__(content_language=content_language, mce_attrs=dict(EDITOR_CONFIG))

    def get_mce_config(self, attrs: dict[str, Any]) -> dict[str, Any]:
        config = super().get_mce_config(attrs)
        config.pop("language", None)
        language = EDITOR_LANGUAGES.get((get_language() or "")[:2])
        if language:
            config["language"] = language
        config["directionality"] = "rtl" if self.content_language in RTL_LANGUAGES else "ltr"
        return config

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        fields = [
            {"expression": expression, "label": str(label), "link": link}
            for expression, label, link in PERSONALISATION_FIELDS
        ]
        attrs = {
            **(attrs or {}),
            "data-personalisation": json.dumps(fields, ensure_ascii=False),
            "data-personalise-label": gettext("Personalise"),
            "data-rtl-languages": " ".join(sorted(RTL_LANGUAGES)),
        }
        return super().render(name, value, attrs, renderer)

    @property
    def media(self) -> forms.Media:
        # The setup function is defined before django-tinymce's own script starts the editors.
        return forms.Media(js=["js/creative_editor.js"], css={"all": ["css/creative_editor.css"]}) + super().media


def preview_document(rendered: Rendered) -> HttpResponse:
    """A rendered e-mail as a page of its own, for the previews' frames: framed by our own pages only, sandboxed
    (no script, no form, an origin of its own), its images from anywhere on https, its own styles allowed."""
    response = HttpResponse(rendered.html)
    response["X-Frame-Options"] = "SAMEORIGIN"
    return policy_replace(
        response,
        {
            "default-src": ["'none'"],
            "script-src": None,
            "style-src": ["'unsafe-inline'"],
            "style-src-attr": None,
            "img-src": ["data:", "https:", "'self'"],
            "form-action": ["'none'"],
            "frame-ancestors": ["'self'"],
            "sandbox": [""],
        },
    )


class CreativeEditorMixin:
    """For ``CreativeAdmin``: the editor on the body, the previews under the form (its change form template,
    ``admin/campaigns/creative/change_form.html``) and the page each preview frames."""

    admin_site: Any
    model: type[Creative]

    def get_form(self, request: HttpRequest, obj: Creative | None = None, change: bool = False, **kwargs: Any):
        language = obj.language if obj is not None else Language.ENGLISH
        kwargs["widgets"] = {**kwargs.get("widgets", {}), "html_body": CreativeBodyEditor(content_language=language)}
        return super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]

    def get_urls(self):
        own = [
            path(
                "<int:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="campaigns_creative_preview",
            ),
        ]
        return own + super().get_urls()  # type: ignore[misc]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        extra_context = {**(extra_context or {}), **self._previews(request, object_id)}
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any):
        if context.get("preview_form") is not None:
            context["media"] = context["media"] + context["preview_form"].media
        return super().render_change_form(request, context, *args, **kwargs)  # type: ignore[misc]

    def _previews(self, request: HttpRequest, object_id: str) -> dict[str, Any]:
        """The preview section's context: the customer picker and, once one is picked, the frames' addresses."""
        creative = Creative.objects.filter(pk=object_id, kind=CreativeKind.EMAIL).first()
        if creative is None:
            return {}
        form = CustomerPickForm(request.GET or None, request=request, site=self.admin_site)
        context: dict[str, Any] = {"preview_form": form}
        if form.is_valid():
            customer = form.cleaned_data["customer"]
            url = reverse("admin:campaigns_creative_preview", args=[creative.pk]) + f"?customer={customer.pk}"
            context["preview_customer"] = customer
            context["previews"] = [
                {"name": name, "width": width, "url": f"{url}&width={width}"} for name, width in PREVIEW_WIDTHS
            ]
        return context

    def preview_view(self, request: HttpRequest, object_id: int) -> HttpResponseBase:
        """The e-mail of this creative as ``?customer=<id>`` would receive it, as a document for the frames."""
        creative = get_object_or_404(Creative.objects.select_related("campaign__sender"), pk=object_id)
        if not self.has_view_permission(request, creative):  # type: ignore[attr-defined]
            return redirect("admin:index")
        form = CustomerPickForm(request.GET, request=request, site=self.admin_site)
        if not form.is_valid():
            return HttpResponse(status=404)
        try:
            rendered = creative_preview(creative=creative, customer=form.cleaned_data["customer"])
        except ValidationError as exc:
            rendered = Rendered(subject="", html=escape(" ".join(exc.messages)), text="")
        return preview_document(rendered)


class DirectionalTextarea(AdminTextareaWidget):
    """A plain textarea whose text runs in the direction of what is typed into it (the creatives inline)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"dir": "auto", **(attrs or {})})
