"""Recording AIDA touches: one at a time for services, in bulk for the public tracking endpoints."""

import atexit
import datetime as dt
import json
import logging
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.agents import AgentKind, agent_kind
from campaigns.models import TOUCH_KIND_STEP, Campaign, Creative, Touch, TouchKind, TouchSource
from campaigns.services.screening import Hit, scanner_hits, touches_mark_bots
from emarketing.db import relaxed_commits

if TYPE_CHECKING:
    from customers.models import Customer

TEXT_LIMIT = 500
logger = logging.getLogger(__name__)

PREFETCH_HEADERS = ("HTTP_PURPOSE", "HTTP_SEC_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")


def request_agent(*, user_agent: str, meta: Mapping[str, str] | None = None) -> str:
    """The kind of agent behind an open or a click (``campaigns.agents.AgentKind``): what its ``User-Agent``
    names, and a bot when a browser fetched the page ahead (prefetch, preview) rather than a person following it.
    The timing of the hits (scanners) is judged later, where they are written in bulk (``touch_rows_insert``)."""
    kind = agent_kind(user_agent or "")
    if kind == AgentKind.PERSON and meta:
        for header in PREFETCH_HEADERS:
            if "prefetch" in meta.get(header, "").lower() or "preview" in meta.get(header, "").lower():
                return AgentKind.BOT.value
    return kind


def is_automated(*, user_agent: str, meta: Mapping[str, str] | None = None) -> bool:
    """True for an open or click made by a mail proxy, a bot, a link preview or a scanner rather than by a person
    (``campaigns.agents``), or fetched ahead by a browser's prefetch."""
    return request_agent(user_agent=user_agent, meta=meta) != AgentKind.PERSON


def agent_of(*, agent: str | None, is_automated: bool) -> str:
    """The agent a touch is stored with: the one given, else a bot for an automated touch and a person otherwise
    (``Touch.is_automated`` follows from it)."""
    if agent is None:
        return AgentKind.BOT.value if is_automated else AgentKind.PERSON.value
    if agent not in AGENTS:
        raise ValidationError({"agent": _("Unknown kind of visitor: a person, a mail proxy or a bot.")})
    return str(agent)


KINDS = frozenset(TouchKind.values)
SOURCES = frozenset(TouchSource.values)
AGENTS = frozenset(AgentKind.values)
STEP_OF = {str(kind): str(step) for kind, step in TOUCH_KIND_STEP.items()}
COLUMNS = (
    "customer_id",
    "campaign_id",
    "creative_id",
    "step",
    "kind",
    "source",
    "occurred_at",
    "is_automated",
    "user_agent",
    "referrer",
    "detail",
    "agent",
)
# A touch as the values of COLUMNS, in that order.
TouchRow: TypeAlias = tuple[int | None, int | None, int | None, str, str, str, dt.datetime, bool, str, str, str, str]


def _clip(value: object) -> str:
    return str(value or "")[:TEXT_LIMIT]


def touch_build(
    *,
    kind: str,
    source: str,
    customer_id: int | None = None,
    campaign_id: int | None = None,
    creative_id: int | None = None,
    occurred_at: dt.datetime | None = None,
    user_agent: str = "",
    referrer: str = "",
    detail: str = "",
    is_automated: bool = False,
    agent: str | None = None,
) -> Touch:
    """An unsaved Touch with its AIDA step derived from its kind; text is clipped, never interpreted.

    ``agent`` (``AgentKind``) says who made it; without it, ``is_automated`` makes it a bot (else a person)."""
    if kind not in KINDS:
        raise ValidationError({"kind": _("Unknown touch kind.")})
    if source not in SOURCES:
        raise ValidationError({"source": _("Unknown touch source.")})
    agent = agent_of(agent=agent, is_automated=is_automated)
    return Touch(
        kind=kind,
        step=TOUCH_KIND_STEP[TouchKind(kind)],
        source=source,
        customer_id=customer_id,
        campaign_id=campaign_id,
        creative_id=creative_id,
        occurred_at=occurred_at or timezone.now(),
        user_agent=_clip(user_agent),
        referrer=_clip(referrer),
        detail=_clip(detail),
        is_automated=agent != AgentKind.PERSON,
        agent=agent,
    )


@transaction.atomic
def touch_record(
    *,
    kind: str,
    source: str,
    customer: "Customer | None" = None,
    campaign: Campaign | None = None,
    creative: Creative | None = None,
    occurred_at: dt.datetime | None = None,
    user_agent: str = "",
    referrer: str = "",
    detail: str = "",
    is_automated: bool = False,
    agent: str | None = None,
) -> Touch:
    """Record one AIDA touch; the step follows from the kind (``TOUCH_KIND_STEP``), ``is_automated`` from the
    agent (see :func:`touch_build`)."""
    if creative is not None and campaign is None:
        campaign = creative.campaign
    touch = touch_build(
        kind=kind,
        source=source,
        customer_id=getattr(customer, "pk", None),
        campaign_id=getattr(campaign, "pk", None),
        creative_id=getattr(creative, "pk", None),
        occurred_at=occurred_at,
        user_agent=user_agent,
        referrer=referrer,
        detail=detail,
        is_automated=is_automated,
        agent=agent,
    )
    touch.customer, touch.campaign, touch.creative = customer, campaign, creative
    # The related rows were handed in as objects: no need to query their existence again.
    touch.full_clean(exclude=["customer", "campaign", "creative"], validate_constraints=False)
    touch.save()
    return touch


