"""The recorder: Celery's task signals write each run of a scheduled job to ``TaskRun``.

``task_prerun`` inserts the row (or, for a run a manager queued by hand, updates the row the page inserted),
``task_retry`` and ``task_failure`` note what went wrong, and ``task_postrun`` writes the end in one update: outcome,
duration, what the task returned (bounded), the error. The signals fire in the process that runs the task — a
worker's pool process, or the caller when tasks run eagerly — so the same code records both.

Only tasks named in the beat schedule are recorded: those are the jobs a manager sees. The recorder never makes a
task fail: a write it cannot make is logged and the task goes on.

A lower floor knows nothing of who is told about a failure: ``failure_listeners`` is a registry that the jobs page's
app fills in its ``AppConfig.ready()``; each listener gets the run of a final failure (never a retry).
"""

import datetime as dt
import json
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

from celery import Task
from celery.exceptions import Retry
from celery.signals import task_failure, task_postrun, task_prerun, task_retry
from django.db import transaction
from django.utils import timezone

from emarketing.taskruns.models import ERROR_LENGTH, RESULT_LENGTH, RunOutcome, TaskRun

logger = logging.getLogger(__name__)

FALLBACK_TIME_LIMIT = 3600  # seconds, for a task with no time limit anywhere

FailureListener = Callable[[TaskRun], None]
AnyTask = Task[Any, Any]


class FailureListeners:
    """Who wants to know when a run fails for good. ``register`` in an ``AppConfig.ready()``."""

    def __init__(self) -> None:
        self._listeners: dict[str, FailureListener] = {}

    def register(self, key: str, listener: FailureListener) -> None:
        self._listeners[key] = listener

    def __iter__(self) -> Iterator[FailureListener]:
        return iter(list(self._listeners.values()))


failure_listeners = FailureListeners()

# What the failure and retry signals noted, per (task id, attempt), for the postrun update of this process.
_problems: dict[tuple[str, int], BaseException | str] = {}
_started: dict[tuple[str, int], dt.datetime] = {}


def scheduled_task_names(task: AnyTask) -> set[str]:
    """The tasks of the beat schedule: the jobs that are recorded."""
    schedule = task.app.conf.beat_schedule or {}
    return {entry["task"] for entry in schedule.values() if "task" in entry}


def time_limit(task: AnyTask) -> int:
    """The hard time limit a run of ``task`` is killed at: the message's, the task's, or the app's."""
    limits = getattr(task.request, "timelimit", None) or (None, None)
    return int(limits[0] or task.time_limit or task.app.conf.task_time_limit or FALLBACK_TIME_LIMIT)


def error_text(problem: BaseException | str | None) -> str:
    if problem is None:
        return ""
    text = f"{type(problem).__name__}: {problem}" if isinstance(problem, BaseException) else str(problem)
    return text if len(text) <= ERROR_LENGTH else text[: ERROR_LENGTH - 1] + "…"


def bounded_result(value: Any) -> Any:
    """What the task returned, as JSON of bounded size: counts and small dicts as they are, anything else as text."""
    if value is None or isinstance(value, BaseException):
        return None
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = json.dumps(repr(value))
        value = repr(value)
    if len(text) <= RESULT_LENGTH:
        return value
    return str(value)[: RESULT_LENGTH - 1] + "…"


def _key(task: AnyTask, task_id: str) -> tuple[str, int]:
    return task_id, int(getattr(task.request, "retries", 0) or 0)


def _safely(write: Callable[[], Any]) -> Any:
    try:
        # Its own savepoint when the task runs inside a transaction (eagerly, in a test or a request).
        with transaction.atomic():
            return write()
    except Exception:
        logger.exception("A job run could not be recorded")
        return None


