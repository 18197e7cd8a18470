"""The resources an API key may be given access to, each read or write: ``orders:read``, ``orders:write``.

Each stage registers its resources in its ``AppConfig.ready()``; this module knows none of them.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.functional import Promise

READ = "read"
WRITE = "write"


@dataclass(frozen=True)
class Resource:
    name: str
    label: str | Promise


class ResourceRegistry:
    def __init__(self) -> None:
        self._resources: dict[str, Resource] = {}

    def register(self, name: str, label: str | Promise) -> None:
        self._resources[name] = Resource(name, label)

    def __iter__(self) -> Iterator[Resource]:
        return iter(self._resources.values())

    def names(self) -> list[str]:
        return list(self._resources)

    def scope_choices(self) -> list[tuple[str, str]]:
        """Every scope as a choice: "Orders: read", "Orders: write"."""
        from django.utils.translation import gettext as _

        choices = []
        for resource in self._resources.values():
            choices.append((f"{resource.name}:{READ}", _("%(resource)s: read") % {"resource": resource.label}))
            choices.append((f"{resource.name}:{WRITE}", _("%(resource)s: write") % {"resource": resource.label}))
        return choices


resources = ResourceRegistry()


def scope_of(resource: str, *, write: bool) -> str:
    return f"{resource}:{WRITE if write else READ}"
