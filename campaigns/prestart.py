"""Checks run before a campaign is scheduled or starts, registered by upper floors.

Communication does not know what the company can make or deliver; the loop does (``cycle``), and registers a
check here in its ``AppConfig.ready()``. A check returns warnings: they never block the campaign (the marketer
decides), but they are shown in the admin and written into the note of the status change.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from campaigns.models import Campaign

PrestartCheck = Callable[["Campaign"], list[str]]


class PrestartChecks:
    def __init__(self) -> None:
        self._checks: dict[str, PrestartCheck] = {}

    def register(self, name: str, check: PrestartCheck) -> None:
        self._checks[name] = check

    def unregister(self, name: str) -> None:
        self._checks.pop(name, None)

    def warnings(self, campaign: "Campaign") -> list[str]:
        """Every registered check's warnings about ``campaign``, in the order the checks were registered."""
        found: list[str] = []
        for check in self._checks.values():
            found.extend(str(w) for w in check(campaign))
        return found


prestart_checks = PrestartChecks()


def prestart_note(campaign: "Campaign", note: str = "") -> str:
    """The status change's note with the warnings the checks raise about ``campaign``, if any."""
    return " ".join(part for part in (note, *prestart_checks.warnings(campaign)) if part)
