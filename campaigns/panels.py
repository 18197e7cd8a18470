"""Sections an upper floor adds to a campaign's or a journey's page in the administration (the Money section:
cost, attributed revenue and return on spend, which transfer's orders and the plan decide). Communication renders
what is registered and knows nothing of where it comes from."""

from collections.abc import Callable
from typing import Any

from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

Panel = Callable[[Any], SafeString | str]


class Panels:
    def __init__(self) -> None:
        self._panels: dict[str, Panel] = {}

    def register(self, name: str, panel: Panel) -> None:
        self._panels[name] = panel

    def __bool__(self) -> bool:
        return bool(self._panels)

    def render(self, obj: Any) -> SafeString:
        """Each registered panel's HTML for ``obj`` (each escapes what it shows), one after the other."""
        if getattr(obj, "pk", None) is None:
            return mark_safe("—")
        return format_html_join("", "<div>{}</div>", ((panel(obj),) for panel in self._panels.values()))


campaign_panels = Panels()
journey_panels = Panels()
