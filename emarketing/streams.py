"""Durable event streams: high-volume events (tracking hits, website behaviour) on a Redis Stream.

Each event is made at the edge with a unique id, added to its stream in the request (``stream_publish``) and
written to the database by consumers (``manage.py consume_events``, any number, on any host) that read in batches
as members of one consumer group, insert idempotently (the event id is unique in its table: ``ON CONFLICT DO
NOTHING``) and acknowledge only after the insert has committed. Entries a consumer read but never acknowledged (it
was killed, or its database call failed) stay pending in the group: the consumer that owns them reads them again
first, and any other takes them over (``XAUTOCLAIM``) once they have been idle for ``EVENTS_CLAIM_IDLE_SECONDS``.
An event is therefore written at least once and stored exactly once.

Without ``EVENTS_REDIS_URL`` (the embedded default), or while Redis cannot be reached, ``stream_publish`` hands the
event to its stream's writer at once, in the request: the same idempotent insert, a batch of one.

A stage registers its stream in its ``AppConfig.ready()`` with :func:`stream_register`; this module imports no
stage. Production needs Redis persistence (``appendonly yes``, ``appendfsync everysec`` or ``always``): an event
is in Redis's hands when the response leaves, and only AOF keeps it through a restart of Redis itself.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

Event = dict[str, Any]
# Writes a batch of events in one transaction, idempotently (events already stored are skipped); returns how many
# rows it stored. Raising leaves the batch pending, to be read again.
Writer = Callable[[Sequence[Event]], int]

GROUP = "writers"
FIELD = "e"


@dataclass(frozen=True)
class Stream:
    name: str
    writer: Writer

    @property
    def key(self) -> str:
        return f"{settings.EVENTS_STREAM_PREFIX}{self.name}"


_streams: dict[str, Stream] = {}


def stream_register(name: str, writer: Writer) -> Stream:
    """Declare a stream and the function that writes its events to the database (called from ``ready()``)."""
    stream = Stream(name=name, writer=writer)
    _streams[name] = stream
    return stream


def streams() -> list[Stream]:
    return list(_streams.values())


def event_id() -> str:
    """A unique id made where the event happens: 48 bits of milliseconds, then 80 random bits (a UUID whose order
    follows time, so the unique index it fills stays compact)."""
    value = (time.time_ns() // 1_000_000) << 80 | random.getrandbits(80)
    return str(uuid.UUID(int=value))


@cache
def _client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=30)


def redis_client() -> Any | None:
    """The Redis that holds the streams; None on embedded defaults."""
    url = settings.EVENTS_REDIS_URL
    return _client(url) if url else None


def _encode(event: Event) -> str:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), default=str)


def stream_publish(name: str, event: Event) -> None:
    """Add one event to its stream, or write it at once when there is no Redis to hold it.

    ``event`` must carry its id (``event_id()``) and everything the writer needs; it is JSON-encoded."""
    stream = _streams[name]
    client = redis_client()
    if client is not None:
        import redis

        try:
            client.xadd(stream.key, {FIELD: _encode(event)})
            return
        except redis.RedisError:
            logger.warning("Redis unreachable: a %s event is written in the request", name, exc_info=True)
    stream.writer([json.loads(_encode(event))])


def _decode(entries: Sequence[tuple[bytes, dict[bytes, bytes]]]) -> tuple[list[bytes], list[Event]]:
    ids, events = [], []
    for entry_id, fields in entries:
        ids.append(entry_id)
        try:
            events.append(json.loads(fields[FIELD.encode()]))
        except (KeyError, ValueError):
            logger.error("Unreadable event %s dropped", entry_id)
    return ids, events


class Consumer:
    """One member of each stream's consumer group: reads batches, writes them, acknowledges after commit."""

    def __init__(self, *, name: str | None = None, batch: int | None = None, names: Sequence[str] | None = None):
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self.batch = batch or settings.EVENTS_BATCH_SIZE
        self.streams = [_streams[n] for n in names] if names else streams()
        client = redis_client()
        if client is None:
            raise RuntimeError("EVENTS_REDIS_URL is not set: events are written in the request, nothing to consume")
        self.client = client
        # When each stream's unacknowledged events are next looked at (at once on start, then now and again).
        self.recover_at: dict[str, float] = {}

    def ensure_groups(self) -> None:
        import redis

        for stream in self.streams:
            try:
                self.client.xgroup_create(stream.key, GROUP, id="0", mkstream=True)
            except redis.ResponseError as error:
                if "BUSYGROUP" not in str(error):
                    raise

    def _recover(self, stream: Stream) -> list[tuple[bytes, dict[bytes, bytes]]]:
        """Events read before and never acknowledged: this consumer's own (its write failed), else a dead
        consumer's that have been idle for ``EVENTS_CLAIM_IDLE_SECONDS``."""
        mine = self.client.xreadgroup(GROUP, self.name, {stream.key: "0"}, count=self.batch)
        entries = [e for e in (mine[0][1] if mine else []) if e[1]]
        if entries:
            return entries
        idle_ms = int(settings.EVENTS_CLAIM_IDLE_SECONDS * 1000)
        claimed = self.client.xautoclaim(stream.key, GROUP, self.name, idle_ms, "0-0", count=self.batch)
        return [e for e in claimed[1] if e[1]]

    def _read(self, stream: Stream, block_ms: int | None) -> list[tuple[bytes, dict[bytes, bytes]]]:
        now = time.monotonic()
        if now >= self.recover_at.get(stream.name, 0.0):
            entries = self._recover(stream)
            if entries:
                return entries  # more may wait: look again at once
            self.recover_at[stream.name] = now + max(settings.EVENTS_CLAIM_IDLE_SECONDS / 2, 0.2)
        new = self.client.xreadgroup(GROUP, self.name, {stream.key: ">"}, count=self.batch, block=block_ms)
        entries = new[0][1] if new else []
        if entries and len(entries) < self.batch and settings.EVENTS_LINGER_SECONDS > 0:
            # A trickle: wait a moment for more, so that a busy stream is written in a few large transactions
            # rather than many small ones.
            time.sleep(settings.EVENTS_LINGER_SECONDS)
            more = self.client.xreadgroup(GROUP, self.name, {stream.key: ">"}, count=self.batch - len(entries))
            entries += more[0][1] if more else []
        return entries

    def acknowledge(self, stream: Stream, ids: Sequence[bytes]) -> None:
        """Acknowledge and remove written entries: a stream holds only what is still to be written."""
        pipe = self.client.pipeline(transaction=True)
        pipe.xack(stream.key, GROUP, *ids)
        pipe.xdel(stream.key, *ids)
        pipe.execute()

    def run_once(self, *, block_ms: int | None = None) -> int:
        """Read and write at most one batch per stream; returns how many events were read."""
        read = 0
        for stream in self.streams:
            entries = self._read(stream, block_ms)
            if not entries:
                continue
            ids, events = _decode(entries)
            close_old_connections()
            try:
                if events:
                    stream.writer(events)
            except Exception:
                self.recover_at[stream.name] = 0.0  # read this batch again first
                raise
            self.acknowledge(stream, ids)
            read += len(ids)
        return read

    def drain(self) -> int:
        """Write everything waiting (pending included); for tests and the command's ``--drain``."""
        total = 0
        while n := self.run_once():
            total += n
        return total

    def run_forever(self, *, should_stop: Callable[[], bool] = lambda: False) -> None:
        import redis

        self.ensure_groups()
        pause = 0.5
        while not should_stop():
            try:
                if not self.run_once(block_ms=int(settings.EVENTS_BLOCK_SECONDS * 1000)):
                    continue
                pause = 0.5
            except redis.RedisError:
                logger.warning("Redis unreachable; trying again in %.1f s", pause, exc_info=True)
                time.sleep(pause)
                pause = min(pause * 2, 30)
                with contextlib.suppress(redis.RedisError):
                    self.ensure_groups()  # a Redis that restarted empty has lost the group
            except Exception:
                logger.exception("Writing events failed; the batch stays pending and is read again")
                time.sleep(pause)
                pause = min(pause * 2, 30)


def stream_backlog() -> dict[str, dict[str, int]]:
    """Per stream: entries waiting (not yet written) and pending (read by a consumer, not acknowledged)."""
    client = redis_client()
    if client is None:
        return {}
    import redis

    figures = {}
    for stream in streams():
        waiting = client.xlen(stream.key)
        try:
            pending = client.xpending(stream.key, GROUP)["pending"]
        except redis.ResponseError:  # no consumer has started yet: the group does not exist
            pending = 0
        figures[stream.name] = {"waiting": int(waiting), "pending": int(pending)}
    return figures
