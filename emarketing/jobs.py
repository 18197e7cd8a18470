"""Progress and cancellation of a long job, shared by every process through Django's cache.

A background import runs inside one database transaction (so that it is all or nothing); what it has done so
far cannot be written to the database where others would see it (and on SQLite nothing else may write while
it runs). So the job reports its progress to the cache, which every process shares (a folder on embedded
defaults, Redis in production), and reads there whether someone asked it to stop.
"""

import time
from dataclasses import asdict, dataclass

from django.core.cache import cache

KEEP_SECONDS = 24 * 3600


@dataclass
class Progress:
    done: int = 0  # rows handled
    total: int = 0  # rows expected (an estimate: the file's lines)
    errors: int = 0
    started: float = 0.0  # time.time() when the job started
    updated: float = 0.0

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    @property
    def seconds_left(self) -> float | None:
        """Time left at the pace so far; None until there is a pace to go by."""
        elapsed = self.updated - self.started
        if not self.done or elapsed <= 0 or not self.total:
            return None
        return max(0.0, (self.total - self.done) * elapsed / self.done)


def _key(name: str, part: str) -> str:
    return f"job:{name}:{part}"


def progress_report(name: str, *, done: int, total: int, errors: int, started: float) -> None:
    progress = Progress(done=done, total=total, errors=errors, started=started, updated=time.time())
    cache.set(_key(name, "progress"), asdict(progress), KEEP_SECONDS)


def progress_read(name: str) -> Progress | None:
    data = cache.get(_key(name, "progress"))
    return Progress(**data) if isinstance(data, dict) else None


def cancel_request(name: str) -> None:
    cache.set(_key(name, "cancel"), True, KEEP_SECONDS)


def cancel_requested(name: str) -> bool:
    return bool(cache.get(_key(name, "cancel")))
