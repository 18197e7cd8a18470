"""The admin, named after the product, lists the stages in the order a customer walks through them, and shows dates
in the Solar Hijri calendar in Persian.

Staff sign in with user name, password and, once they have set up two-factor sign-in (or must), a code
(``emarketing.two_factor``); the audit log is read under "Audit log" (``emarketing.audit_admin``) and through
"History" on each logged row (``emarketing.audit_history``)."""

from collections.abc import Callable, Iterable
from functools import update_wrapper
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from emarketing.admin_rows import with_shared_row_inlines
from emarketing.admin_tools import with_jalali_dates, with_safe_date_hierarchy

_ModelT = TypeVar("_ModelT", bound=models.Model)

STAGE_ORDER = ["customers", "campaigns", "orders", "aftersales", "cycle"]


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """The admin's autocomplete, labelled by the target ``ModelAdmin``'s ``autocomplete_label(obj)`` where it has
    one (a customer with e-mail and phone, so that two of the same name can be told apart)."""

    def serialize_result(self, obj: models.Model, to_field_name: str) -> dict[str, Any]:
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = str(label(obj))
        return result


class CycleAdminSite(admin.AdminSite):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site_header = self.site_title = self.index_title = settings.PRODUCT_NAME
        # Made when the apps are ready (the admin autodiscovers), so the form's models can be imported here.
        from emarketing.two_factor.forms import SignInForm

        self.login_form = SignInForm
        self.login_template = "admin/two_factor/login.html"

    def register(
        self,
        model_or_iterable: type[_ModelT] | Iterable[type[_ModelT]],
        admin_class: "type[admin.ModelAdmin[_ModelT]] | None" = None,
        **options: Any,
    ) -> None:
        from emarketing.audit_history import with_audit_history

        # Every ModelAdmin of the site (the stages' and Django's own) shows dates the Persian way in Persian, its
        # date drill-down answers a date out of range as a bad lookup, its "History" shows the audit log, and its
        # inlines read their rows and choices once for all rows.
        admin_class = with_jalali_dates(
            with_safe_date_hierarchy(with_audit_history(with_shared_row_inlines(admin_class or admin.ModelAdmin)))
        )
        super().register(model_or_iterable, admin_class, **options)

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        # The admin carries the brand's name once one is written (the product's own name until then).
        from emarketing.brand.selectors import brand_values

        context = super().each_context(request)
        values = brand_values()
        if values is not None:
            from emarketing.brand.selectors import brand_in

            context["site_header"] = context["site_title"] = brand_in().name
        return context

    def autocomplete_view(self, request: HttpRequest) -> HttpResponse:
        return cast(HttpResponse, LabelledAutocompleteJsonView.as_view(admin_site=self)(request))  # a JsonResponse

    def has_permission(self, request: HttpRequest) -> bool:
        # A session that still owes a code, or a device, has no admin (the middleware sends it where it belongs).
        from emarketing.two_factor.policy import Standing, standing

        return super().has_permission(request) and standing(request) is Standing.SIGNED_IN

    def get_urls(self) -> list[URLResolver | URLPattern]:
        from emarketing.two_factor.views import two_factor_page

        return [path("two-factor/", self.staff_page(two_factor_page), name="two_factor"), *super().get_urls()]

    def staff_page(self, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        """A page of the admin that a staff member reaches with the password alone (``admin_view`` wants more)."""

        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            from emarketing.two_factor.policy import Standing, standing

            user: Any = request.user
            # A session that owes its code is not let in on the password alone (the middleware signs it out first).
            if not (user.is_active and user.is_staff) or standing(request) is Standing.MUST_VERIFY:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path(), reverse("admin:login", current_app=self.name))
            return view(request, self, *args, **kwargs)

        return update_wrapper(csrf_protect(never_cache(inner)), view)

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        apps = super().get_app_list(request, app_label)
        rank = {label: position for position, label in enumerate(STAGE_ORDER)}
        return sorted(apps, key=lambda app: rank.get(app["app_label"], len(rank)))


class CycleAdminConfig(AdminConfig):
    default_site = "emarketing.admin_site.CycleAdminSite"

    def ready(self) -> None:
        super().ready()  # autodiscovers every app's admin module
        from emarketing.audit_admin import install_audit_admin
        from emarketing.two_factor.admin import install_device_admins

        # The audit log and the two-factor devices, as this product shows them, in place of their packages' own.
        install_audit_admin(admin.site)
        install_device_admins(admin.site)
