"""The order history import in the admin: upload, preview with the column mapping, check again, apply.

``OrderAdmin`` inherits :class:`OrderHistoryImportMixin` first. The preview runs the whole import and rolls it
back; it lists every faulty row with its column, the columns not imported and the products the file names that
do not exist yet. Applying needs the signed token of a preview without errors and, when there are new products,
the box that creates them; a file of more than ``IMPORT_BACKGROUND_ROWS`` rows is applied by a background import job
(``customers.services.imports.jobs``) with a progress bar and a cancel.
"""

import itertools
import os
import uuid
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.models import ImportJob, ImportKind
from customers.selectors import import_presets_saved
from customers.services.imports import import_job_create, import_preset_save
from customers.services.imports.stored_files import import_preview_max_age
from emarketing.mapping_forms import ColumnMappingForm
from emarketing.tables import Preset, TableProblem, estimate_rows, read_table
from emarketing.uploads import check_upload_size
from orders.imports.columns import DATE_FIELDS, FIELDS, LABELS
from orders.imports.presets import PRESETS
from orders.imports.rows import suggest_columns
from orders.models import Order
from orders.services.history import UPLOAD_DIR, HistoryResult, order_history_import

SIGNING_SALT = "orders.history_import"
UPLOAD_SALT = "orders.history_import.upload"

if TYPE_CHECKING:
    _Base = admin.ModelAdmin[Order]
else:
    _Base = object


class OrderHistoryUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or Windows-1256) or Excel (.xlsx), one row per order line: a Shopify or WooCommerce orders "
            "export, or this product's template (order_number, email, phone, placed_at, status, sku, "
            "product_name, quantity, unit_price…)."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        check_upload_size(upload)
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm")):
            raise forms.ValidationError(_("Upload a .csv or an .xlsx file."))
        return upload


def _mapping_form(
    data: QueryDict | None,
    header: list[str],
    mapping: list[str],
    formats: dict[str, str],
    presets: list[Preset],
    preset: Preset | None,
) -> ColumnMappingForm:
    return ColumnMappingForm(
        data,
        header=header,
        mapping=mapping,
        fields=[(name, LABELS.get(name, name)) for name in FIELDS],
        date_fields=DATE_FIELDS,
        formats=formats,
        presets=presets,
        preset=preset,
    )


