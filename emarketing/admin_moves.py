"""Buttons for status moves on an object's own page.

A ``ModelAdmin`` of a model with a status machine (``emarketing.workflow``) lists its moves in ``status_moves``:
each names the status it leads to, its button's label and the service that makes it (the same service the list
action calls). The change page then shows a button for each move the model's ``TRANSITIONS`` allow from the
object's current status, to users who may change the object. Each button is a small POST form (with its CSRF
token) outside the change form; the view behind it checks the permission and the table again, so a forged POST of
a move not offered changes nothing.
"""

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    _User = AbstractBaseUser | AnonymousUser
    _AdminBase = admin.ModelAdmin[Any]
else:
    _AdminBase = object


@dataclass(frozen=True)
class StatusMove:
    """One button: the status it leads to, its label, the service call, and what to say when it moved."""

    to_status: str
    label: str | Promise
    call: "Callable[[Any, _User], object]"
    done: str | Promise
    danger: bool = False


class StatusMovesMixin(_AdminBase):
    """Buttons for the moves the transition table allows, on the object's page (a ``ModelAdmin`` mixin)."""

    status_moves: Sequence[StatusMove] = ()
    status_field = "status"
    change_form_template = "admin/status_moves/change_form.html"

    def status_moves_for(self, request: HttpRequest, obj: models.Model | None) -> list[StatusMove]:
        """The moves offered on ``obj``'s page: allowed from its status, to a user who may change it."""
        if obj is None or obj.pk is None or not self.has_change_permission(request, obj):
            return []
        transitions: Mapping[str, Collection[str]] = getattr(type(obj), "TRANSITIONS", {})
        allowed = transitions.get(getattr(obj, self.status_field), set())
        return [move for move in self.status_moves if move.to_status in allowed]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: models.Model | None = None,
    ) -> HttpResponse:
        info = self.opts.app_label, self.opts.model_name
        moves = self.status_moves_for(request, obj)
        context["status_moves"] = [
            (move, reverse("admin:{}_{}_move".format(*info), args=[obj.pk, move.to_status]))
            for move in moves
            if obj is not None
        ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "<path:object_id>/move/<str:to_status>/",
                self.admin_site.admin_view(self.status_move_view),
                name="{}_{}_move".format(*info),
            )
        ]
        return own + super().get_urls()

    def status_move_view(self, request: HttpRequest, object_id: str, to_status: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None:  # not there, or not the user's to see (an agent's view of another agent's order)
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        page = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
        move = next((m for m in self.status_moves_for(request, obj) if m.to_status == to_status), None)
        if move is None:
            field = obj._meta.get_field(self.status_field)
            current = dict(getattr(field, "choices", None) or ()).get(getattr(obj, self.status_field))
            self.message_user(
                request,
                gettext("%(object)s cannot make that move from “%(status)s”; nothing was changed.")
                % {"object": obj, "status": current or getattr(obj, self.status_field)},
                messages.ERROR,
            )
            return HttpResponseRedirect(page)
        try:
            moved = move.call(obj, request.user)
        except ValidationError as error:
            self.message_user(request, f"{obj}: {' '.join(error.messages)}", messages.ERROR)
        else:
            if moved is False:
                self.message_user(request, gettext("%(object)s: nothing to do.") % {"object": obj}, messages.INFO)
            else:
                self.message_user(request, f"{obj}: {move.done}", messages.SUCCESS)
        return HttpResponseRedirect(page)