@transaction.atomic
def touches_record_bulk(*, touches: list[Touch]) -> int:
    """Insert many touches in a few statements; each gets its step from its kind and ``is_automated`` from its
    agent. Returns how many."""
    for touch in touches:
        if touch.kind not in KINDS or touch.source not in SOURCES:
            raise ValidationError(_("Unknown touch kind or source."))
        touch.step = TOUCH_KIND_STEP[TouchKind(touch.kind)]
        if touch.agent not in AGENTS:
            raise ValidationError(_("Unknown kind of visitor: a person, a mail proxy or a bot."))
        touch.is_automated = touch.agent != AgentKind.PERSON
        touch.user_agent, touch.referrer, touch.detail = (
            _clip(touch.user_agent),
            _clip(touch.referrer),
            _clip(touch.detail),
        )
    Touch.objects.bulk_create(touches, batch_size=1000)
    return len(touches)


def touch_row(
    *,
    kind: str,
    source: str,
    customer_id: int | None = None,
    campaign_id: int | None = None,
    creative_id: int | None = None,
    user_agent: str = "",
    referrer: str = "",
    detail: str = "",
    is_automated: bool = False,
    agent: str | None = None,
    occurred_at: dt.datetime | None = None,
) -> TouchRow:
    """A touch as a row of values, for the public endpoints' fast path (see :class:`TouchBuffer`)."""
    if kind not in KINDS or source not in SOURCES:
        raise ValidationError(_("Unknown touch kind or source."))
    agent = agent_of(agent=agent, is_automated=is_automated)
    return (
        customer_id,
        campaign_id,
        creative_id,
        STEP_OF[kind],
        str(kind),
        str(source),
        occurred_at or timezone.now(),
        agent != AgentKind.PERSON,
        _clip(user_agent),
        _clip(referrer),
        _clip(detail),
        agent,
    )


def touch_rows_screen(rows: list[TouchRow]) -> tuple[list[TouchRow], list[int]]:
    """The rows with those that scanners made, by their timing, turned into a bot's; and the ids of stored
    touches that their burst takes in (``campaigns.services.screening``)."""
    bots, stored = scanner_hits([Hit(row[1], row[0], row[4], row[5], row[6], row[10]) for row in rows])
    if bots:
        rows = [(*row[:7], True, *row[8:11], AgentKind.BOT.value) if i in bots else row for i, row in enumerate(rows)]
    return rows, stored


def touch_rows_insert(rows: list[TouchRow]) -> int:
    """Insert touch rows in one transaction (one prepared statement); rows naming deleted rows are dropped.

    Opens and clicks that scanners made, by their timing, are stored as bots first, and the touches already stored
    that their burst takes in are turned into bots (``touch_rows_screen``: a fixed few queries per batch).
    """
    if not rows:
        return 0
    rows, stored = touch_rows_screen(rows)
    table = connection.ops.quote_name(Touch._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # noqa: S608
    adapt = connection.ops.adapt_datetimefield_value
    values = [(*row[:6], adapt(row[6]), *row[7:]) for row in rows]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _relax_commit(cursor)
            cursor.executemany(sql, values)
            touches_mark_bots(touch_ids=stored)
        return len(values)
    except IntegrityError:
        # A row a touch names was deleted meanwhile: keep the others.
        kept = 0
        for value in values:
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql, value)
                kept += 1
            except IntegrityError:
                logger.warning("Touch dropped: %s of campaign %s names a deleted row", value[4], value[1])
        touches_mark_bots(touch_ids=stored)
        return kept


