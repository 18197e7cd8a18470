"""Inline rows that cost the same few queries however many there are.

Django's inline formset reads its rows, then each row on its own reads what it shows: the parent again (a row's
``__str__`` naming its order), each foreign key shown read-only (the product of an order line), the selected
option of each autocomplete (one query per row) and every option of each select (the whole choice list, once per
row). A change page with a few dozen rows asked the database a few dozen times more than one with a few.

:class:`SharedRowsFormSet` reads the rows with their foreign keys in one query, hands each row its parent, reads
each select's options once for all rows, and each autocomplete's selected objects in one query for all rows.
``CycleAdminSite.register`` gives it to every inline of the site (:class:`SharedRowsInlinesMixin`), in front of the
inline's own formset class.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteMixin, RelatedFieldWidgetWrapper
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.choices import BaseChoiceIterator

if TYPE_CHECKING:
    from django.contrib.admin.options import InlineModelAdmin


class _Known:
    """Stands in for an autocomplete's queryset: answers its one lookup (the selected values) from objects read
    once for every row of the formset."""

    def __init__(self, objects: Iterable[models.Model], attname: str) -> None:
        self.objects = list(objects)
        self.attname = attname

    def using(self, alias: str | None) -> "_Known":
        return self

    def filter(self, **lookup: Iterable[Any]) -> list[models.Model]:
        (wanted,) = lookup.values()
        values = {str(v) for v in wanted}
        return [obj for obj in self.objects if str(getattr(obj, self.attname)) in values]


class _KnownChoices(BaseChoiceIterator):
    """An autocomplete's choices with :class:`_Known` as their queryset; the rest is the field's own (a choice
    iterator, so the widget keeps it as it is rather than listing every choice)."""

    def __init__(self, choices: Any, known: _Known) -> None:
        self.field = choices.field
        self.queryset = known
        self._choices = choices

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_choices":
            raise AttributeError(name)
        return getattr(self._choices, name)

    def __iter__(self) -> Any:
        return iter(self._choices)

    def __len__(self) -> int:
        return len(self._choices)


def _inner(widget: forms.Widget) -> forms.Widget:
    return widget.widget if isinstance(widget, RelatedFieldWidgetWrapper) else widget


class SharedRowsFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """An inline formset whose rows, their foreign keys and their selects' options are read once for all rows."""

    def _row_foreign_keys(self) -> list[str]:
        model: Any = self.model
        return [field.name for field in model._meta.concrete_fields if field.many_to_one and field != self.fk]

    def get_queryset(self) -> Any:
        if not hasattr(self, "_shared_rows"):
            rows = list(self.shown_rows(super().get_queryset().select_related(*self._row_foreign_keys())))
            for row in rows:  # every row's parent is the page's own object: not read again for each row
                setattr(row, self.fk.name, self.instance)
            self._shared_rows = rows
        return self._shared_rows

    def shown_rows(self, queryset: "models.QuerySet[Any]") -> Iterable[models.Model]:
        """The rows the page shows (all of them; a subclass may keep fewer)."""
        return queryset

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        form: Any = super()._construct_form(i, **kwargs)  # type: ignore[misc]
        shared: dict[str, Any] = self.__dict__.setdefault("_shared_choices", {})
        for name, field in form.fields.items():
            if not isinstance(field, forms.ModelChoiceField) or isinstance(field, forms.ModelMultipleChoiceField):
                continue
            widget = _inner(field.widget)
            if isinstance(widget, AutocompleteMixin):
                if name not in shared:
                    shared[name] = self._selected_objects(name, widget)
                if shared[name] is not None:
                    widget.choices = _KnownChoices(widget.choices, shared[name])
            elif isinstance(widget, forms.Select):
                if name not in shared:
                    shared[name] = list(cast(Iterable[Any], field.choices))
                field.choices = shared[name]
                widget.choices = field.widget.choices
        return form

    def _selected_objects(self, name: str, widget: AutocompleteMixin) -> _Known | None:
        """The objects the rows' autocompletes show selected, in one query (None: leave the widget as it is)."""
        model: Any = self.model
        model_field = model._meta.get_field(name)
        if not model_field.many_to_one:
            return None
        remote = model_field.remote_field
        to_field = remote.model._meta.get_field(getattr(remote, "field_name", None) or remote.model._meta.pk.name)
        values = {getattr(row, model_field.attname) for row in self.get_queryset()} - {None}
        queryset = cast("models.QuerySet[Any]", widget.choices.field.queryset)
        return _Known(queryset.filter(**{f"{to_field.attname}__in": values}), to_field.attname)


class FirstRowsFormSet(SharedRowsFormSet):
    """The first ``max_shown`` rows in the inline's order (its newest, for a history listed newest first): a row
    with years of history keeps a page that loads."""

    max_shown = 50

    def shown_rows(self, queryset: "models.QuerySet[Any]") -> Iterable[models.Model]:
        return queryset[: self.max_shown]


class LastRowsFormSet(SharedRowsFormSet):
    """The last ``max_shown`` rows in the inline's order, still in that order (the latest of a conversation listed
    oldest first)."""

    max_shown = 50

    def shown_rows(self, queryset: "models.QuerySet[Any]") -> Iterable[models.Model]:
        return list(queryset.reverse()[: self.max_shown])[::-1]


_InlineT = TypeVar("_InlineT", bound="InlineModelAdmin[Any, Any]")
_SHARED_INLINES: dict[type[Any], type[Any]] = {}


def with_shared_rows(inline: type[_InlineT]) -> type[_InlineT]:
    """``inline`` with :class:`SharedRowsFormSet` in front of its own formset class, made once."""
    if issubclass(inline.formset, SharedRowsFormSet):
        return inline
    if inline not in _SHARED_INLINES:
        formset = type(inline.formset.__name__, (SharedRowsFormSet, inline.formset), {})
        _SHARED_INLINES[inline] = type(
            inline.__name__,
            (inline,),
            {"formset": formset, "__module__": inline.__module__, "__qualname__": inline.__qualname__},
        )
    return cast(type[_InlineT], _SHARED_INLINES[inline])


class SharedRowsInlinesMixin:
    """Every inline of a ``ModelAdmin`` with :func:`with_shared_rows` (``CycleAdminSite.register``)."""

    def get_inlines(self, request: HttpRequest, obj: models.Model | None) -> "list[type[InlineModelAdmin[Any, Any]]]":
        return [with_shared_rows(inline) for inline in super().get_inlines(request, obj)]  # type: ignore[misc]


_AdminT = TypeVar("_AdminT", bound="admin.ModelAdmin[Any]")
_SHARED_ADMINS: dict[type[Any], type[Any]] = {}


def with_shared_row_inlines(admin_class: type[_AdminT]) -> type[_AdminT]:
    """``admin_class`` with :class:`SharedRowsInlinesMixin` first, made once."""
    if issubclass(admin_class, SharedRowsInlinesMixin):
        return admin_class
    if admin_class not in _SHARED_ADMINS:
        _SHARED_ADMINS[admin_class] = type(
            admin_class.__name__,
            (SharedRowsInlinesMixin, admin_class),
            {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
        )
    return cast(type[_AdminT], _SHARED_ADMINS[admin_class])
