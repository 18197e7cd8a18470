"""Admin pieces every stage uses: actions that call a service per selected row, status history inlines, big
tables that are never counted in full, names searched in Persian and Arabic spellings, Solar Hijri dates in
the Persian admin, and date drill-downs that refuse dates no calendar holds."""

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib import admin, messages
from django.contrib.admin.options import BaseModelAdmin, IncorrectLookupParameters, InlineModelAdmin
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from emarketing.admin_rows import FirstRowsFormSet
from emarketing.dates import is_persian, persian_date
from emarketing.digits import to_ascii_digits, to_script_digits

if TYPE_CHECKING:
    from django.contrib.admin.options import _ListDisplayT

_ModelAdminT = TypeVar("_ModelAdminT", bound="admin.ModelAdmin[Any]")


def run_for_each(
    modeladmin: admin.ModelAdmin,  # type: ignore[type-arg]
    request: HttpRequest,
    queryset: models.QuerySet[Any],
    call: Callable[[Any], object],
    done_message: Callable[[int], str],
) -> None:
    """Apply ``call(obj)`` to each selected row; report how many moved and, per row, why the others did not.

    ``call`` returns False when there was nothing to do (the same status again); a domain error
    (``ValidationError``, such as a transition the status table does not allow) is shown for that row only.
    """
    moved = 0
    for obj in queryset:
        try:
            if call(obj) is not False:
                moved += 1
        except ValidationError as error:
            modeladmin.message_user(request, f"{obj}: {' '.join(error.messages)}", messages.ERROR)
    if moved:
        modeladmin.message_user(request, done_message(moved), messages.SUCCESS)


class StatusChangeInline(admin.TabularInline):  # type: ignore[type-arg]
    """The audit trail of a status machine (``emarketing.workflow``): read-only."""

    fields = ("changed_at", "from_status", "to_status", "changed_by", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("status history")
    formset = FirstRowsFormSet  # the newest moves (listed newest first); the "History" page keeps them all

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


# --- Big tables and names in two scripts --------------------------------------------------------------------------

# Arabic and Persian keyboards give different code points for the same letters (the digits: emarketing.digits).
_LETTERS_TO_PERSIAN = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})
_LETTERS_TO_ARABIC = str.maketrans({"ی": "ي", "ک": "ك"})

# How a customer is searched from a row that points at one (``customer__…``); prefix it for rows further away.
CUSTOMER_SEARCH = ("customer__first_name", "customer__last_name", "customer__email", "customer__phone")


_PHONE_PUNCTUATION = str.maketrans("", "", " -()./\u200c")


def phone_variants(term: str) -> list[str]:
    """A phone number as typed in any digits and spacing (``0912 345 6789``, ``۰۹۱۲۳۴۵۶۷۸۹``) in the forms
    that find it inside the stored E.164 number (``+989123456789``): compact, and without its trunk prefix."""
    compact = to_ascii_digits(term).translate(_PHONE_PUNCTUATION)
    digits = compact.removeprefix("+")
    if len(digits) < 4 or not digits.isdigit():
        return []
    if digits.startswith("00"):
        return [compact, "+" + digits[2:]]
    if digits.startswith("0"):
        return [compact, digits[1:]]
    return [compact]


def spelling_variants(term: str) -> list[str]:
    """The search term as typed, with Persian letters, with Arabic letters and with Latin digits, and a phone
    number in the forms that find it stored in E.164."""
    variants = [
        term,
        to_script_digits(term.translate(_LETTERS_TO_PERSIAN), "fa"),
        to_script_digits(term.translate(_LETTERS_TO_ARABIC), "ar"),
        to_ascii_digits(term),
        *phone_variants(term),
    ]
    return list(dict.fromkeys(variants))