def _relax_commit(cursor: CursorWrapper) -> None:
    """This transaction's commit returns before PostgreSQL flushes it to disk: it survives the crash of any
    process of ours (the row is in the server), only a crash of the database server itself could lose it.
    SQLite gets the same from ``synchronous=NORMAL`` in WAL mode, set on every connection."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _encode(row: TouchRow) -> bytes:
    values: list[object] = list(row)
    values[6] = row[6].isoformat()
    return (json.dumps(values, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _decode(line: bytes) -> TouchRow:
    values = json.loads(line)
    values[6] = dt.datetime.fromisoformat(values[6])
    if len(values) == len(COLUMNS) - 1:  # spooled before touches had an agent: judged again by the User-Agent
        kind = agent_kind(values[8])
        values.append((kind if kind != AgentKind.PERSON else AgentKind.BOT.value) if values[7] else AgentKind.PERSON)
    if len(values) != len(COLUMNS):
        raise ValueError(line)
    return cast(TouchRow, tuple(values))  # the values _encode wrote


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class TouchBuffer:
    """Touches from the public endpoints, written in bulk: a few INSERTs per second instead of one per hit.

    Each hit is appended as one line to this process's spool file (``CAMPAIGNS_TRACKING_SPOOL_DIR``) before the
    response leaves: the line is in the operating system's hands, so a process killed outright (``kill -9``,
    out of memory) loses nothing. A background thread moves the spool into the database when
    ``CAMPAIGNS_TRACKING_BUFFER_SIZE`` hits are waiting or every ``CAMPAIGNS_TRACKING_BUFFER_SECONDS``, and it
    also takes over the spool of any process on this machine that died before doing so. A size of 1 writes
    every touch at once, in the request. The spool folder must be local to the machine (pids name the files).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # One flush at a time in a process: the writer thread's and the one at exit would otherwise both take the
        # same claimed spool (claimed files carry this pid) and write its touches twice.
        self.flushing = threading.Lock()
        self.wake = threading.Event()
        self.pid: int | None = None
        self.fd: int | None = None
        self.path: Path | None = None
        self.pending = 0

    @staticmethod
    def directory() -> Path:
        path = Path(settings.CAMPAIGNS_TRACKING_SPOOL_DIR)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _open(self) -> None:
        if self.fd is not None and self.pid == os.getpid():
            os.close(self.fd)
        self.path = self.directory() / f"touches-{os.getpid()}.jsonl"
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def _start(self, seconds: float) -> None:
        # After a fork (gunicorn, Celery prefork) the parent's file, thread and flush are not ours.
        self.fd = None
        self.flushing = threading.Lock()
        self.pid = os.getpid()
        self.pending = 0
        self._open()
        threading.Thread(target=self._run, args=(seconds,), name="touch-spool", daemon=True).start()
        atexit.register(self.flush)

    def _run(self, seconds: float) -> None:
        while True:
            self.wake.wait(timeout=seconds)
            self.wake.clear()
            try:
                with relaxed_commits():
                    self.flush()
            except Exception:  # the spool stays on disk: the next round tries again
                logger.exception("Writing spooled touches failed")
            finally:
                connection.close()  # this thread's own connection

    def add(self, row: TouchRow) -> None:
        size = max(int(settings.CAMPAIGNS_TRACKING_BUFFER_SIZE), 1)
        if size == 1:
            touch_rows_insert([row])
            return
        line = _encode(row)
        with self.lock:
            if self.pid != os.getpid():
                self._start(float(settings.CAMPAIGNS_TRACKING_BUFFER_SECONDS))
            elif self.path is None or self.path.parent != Path(settings.CAMPAIGNS_TRACKING_SPOOL_DIR):
                self._open()  # the folder was changed in settings (tests): spool there from now on
            assert self.fd is not None  # opened by _start or _open just above
            os.write(self.fd, line)
            self.pending += 1
            pending = self.pending
        if pending >= size:
            self.wake.set()

    def _spools_claim(self) -> list[Path]:
        """This process's spool and the spools of dead processes, each renamed so that no one else takes it."""
        me = os.getpid()
        directory = self.directory()
        claimed: list[Path] = []
        with self.lock:
            if self.pid == me and self.pending and self.path is not None and self.path.parent == directory:
                target = directory / f"touches-{me}.{time.time_ns()}.flushing-{me}"
                try:
                    os.rename(self.path, target)
                    claimed.append(target)
                except FileNotFoundError:  # removed from under us: nothing to take, start a new file
                    logger.warning("Touch spool %s disappeared", self.path)
                self._open()  # later hits go to a fresh file, not to the one being flushed
                self.pending = 0
        for path in directory.glob("touches-*"):
            if path in claimed:
                continue
            name = path.name
            flushing = ".flushing-" in name
            owner = name.rsplit("flushing-", 1)[1] if flushing else name.split("-")[1].split(".")[0]
            if not owner.isdigit():
                continue
            owner_pid = int(owner)
            if owner_pid == me and not flushing:
                continue  # our live spool, handled above
            if owner_pid != me and _alive(owner_pid):
                continue  # a live process's spool, or a flush under way elsewhere
            target = directory / f"{name.split('.flushing-')[0]}.{time.time_ns()}.flushing-{me}"
            try:
                os.rename(path, target)
            except FileNotFoundError:  # another process took it first
                continue
            claimed.append(target)
        return claimed

    def flush(self) -> int:
        """Move spooled touches into the database; returns how many rows were written."""
        with self.flushing:
            return self._flush()

    def _flush(self) -> int:
        written = 0
        for path in self._spools_claim():
            with open(path, "rb") as spool:
                rows: list[TouchRow] = []
                for line in spool:
                    try:
                        rows.append(_decode(line))
                    except (ValueError, IndexError):
                        logger.warning("Unreadable spooled touch skipped in %s", path.name)
            written += touch_rows_insert(rows)
            path.unlink()
        return written


touch_buffer = TouchBuffer()


def touch_enqueue(**fields: Any) -> None:
    """Record a touch from a public endpoint, through the buffer (fields as for :func:`touch_row`)."""
    touch_buffer.add(touch_row(**fields))
