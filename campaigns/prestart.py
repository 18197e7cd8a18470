"""Checks a campaign goes through before it starts (is scheduled or sent), filled by the floors above.

Communication cannot know what an upper floor knows (the plan's budget lines, the stock): each registers a check in
its ``AppConfig.ready()`` and the campaign's admin shows what they say. A check warns, it never refuses: the
marketer decides.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Warning:
    check: str
    message: str


Check = Callable[[Any], list[str]]

_checks: dict[str, Check] = {}


def register_check(name: str, fn: Check) -> None:
    """``fn(campaign)`` returns the messages to show (none: nothing to say); registering a name again replaces it."""
    _checks[name] = fn


def run_checks(campaign: Any) -> list[Warning]:
    return [Warning(name, message) for name, fn in _checks.items() for message in fn(campaign)]