class OrderHistoryImportMixin(_Base):
    """Adds ``history-import/`` (and its check and apply steps) to the order ModelAdmin."""

    history_import_template = "admin/orders/order/history_import.html"
    history_preview_template = "admin/orders/order/history_import_preview.html"
    change_list_template = "admin/orders/order/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("history-import/", wrap(self.history_import_view), name=f"{prefix}_history_import"),
            path("history-import/check/", wrap(self.history_check_view), name=f"{prefix}_history_import_check"),
            path("history-import/apply/", wrap(self.history_apply_view), name=f"{prefix}_history_import_apply"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra = {**(extra_context or {}), "has_history_import_permission": self.has_history_import_permission(request)}
        return super().changelist_view(request, extra)

    def has_history_import_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser) or (
            self.has_add_permission(request) and request.user.has_perm("customers.add_customer")
        )

    def _url(self, name: str) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}")

    def _context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "has_view_permission": self.has_view_permission(request),
            **extra,
        }

    def history_import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_history_import_permission(request):
            raise PermissionDenied
        form = OrderHistoryUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            extension = os.path.splitext(upload.name)[1].lower()
            stored = default_storage.save(f"{UPLOAD_DIR}{uuid.uuid4().hex}{extension}", upload)
            return self._preview(request, {"path": stored, "name": upload.name, "user": request.user.pk})
        context = self._context(request, title=gettext("Import order history"), form=form)
        return TemplateResponse(request, self.history_import_template, context)

    def _signed(self, request: HttpRequest, value: str, salt: str) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = signing.loads(value, salt=salt, max_age=import_preview_max_age())
        except signing.BadSignature:
            messages.error(request, gettext("This preview has expired or is not valid; upload the file again."))
            return None
        stored = data.get("path", "")
        if data.get("user") != request.user.pk or not stored.startswith(UPLOAD_DIR) or ".." in stored:
            raise PermissionDenied
        return data

    def history_check_view(self, request: HttpRequest) -> HttpResponse:
        """The preview again, with the mapping as the marketer changed it (and saved as a preset if named)."""
        if not self.has_history_import_permission(request):
            raise PermissionDenied
        data = self._signed(request, request.POST.get("upload", ""), UPLOAD_SALT)
        if data is not None and not default_storage.exists(data["path"]):
            messages.warning(request, gettext("This file is no longer stored; upload it again."))
            data = None
        if data is None:
            return HttpResponseRedirect(self._url("history_import"))
        return self._preview(request, data, posted=request.POST)

    def _preview(self, request: HttpRequest, upload: dict[str, Any], posted: QueryDict | None = None) -> HttpResponse:
        stored, name = upload["path"], upload["name"]
        presets = import_presets_saved(kind=ImportKind.ORDERS)
        every_preset = [*presets, *PRESETS]
        columns, formats, chosen = None, None, None
        with default_storage.open(stored, "rb") as stream:
            try:
                table = read_table(stream, name)
                header, samples = table.header, [raw for _n, raw in itertools.islice(table.rows, 3)]
            except TableProblem:
                header, samples = [], []
            if posted is not None and header:
                posted_columns = [posted.get(f"col_{i}", "") for i in range(len(header))]
                form = _mapping_form(posted, header, posted_columns, {}, every_preset, None)
                if form.is_valid():
                    chosen = next((p for p in every_preset if p.key == form.cleaned_data["preset"]), None)
                    if chosen is not None and posted.get("applied_preset") != chosen.key:
                        columns = suggest_columns(header, preset=chosen)  # a preset just picked: its mapping
                    else:
                        columns, formats = form.columns(), form.date_formats()
            background = estimate_rows(stream, name) > settings.IMPORT_BACKGROUND_ROWS
            result = order_history_import(
                stream=stream,
                name=name,
                columns=columns,
                date_formats=formats,
                presets=presets,
                create_products=True,  # the new products are listed; applying them needs the box ticked
                by=request.user,
                dry_run=True,
                limit=settings.CUSTOMER_IMPORT_PREVIEW_ROWS if background else None,
            )
        preset = chosen or result.preset
        save_as = posted.get("save_as", "").strip() if posted is not None else ""
        if save_as and result.mapping:
            import_preset_save(
                kind=ImportKind.ORDERS,
                name=save_as,
                header=result.header,
                columns=result.mapping,
                date_formats=result.date_formats,
                by=request.user,
            )
            messages.success(request, gettext("The mapping is saved as “%(name)s”.") % {"name": save_as})
        token = None
        if result.ok:
            token = signing.dumps(
                {**upload, "columns": result.mapping, "formats": result.date_formats}, salt=SIGNING_SALT
            )
        mapping_form: ColumnMappingForm | None = None
        rows: list[tuple[forms.BoundField, list[str]]] = []
        if result.header:
            mapping_form = _mapping_form(None, result.header, result.mapping, result.date_formats, every_preset, preset)
            rows = [
                (bound, [row[i] if i < len(row) else "" for row in samples])
                for i, bound in enumerate(mapping_form.column_fields())
            ]
        context = self._context(
            request,
            title=gettext("Import order history: preview"),
            result=result,
            file_name=name,
            background=background,
            token=token,
            upload=signing.dumps(upload, salt=UPLOAD_SALT),
            mapping_form=mapping_form,
            mapping_rows=rows,
            applied_preset=preset.key if preset else "",
        )
        return TemplateResponse(request, self.history_preview_template, context)

    def history_apply_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_history_import_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseRedirect(self._url("history_import"))
        data = self._signed(request, request.POST.get("token", ""), SIGNING_SALT)
        if data is None:
            return HttpResponseRedirect(self._url("history_import"))
        stored, changelist = data["path"], self._url("changelist")
        create_products = request.POST.get("create_products") == "1"
        job = ImportJob.objects.filter(path=stored).first()
        if job is not None:  # a second click on a big file's apply: its one job
            return HttpResponseRedirect(reverse("admin:customers_importjob_change", args=[job.pk]))
        try:
            rows = None
            if default_storage.exists(stored):
                with default_storage.open(stored, "rb") as stream:
                    rows = estimate_rows(stream, data["name"])
        except FileNotFoundError:
            rows = None
        if rows is None:
            messages.warning(
                request,
                gettext(
                    "This file is no longer stored: it was already imported, or it was kept too long without being "
                    "applied. Check the order list and, if the orders are not there, upload the file again."
                ),
            )
            return HttpResponseRedirect(changelist)
        if rows > settings.IMPORT_BACKGROUND_ROWS:
            options = {
                "columns": data.get("columns"),
                "formats": data.get("formats"),
                "create_products": create_products,
            }
            job = import_job_create(
                kind=ImportKind.ORDERS,
                path=stored,
                file_name=data["name"],
                options=options,
                rows_total=rows,
                by=request.user,
            )
            messages.info(
                request,
                gettext(
                    "“%(name)s” is being imported in the background, all or nothing. Follow it here; you will also "
                    "receive an e-mail with the result."
                )
                % {"name": data["name"]},
            )
            return HttpResponseRedirect(reverse("admin:customers_importjob_change", args=[job.pk]))
        with default_storage.open(stored, "rb") as stream:
            result: HistoryResult = order_history_import(
                stream=stream,
                name=data["name"],
                columns=data.get("columns"),
                date_formats=data.get("formats"),
                create_products=create_products,
                by=request.user,
            )
        default_storage.delete(stored)
        if result.applied:
            messages.success(request, result.summary())
            return HttpResponseRedirect(changelist)
        context = self._context(
            request,
            title=gettext("Import order history: refused"),
            result=result,
            file_name=data["name"],
            background=False,
            token=None,
        )
        return TemplateResponse(request, self.history_preview_template, context)
