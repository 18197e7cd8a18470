"""Customer import and export in the admin.

``CustomerAdmin`` (in ``customers/admin/customers.py``) inherits :class:`CustomerImportExportMixin` *first*::

    @admin.register(Customer)
    class CustomerAdmin(CustomerImportExportMixin, admin.ModelAdmin):
        ...

The mixin adds two pages under the customer changelist, ``import/`` (upload, preview with an error per faulty
row, then apply all or nothing) and ``export/`` (a CSV of the changelist as filtered, streamed in id order),
and the changelist template ``admin/customers/customer/change_list.html`` shows their buttons.
"""

import csv
import itertools
import os
import uuid
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.imports.columns import COLUMNS, CONSENT_COLUMNS, DATE_FIELDS, FIELDS, LABELS
from customers.imports.files import suggest_columns
from customers.imports.presets import PRESETS
from customers.models import Consent, Customer, ImportJob, ImportKind, Occasion, OccasionKind
from customers.selectors import import_presets_saved
from customers.services.imports import (
    ON_DUPLICATE_REFUSE,
    ON_DUPLICATE_UPDATE,
    customers_import,
    import_job_create,
    import_preset_save,
)
from customers.services.imports.stored_files import UPLOAD_DIR, import_preview_max_age
from emarketing.exports import escape_cell
from emarketing.mapping_forms import ColumnMappingForm
from emarketing.tables import TableProblem, estimate_rows, read_table
from emarketing.uploads import check_upload_size

SIGNING_SALT = "customers.import"
UPLOAD_SALT = "customers.import.upload"
EXPORT_PAGE = 2000
EXPORT_COLUMNS = ["id", *COLUMNS, "value_tier", "lifecycle_stage"]

if TYPE_CHECKING:
    # The mixin always stands in front of the customer ModelAdmin: let the type checker see what it extends.
    _ImportExportBase = admin.ModelAdmin[Customer]
else:
    _ImportExportBase = object


class CustomerImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or Windows-1256) or Excel (.xlsx). The first row names the columns: first_name, last_name, "
            "email, phone, preferred_language, country, region, city, time_zone, acquisition_source, birthday, "
            "customer_since, notes, consent_email, consent_sms, consent_phone, consent_post."
        ),
    )
    on_duplicate = forms.ChoiceField(
        label=_("When the e-mail address already belongs to a customer"),
        choices=[
            (ON_DUPLICATE_UPDATE, _("Update that customer with the values in the file")),
            (ON_DUPLICATE_REFUSE, _("Refuse the row (the whole import is refused)")),
        ],
        initial=ON_DUPLICATE_UPDATE,
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload_size(upload)
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm")):
            raise forms.ValidationError(_("Upload a .csv or an .xlsx file."))
        return upload


def _export_rows(queryset):
    """Header, then every customer of ``queryset`` in id order: two queries per page of EXPORT_PAGE rows."""
    fields = [
        "id",
        "external_id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "other_phone",
        "preferred_language",
        "country",
        "region",
        "city",
        "time_zone",
        "acquisition_source",
        "created_at",
        "notes",
        "value_tier",
        "lifecycle_stage",
    ]
    yield EXPORT_COLUMNS
    channels: dict[str, str] = {channel: column for column, channel in CONSENT_COLUMNS.items()}
    base = queryset.order_by()
    last = 0
    while True:
        page = list(base.filter(pk__gt=last).order_by("pk").values(*fields)[:EXPORT_PAGE])
        if not page:
            return
        ids = [row["id"] for row in page]
        last = ids[-1]
        consents = {}
        for cid, channel, granted in Consent.objects.filter(customer_id__in=ids).values_list(
            "customer_id", "channel", "granted"
        ):
            if channel in channels:
                consents[(cid, channels[channel])] = "yes" if granted else "no"
        birthdays = {}
        for cid, year, month, day in Occasion.objects.filter(
            customer_id__in=ids, kind=OccasionKind.BIRTHDAY, label=""
        ).values_list("customer_id", "year", "month", "day"):
            birthdays[cid] = f"{year:04d}-{month:02d}-{day:02d}" if year else ""
        for row in page:
            cid = row["id"]
            row["birthday"] = birthdays.get(cid, "")
            row["customer_since"] = timezone.localdate(row.pop("created_at")).isoformat()
            for column in CONSENT_COLUMNS:
                row[column] = consents.get((cid, column), "")
            yield [escape_cell(row[c]) for c in EXPORT_COLUMNS]


def _sample(result):
    """The first rows as the preview table shows them: the file's columns, then the explicit consents."""
    columns = [c for c in COLUMNS if c in result.columns and c not in CONSENT_COLUMNS]
    rows = []
    for row in result.sample:
        cells = []
        for column in columns:
            if column == "birthday":
                birthday = row.birthday
                value = (
                    ""
                    if birthday is None
                    else f"{birthday.year:04d}-{birthday.month:02d}-{birthday.day:02d}"
                    if birthday.year
                    else f"--{birthday.month:02d}-{birthday.day:02d}"
                )
            elif column == "customer_since":
                value = row.customer.get("created_at")
            else:
                value = row.customer.get(column)
            cells.append("" if value is None else value)
        consents = ", ".join(
            f"{channel}: {gettext('yes') if granted else gettext('no')}" for channel, granted in row.consents.items()
        )
        rows.append((row.number, cells, consents))
    return {"sample_columns": [LABELS.get(c, c) for c in columns], "sample_rows": rows}


def _mapping_rows(form, samples):
    """Each column of the file with its first values and the select of the field it fills."""
    return [
        (bound, [row[i] for row in samples if i < len(row) and str(row[i]).strip()])
        for i, bound in enumerate(form.column_fields())
    ]


class _Echo:
    def write(self, value):
        return value


class CustomerImportExportMixin(_ImportExportBase):
    """Adds ``import/`` and ``export/`` to a customer ModelAdmin; put it before ``admin.ModelAdmin``."""

    import_template = "admin/customers/customer/import.html"
    import_preview_template = "admin/customers/customer/import_preview.html"

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name=f"{prefix}_import"),
            path("import/check/", wrap(self.import_check_view), name=f"{prefix}_import_check"),
            path("import/apply/", wrap(self.import_apply_view), name=f"{prefix}_import_apply"),
            path("export/", wrap(self.export_view), name=f"{prefix}_export"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
            "has_export_permission": self.has_export_permission(request),
        }
        return super().changelist_view(request, extra_context)

    # -- import ------------------------------------------------------------------------------------------------

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def _context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "has_view_permission": self.has_view_permission(request),
            **extra,
        }

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = CustomerImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            extension = os.path.splitext(upload.name)[1].lower()
            stored = default_storage.save(f"{UPLOAD_DIR}{uuid.uuid4().hex}{extension}", upload)
            upload_data = {
                "path": stored,
                "name": upload.name,
                "mode": form.cleaned_data["on_duplicate"],
                "user": request.user.pk,
            }
            return self._preview(request, upload_data)
        context = self._context(request, title=gettext("Import customers"), form=form)
        return TemplateResponse(request, self.import_template, context)

    def import_check_view(self, request):
        """The preview again, with the mapping as the marketer changed it (and saved as a preset if named)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        upload_data = self._upload_data(request)
        if upload_data is None:
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))
        return self._preview(request, upload_data, posted=request.POST)

    def _upload_data(self, request):
        try:
            data = signing.loads(request.POST.get("upload", ""), salt=UPLOAD_SALT, max_age=import_preview_max_age())
        except signing.BadSignature:
            messages.error(request, gettext("This preview has expired or is not valid; upload the file again."))
            return None
        stored = data.get("path", "")
        if data.get("user") != request.user.pk or not stored.startswith(UPLOAD_DIR) or ".." in stored:
            raise PermissionDenied
        if not default_storage.exists(stored):
            messages.warning(request, gettext("This file is no longer stored; upload it again."))
            return None
        return data

    def _preview(self, request, upload_data, posted=None):
        stored, name = upload_data["path"], upload_data["name"]
        presets = import_presets_saved(kind=ImportKind.CUSTOMERS)
        every_preset = [*presets, *PRESETS]
        with default_storage.open(stored, "rb") as stream:
            try:
                table = read_table(stream, name)
                header, samples = table.header, [raw for _n, raw in itertools.islice(table.rows, 3)]
            except TableProblem:
                header, samples = [], []
            columns, formats, chosen = None, None, None
            if posted is not None and header:
                posted_columns = [posted.get(f"col_{i}", "") for i in range(len(header))]
                mapping_form = self._mapping_form(posted, header, posted_columns, {}, every_preset, None)
                if mapping_form.is_valid():
                    chosen = next((p for p in every_preset if p.key == mapping_form.cleaned_data["preset"]), None)
                    if chosen is not None and posted.get("applied_preset") != chosen.key:
                        columns = suggest_columns(header, preset=chosen)  # a preset just picked: its mapping
                    else:
                        columns, formats = mapping_form.columns(), mapping_form.date_formats()
            background = estimate_rows(stream, name) > settings.IMPORT_BACKGROUND_ROWS
            result = customers_import(
                stream=stream,
                name=name,
                columns=columns,
                date_formats=formats,
                presets=presets,
                on_duplicate=upload_data["mode"],
                by=request.user,
                dry_run=True,
                limit=settings.CUSTOMER_IMPORT_PREVIEW_ROWS if background else None,
            )
        preset = chosen or result.preset
        save_as = (posted or {}).get("save_as", "").strip()
        if save_as and result.mapping:
            import_preset_save(
                kind=ImportKind.CUSTOMERS,
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
                {**upload_data, "columns": result.mapping, "formats": result.date_formats}, salt=SIGNING_SALT
            )
        mapping_form = None
        if result.header:
            initial = self._mapping_form(None, result.header, result.mapping, result.date_formats, every_preset, preset)
            mapping_form = initial
        context = self._context(
            request,
            title=gettext("Import customers: preview"),
            result=result,
            file_name=name,
            on_duplicate=upload_data["mode"],
            background=background,
            token=token,
            upload=signing.dumps(upload_data, salt=UPLOAD_SALT),
            mapping_form=mapping_form,
            mapping_rows=_mapping_rows(mapping_form, samples) if mapping_form else [],
            applied_preset=preset.key if preset else "",
            **_sample(result),
        )
        return TemplateResponse(request, self.import_preview_template, context)

    def _mapping_form(self, data, header, mapping, formats, presets, preset):
        fields = [(name, LABELS.get(name, name)) for name in FIELDS]
        return ColumnMappingForm(
            data,
            header=header,
            mapping=mapping,
            fields=fields,
            date_fields=DATE_FIELDS,
            formats=formats,
            presets=presets,
            preset=preset,
        )

    def import_apply_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))
        try:
            data = signing.loads(request.POST.get("token", ""), salt=SIGNING_SALT, max_age=import_preview_max_age())
        except signing.BadSignature:
            messages.error(request, gettext("This preview has expired or is not valid; upload the file again."))
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))
        stored = data.get("path", "")
        if data.get("user") != request.user.pk or not stored.startswith(UPLOAD_DIR) or ".." in stored:
            raise PermissionDenied
        changelist = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        job = ImportJob.objects.filter(path=stored).first()
        if job is not None:  # a second click on a big file's apply: its one job
            return HttpResponseRedirect(reverse("admin:customers_importjob_change", args=[job.pk]))
        try:
            stream = default_storage.open(stored, "rb") if default_storage.exists(stored) else None
        except FileNotFoundError:  # deleted just now (applied by a second click, or cleaned up)
            stream = None
        if stream is None:
            return self._import_file_gone(request, changelist)
        with stream:
            rows = estimate_rows(stream, data["name"])
        if rows > settings.IMPORT_BACKGROUND_ROWS:
            options = {key: data.get(key) for key in ("mode", "columns", "formats")}
            job = import_job_create(
                kind=ImportKind.CUSTOMERS,
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
            result = customers_import(
                stream=stream,
                name=data["name"],
                columns=data.get("columns"),
                date_formats=data.get("formats"),
                on_duplicate=data["mode"],
                by=request.user,
            )
        default_storage.delete(stored)
        if result.applied:
            messages.success(request, result.summary())
            return HttpResponseRedirect(changelist)
        context = self._context(
            request,
            title=gettext("Import customers: refused"),
            result=result,
            file_name=data["name"],
            on_duplicate=data["mode"],
            background=False,
            token=None,
        )
        return TemplateResponse(request, self.import_preview_template, context)

    def _import_file_gone(self, request, changelist):
        # The stored file is deleted once applied, and a preview never applied is deleted after
        # CUSTOMER_IMPORT_KEEP_HOURS: either way nothing is imported now.
        messages.warning(
            request,
            gettext(
                "This file is no longer stored: it was already imported, or it was kept too long without being "
                "applied. Check the customer list and, if it is not there, upload the file again."
            ),
        )
        return HttpResponseRedirect(changelist)

    # -- export ------------------------------------------------------------------------------------------------

    def has_export_permission(self, request):
        """Viewing customers is not enough to take them all away: the export needs ``export_customer``."""
        return self.has_view_permission(request) and request.user.has_perm(
            f"{self.opts.app_label}.{get_permission_codename('export', self.opts)}"
        )

    def export_view(self, request):
        if not self.has_export_permission(request):
            raise PermissionDenied
        queryset = self.get_changelist_instance(request).queryset
        writer = csv.writer(_Echo())
        rows = (writer.writerow(row) for row in _export_rows(queryset))
        response = StreamingHttpResponse(
            _with_bom(rows),
            content_type="text/csv; charset=utf-8",
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.csv"'
        return response


def _with_bom(rows):
    # Spreadsheets open a UTF-8 file with Persian and Arabic text correctly only with the byte-order mark.
    yield "\ufeff"
    yield from rows