def run_started(sender: AnyTask | None = None, task_id: str = "", task: AnyTask | None = None, **kwargs: Any) -> None:
    task = task or sender
    if task is None or task.name not in scheduled_task_names(task):
        return
    now = timezone.now()
    key = _key(task, task_id)
    fields = {
        "started_at": now,
        "deadline": now + dt.timedelta(seconds=time_limit(task)),
        "outcome": RunOutcome.RUNNING,
        "worker": str(getattr(task.request, "hostname", "") or "")[:200],
        "attempt": key[1],
    }

    def write() -> bool:
        # A run started by hand: the page inserted its row when it queued the task.
        if not TaskRun.objects.filter(task_id=task_id, outcome=RunOutcome.QUEUED).update(**fields):
            TaskRun.objects.create(task_name=task.name, task_id=task_id, recorded_at=now, **fields)
        return True

    if _safely(write):
        _started[key] = now


def run_retried(sender: AnyTask | None = None, request: Any = None, reason: Any = None, **kwargs: Any) -> None:
    if sender is None or request is None:
        return
    cause = getattr(reason, "exc", None) or reason
    _problems[(request.id, int(getattr(request, "retries", 0) or 0))] = cause


def run_failed(
    sender: AnyTask | None = None, task_id: str = "", exception: BaseException | None = None, **kwargs: Any
) -> None:
    if sender is None or exception is None:
        return
    _problems[_key(sender, task_id)] = exception


OUTCOMES = {"SUCCESS": RunOutcome.SUCCEEDED, "FAILURE": RunOutcome.FAILED, "RETRY": RunOutcome.RETRIED}


def run_ended(
    sender: AnyTask | None = None,
    task_id: str = "",
    task: AnyTask | None = None,
    retval: Any = None,
    state: str = "",
    **kw: Any,
) -> None:
    task = task or sender
    if task is None:
        return
    key = _key(task, task_id)
    started = _started.pop(key, None)
    problem = _problems.pop(key, None)
    if started is None:
        return
    outcome = OUTCOMES.get(state)
    if outcome is None:
        # Run eagerly with exceptions propagated, Celery sends neither task_failure nor task_retry and leaves the
        # state unset: the exception on its way out of the task is the one being handled here.
        in_flight = sys.exc_info()[1]
        outcome = RunOutcome.RETRIED if isinstance(in_flight, Retry) else RunOutcome.FAILED
        problem = problem or (getattr(in_flight, "exc", None) or in_flight) or state  # IGNORED, REJECTED
    if outcome != RunOutcome.SUCCEEDED and problem is None and isinstance(retval, BaseException):
        problem = getattr(retval, "exc", None) or retval
    now = timezone.now()

    def write() -> int:
        # Its start time too: a message delivered again after its worker was killed has the same id and attempt,
        # and the run the dead worker left must stay as it was ("did not finish").
        return TaskRun.objects.filter(
            task_id=task_id, attempt=key[1], started_at=started, outcome=RunOutcome.RUNNING
        ).update(
            finished_at=now,
            duration=now - started,
            outcome=outcome,
            result=bounded_result(retval) if outcome == RunOutcome.SUCCEEDED else None,
            error=error_text(problem) if outcome != RunOutcome.SUCCEEDED else "",
        )

    if _safely(write) and outcome == RunOutcome.FAILED:
        run = TaskRun.objects.filter(task_id=task_id, attempt=key[1], started_at=started).first()
        if run is not None:
            _tell_listeners(run)


def _tell_listeners(run: TaskRun) -> None:
    for listener in failure_listeners:
        try:
            listener(run)
        except Exception:
            logger.exception("A listener of failed job runs failed")


def connect_recorder() -> None:
    task_prerun.connect(run_started, dispatch_uid="taskruns.started", weak=False)
    task_retry.connect(run_retried, dispatch_uid="taskruns.retried", weak=False)
    task_failure.connect(run_failed, dispatch_uid="taskruns.failed", weak=False)
    task_postrun.connect(run_ended, dispatch_uid="taskruns.ended", weak=False)
