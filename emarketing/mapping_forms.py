"""The column mapping of an import preview: for each column of the file the field it fills (or none), the format
of each date column, a preset to start from, and a name to save the mapping under. Every import's admin uses it.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from emarketing.cells import DATE_FORMATS, WITH_YEAR
from emarketing.tables import Preset


class ColumnMappingForm(forms.Form):
    """``col_<i>`` per column, ``fmt_<field>`` per date field present, ``preset`` and ``save_as``."""

    preset = forms.ChoiceField(label=_("Start from a preset"), required=False)
    save_as = forms.CharField(
        label=_("Save this mapping as a preset named"),
        required=False,
        max_length=100,
        help_text=_("Files with the same columns will be mapped this way from then on."),
    )

    def __init__(
        self,
        *args: Any,
        header: Sequence[str],
        mapping: Sequence[str],
        fields: Sequence[tuple[str, Any]],
        date_fields: Mapping[str, bool],
        formats: Mapping[str, str],
        presets: Sequence[Preset],
        preset: Preset | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.header = list(header)
        choices = [("", _("— not imported —")), *fields]
        for i, name in enumerate(self.header):
            self.fields[f"col_{i}"] = forms.ChoiceField(
                label=name or _("(column %(number)d, no name)") % {"number": i + 1},
                choices=choices,
                required=False,
                initial=mapping[i] if i < len(mapping) else "",
            )
        self.date_fields = [f for f in date_fields if f in mapping]
        labels = dict(fields)
        for name in self.date_fields:
            allowed = [f for f in DATE_FORMATS if f in WITH_YEAR or date_fields[name]]
            self.fields[f"fmt_{name}"] = forms.ChoiceField(
                label=_("Dates in “%(field)s” are written as") % {"field": labels.get(name, name)},
                choices=[(f, DATE_FORMATS[f]) for f in allowed],
                initial=formats.get(name, "ymd"),
            )
        preset_field = self.fields["preset"]
        assert isinstance(preset_field, forms.ChoiceField)
        preset_field.choices = [("", _("— as the columns are mapped below —")), *((p.key, p.name) for p in presets)]
        preset_field.initial = preset.key if preset else ""

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"col_{i}"] for i in range(len(self.header))]

    def format_fields(self) -> list[forms.BoundField]:
        return [self[f"fmt_{name}"] for name in self.date_fields]

    def columns(self) -> list[str]:
        return [self.cleaned_data.get(f"col_{i}") or "" for i in range(len(self.header))]

    def date_formats(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[f"fmt_{name}"] for name in self.date_fields if self.cleaned_data.get(f"fmt_{name}")
        }