class BoundedCountPaginator(Paginator):  # type: ignore[type-arg]
    """Counts at most ``COUNT_CAP`` rows (``SELECT COUNT(*) FROM (… LIMIT cap)``) so a page view stays cheap
    however big the table grows; past the cap, narrow the list with a filter or a search."""

    COUNT_CAP = 10_000

    @cached_property
    def count(self) -> int:
        try:
            return int(self.object_list.order_by()[: self.COUNT_CAP].count())  # type: ignore[attr-defined]
        except (AttributeError, TypeError):
            return len(self.object_list)


class RangeDatesQuerySet(models.QuerySet[Any]):
    """A queryset whose ``dates()`` and ``datetimes()`` (what the changelist's date drill-down lists) step from the
    first to the last date of the rows, read with MIN and MAX on the date's index, instead of a DISTINCT over every
    row: a year, month or day without rows may be listed, and opens an empty list."""

    def datetimes(self, field_name: str, kind: str, order: str = "ASC", tzinfo: Any = None) -> Any:
        return self._range(field_name, kind, order, aware=True)

    def dates(self, field_name: str, kind: str, order: str = "ASC") -> Any:
        return self._range(field_name, kind, order, aware=False)

    def _range(self, field_name: str, kind: str, order: str, *, aware: bool) -> list[Any]:
        bounds = self.aggregate(first=models.Min(field_name), last=models.Max(field_name))
        first, last = bounds["first"], bounds["last"]
        if first is None or last is None:
            return []
        if aware:
            first, last = timezone.localtime(first), timezone.localtime(last)
        steps: list[Any] = []
        day = dt.date(first.year, first.month if kind != "year" else 1, first.day if kind == "day" else 1)
        end = last.date() if isinstance(last, dt.datetime) else last
        zone = timezone.get_current_timezone()
        while day <= end:
            steps.append(dt.datetime(day.year, day.month, day.day, tzinfo=zone) if aware else day)
            if kind == "year":
                day = day.replace(year=day.year + 1) if day.year < dt.MAXYEAR else dt.date.max
            elif kind == "month":
                day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            else:
                day += dt.timedelta(days=1)
            if day == dt.date.max:
                break
        return steps[::-1] if order == "DESC" else steps


_RANGE_DATES: dict[type[Any], type[Any]] = {}


def with_range_dates(queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
    """``queryset`` (its filters and clones too) answering ``dates()`` and ``datetimes()`` from its MIN and MAX."""
    cls = type(queryset)
    if not issubclass(cls, RangeDatesQuerySet):
        if cls not in _RANGE_DATES:
            _RANGE_DATES[cls] = type(cls.__name__, (RangeDatesQuerySet, cls), {})
        queryset.__class__ = _RANGE_DATES[cls]
    return queryset


class RecentValuesListFilter(admin.AllValuesFieldListFilter):
    """The values of a field found among the newest rows of a big table (``BoundedCountPaginator.COUNT_CAP`` of
    them), instead of a DISTINCT over every row."""

    def __init__(self, field: Any, request: HttpRequest, params: Any, model: Any, model_admin: Any, field_path: str):
        super().__init__(field, request, params, model, model_admin, field_path)
        newest = model_admin.get_queryset(request).order_by("-pk").values_list(field_path, flat=True)
        found = set(newest[: BoundedCountPaginator.COUNT_CAP])
        self.lookup_choices = [*sorted(v for v in found if v is not None), *([None] if None in found else [])]  # type: ignore[assignment]


class BigTableAdminMixin:
    """A changelist that never counts every row of its table, and whose date drill-down never reads every row."""

    show_full_result_count = False
    paginator: type[Paginator] = BoundedCountPaginator  # type: ignore[type-arg]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        return with_range_dates(super().get_queryset(request))  # type: ignore[misc]


class BilingualSearchMixin:
    """Search names as typed and in the other script: ي/ك find ی/ک and back, ۱۲۳ and ١٢٣ find 123."""

    def get_search_results(
        self, request: HttpRequest, queryset: models.QuerySet[Any], search_term: str
    ) -> tuple[models.QuerySet[Any], bool]:
        variants = spelling_variants(search_term) if search_term else [search_term]
        search = super().get_search_results  # type: ignore[misc]
        results, duplicates = search(request, queryset, variants[0])
        for variant in variants[1:]:
            more, more_duplicates = search(request, queryset, variant)
            results, duplicates = results | more, duplicates or more_duplicates
        return results, duplicates


class BigTableAdmin(BigTableAdminMixin, BilingualSearchMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """A changelist over a growing table: no full count, names found in Persian and Arabic spellings."""


# --- Date drill-downs ----------------------------------------------------------------------------------------------


def date_hierarchy_bounds_valid(query: Mapping[str, Sequence[str]], field: str) -> bool:
    """Whether the ``<field>__year/__month/__day`` of a changelist's query make a range Python's dates can hold.

    Django turns them into ``datetime(year, month, day)`` and the next day, month or year; year 9999 has no next
    year and year 1 no earlier offset in a time zone east of UTC, so those raise outside Django's own check (a
    server error). Read the way Django reads them: the last value of each, month and day only beside a year.
    """
    year = query.get(f"{field}__year")
    if not year:
        return True
    month, day = query.get(f"{field}__month"), query.get(f"{field}__day")
    try:
        start = dt.date(int(year[-1]), int(month[-1]) if month else 1, int(day[-1]) if day else 1)
    except (ValueError, OverflowError):
        return False
    # The range's ends must still exist once shifted to UTC from any time zone, and its next year too.
    return dt.MINYEAR < start.year < dt.MAXYEAR


class SafeDateHierarchyChangeList(ChangeList):
    """A changelist whose date drill-down answers a date out of range the way Django answers any other bad
    lookup — the list again with ``?e=1`` — instead of a server error."""

    def get_filters(self, request: HttpRequest) -> Any:
        if self.date_hierarchy and not date_hierarchy_bounds_valid(dict(request.GET.lists()), self.date_hierarchy):
            raise IncorrectLookupParameters(_("That date is outside the calendar."))
        return super().get_filters(request)


class SafeDateHierarchyMixin:
    """Every changelist of the site with :class:`SafeDateHierarchyChangeList` (``CycleAdminSite.register``)."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return SafeDateHierarchyChangeList


_SAFE_CLASSES: dict[type["admin.ModelAdmin[Any]"], type["admin.ModelAdmin[Any]"]] = {}


def with_safe_date_hierarchy(admin_class: type[_ModelAdminT]) -> type[_ModelAdminT]:
    """``admin_class`` with :class:`SafeDateHierarchyMixin` first, made once."""
    if issubclass(admin_class, SafeDateHierarchyMixin):
        return admin_class
    if admin_class not in _SAFE_CLASSES:
        _SAFE_CLASSES[admin_class] = type(
            admin_class.__name__,
            (SafeDateHierarchyMixin, admin_class),
            {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
        )
    return cast(type[_ModelAdminT], _SAFE_CLASSES[admin_class])


# --- Solar Hijri dates in the Persian admin ----------------------------------------------------------------------


class JalaliColumn:
    """A date or datetime model field shown the Persian way: Solar Hijri calendar, Persian digits.

    It stands in the admin's ``list_display`` and read-only fields for the field it is named after. Django takes a
    callable there: the column's ``__name__`` keeps the field's name for the CSS classes (``field-placed_at``,
    ``column-placed_at``) and the help text, its description is the field's verbose name, and it sorts by the
    field. Datetimes are shown in the current time zone, as Django shows them; the format follows Django's own
    ``DATE_FORMAT`` and ``DATETIME_FORMAT`` (۱ آذر ۱۴۰۵، ۱۰:۴۲).
    """

    do_not_call_in_templates = True  # the tabular inline's header renders ``{{ field.name }}``: keep it a name

    def __init__(self, field: "models.DateField[Any, Any]", empty_value_display: str) -> None:
        self.field = field
        self.__name__ = field.name
        self.short_description = field.verbose_name
        self.admin_order_field = field.name
        self.empty_value_display = empty_value_display

    def __call__(self, obj: models.Model) -> str:
        value = getattr(obj, self.field.attname)
        if value is None:
            return self.empty_value_display
        return persian_date(value, "DATETIME_FORMAT" if isinstance(value, dt.datetime) else "DATE_FORMAT")

    def __str__(self) -> str:
        return self.field.name

    def __repr__(self) -> str:
        return f"<JalaliColumn {self.field.model._meta.label}.{self.field.name}>"


# What the admin displays in the Persian admin: a field's name, or a column standing in for a date field.
_Entry = str | Callable[..., Any]
_FieldsetEntry = _Entry | Sequence["_FieldsetEntry"] | None


class JalaliDatesAdminMixin:
    """In Persian, dates and datetimes in changelists and read-only fields in the Solar Hijri calendar.

    Applied once to every ``ModelAdmin`` registered on the project's admin site and to their inlines
    (``CycleAdminSite.register``), so no stage has to remember it. In Persian the names of date and datetime
    fields are swapped for a :class:`JalaliColumn` in what the admin displays — ``get_list_display`` (and the
    links and sortable columns that name them) and the read-only entries of ``get_fieldsets`` — while every
    other language, the editable date inputs, ``date_hierarchy`` and the list filters keep Django's own
    behaviour. Only Django's documented hooks are overridden; nothing of Django is patched.
    """

    # The mixin always stands first in front of a ModelAdmin (or an inline): these are that admin and its
    # next class in the MRO, as the type checker cannot see them through a mixin.
    @property
    def _admin(self) -> "admin.ModelAdmin[Any]":
        return cast("admin.ModelAdmin[Any]", self)

    def _next(self) -> "admin.ModelAdmin[Any]":
        return cast("admin.ModelAdmin[Any]", super())

    def _jalali_on(self) -> bool:
        return is_persian()

    def _jalali_columns(self) -> dict[str, JalaliColumn]:
        columns: dict[str, JalaliColumn] | None = self.__dict__.get("_jalali_column_cache")
        if columns is None:
            columns = {
                field.name: JalaliColumn(field, self._admin.get_empty_value_display())
                for field in self._admin.model._meta.concrete_fields
                if isinstance(field, models.DateField) and not field.choices
            }
            self.__dict__["_jalali_column_cache"] = columns
        return columns

    def _jalali_swap(self, names: Iterable[_Entry], keep: Collection[str] = ()) -> list[_Entry]:
        columns = self._jalali_columns()
        return [columns[n] if isinstance(n, str) and n in columns and n not in keep else n for n in names]

    # The changelist.

    def get_list_display(self, request: HttpRequest) -> Sequence[_Entry]:
        list_display = self._next().get_list_display(request)
        if not self._jalali_on():
            return list_display
        return self._jalali_swap(list_display, keep=self._admin.list_editable)

    def get_list_display_links(
        self, request: HttpRequest, list_display: "_ListDisplayT[Any]"
    ) -> Sequence[_Entry] | None:
        links = self._next().get_list_display_links(request, list_display)
        if not links or not self._jalali_on():
            return links
        return self._jalali_swap(links, keep=self._admin.list_editable)

    def get_sortable_by(self, request: HttpRequest) -> Sequence[_Entry]:
        sortable_by = self._next().get_sortable_by(request)
        if self._admin.sortable_by is None or not self._jalali_on():
            return sortable_by
        return self._jalali_swap(sortable_by, keep=self._admin.list_editable)

    # Read-only fields of the change page (and of a page the user may only view).

    def _jalali_view_only(self, request: HttpRequest, obj: models.Model | None) -> bool:
        return obj is not None and not self._admin.has_change_permission(request, obj)

    def _jalali_readonly_names(self, request: HttpRequest, obj: models.Model | None) -> set[str]:
        """The date fields shown read-only: those declared read-only, or every one on a view-only page."""
        columns = self._jalali_columns()
        if self._jalali_view_only(request, obj):
            return set(columns)
        return {n for n in self._next().get_readonly_fields(request, obj) if isinstance(n, str) and n in columns}

    def get_readonly_fields(self, request: HttpRequest, obj: models.Model | None = None) -> Sequence[_Entry]:
        readonly = self._next().get_readonly_fields(request, obj)
        if not self._jalali_on():
            return readonly
        # The names stay (the form still leaves those fields out); their columns are what the page shows.
        columns = self._jalali_columns()
        return (*readonly, *(columns[n] for n in sorted(self._jalali_readonly_names(request, obj))))

    def get_fieldsets(
        self, request: HttpRequest, obj: models.Model | None = None
    ) -> Sequence[tuple[Any, Mapping[str, object]]]:
        fieldsets = self._next().get_fieldsets(request, obj)
        if not self._jalali_on():
            return fieldsets
        columns, swap = self._jalali_columns(), self._jalali_readonly_names(request, obj)
        form = self._admin.form
        if getattr(form, "declared_fields", None):
            swap -= set(form.declared_fields)  # a form's own field of that name is not the model's date

        def line(entry: _FieldsetEntry) -> _FieldsetEntry:
            if isinstance(entry, (list, tuple)):
                return tuple(e for e in map(line, entry) if e is not None)
            if isinstance(entry, JalaliColumn):
                return None  # added by get_readonly_fields above; shown only where its field's name stands
            return columns[entry] if isinstance(entry, str) and entry in swap else entry

        return [
            (title, {**options, "fields": [e for e in map(line, options.get("fields", ())) if e not in (None, ())]})
            for title, options in fieldsets
        ]

    # Inlines get the same treatment.

    def get_inlines(self, request: HttpRequest, obj: models.Model | None) -> "list[type[InlineModelAdmin[Any, Any]]]":
        return [with_jalali_dates(inline) for inline in self._next().get_inlines(request, obj)]


class JalaliDatesInlineMixin(JalaliDatesAdminMixin):
    def _jalali_view_only(self, request: HttpRequest, obj: models.Model | None) -> bool:
        # Rows that can be neither changed nor added, or under a parent the user may only view.
        inline = cast("InlineModelAdmin[Any, Any]", self)
        if not inline.has_change_permission(request, obj) and not inline.has_add_permission(request, obj):
            return True
        parent = inline.admin_site._registry.get(inline.parent_model)
        return obj is not None and parent is not None and not parent.has_change_permission(request, obj)

    def get_inlines(self, request: HttpRequest, obj: models.Model | None) -> "list[type[InlineModelAdmin[Any, Any]]]":
        return []  # an inline has none


_AdminT = TypeVar("_AdminT", bound="BaseModelAdmin[Any]")
_JALALI_CLASSES: dict[type["BaseModelAdmin[Any]"], type["BaseModelAdmin[Any]"]] = {}


def with_jalali_dates(admin_class: type[_AdminT]) -> type[_AdminT]:
    """``admin_class`` (a ``ModelAdmin`` or an inline) with :class:`JalaliDatesAdminMixin` first, made once."""
    if issubclass(admin_class, JalaliDatesAdminMixin):
        return admin_class
    if admin_class not in _JALALI_CLASSES:
        inline = issubclass(admin_class, InlineModelAdmin)
        mixin = JalaliDatesInlineMixin if inline else JalaliDatesAdminMixin
        _JALALI_CLASSES[admin_class] = type(
            admin_class.__name__,
            (mixin, admin_class),
            {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
        )
    return cast(type[_AdminT], _JALALI_CLASSES[admin_class])  # a subclass of admin_class, made by type()
