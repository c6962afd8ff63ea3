"""Long work as plain functions that report progress and honour Cancel.

A job function takes a :class:`JobContext` as the keyword argument ``ctx`` and calls
``ctx.progress(fraction, message)`` often (at least every ~100 ms of work). Each call is
also where a pending cancel takes effect: it raises :class:`JobCancelled`, and the job's
own transaction/atomic-write discipline leaves stored state as it was.

The context knows nothing of Qt or terminals: the GUI passes a callback that emits a
signal, the CLI one that redraws a text bar, tests a list.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from console.core.base import clock, events
from console.core.base.db import write_transaction
from console.core.base.errors import ConsoleError, JobCancelled

ProgressCallback = Callable[[float, str], None]
T = TypeVar("T")

#: the nice value of work that must yield the CPU: the window's job threads (to the
#: GUI thread), an operator's deploy checks (to the scoring service on the same cores)
NICENESS = 10


def lower_thread_priority() -> None:
    """Make the calling thread nicer (``NICENESS``), where the OS allows it.

    On Linux a thread's nice value is its own, and the threads it starts (pyarrow's
    pool among them) inherit it: on a busy machine the scheduler then runs the others
    first. It cannot be raised again without privileges: call it on a thread of its own.
    """
    if not sys.platform.startswith("linux"):  # elsewhere the id would name a process
        return
    tid = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, tid) < NICENESS:
            os.setpriority(os.PRIO_PROCESS, tid, NICENESS)
    except OSError:  # not permitted here: run at normal priority
        pass


def at_lower_priority(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` on a thread of lowered priority; its result or exception.

    A thread already that nice (the window's job threads) runs it itself. Otherwise an
    idle thread of a small pool does, made when every one is busy (calls at once run at
    once; a workspace opens a connection per pool thread, not per call).
    """
    if not sys.platform.startswith("linux"):
        return fn(*args, **kwargs)
    try:
        if os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) >= NICENESS:
            return fn(*args, **kwargs)
    except OSError:
        return fn(*args, **kwargs)
    with _nice_lock:
        worker = _nice_idle.pop() if _nice_idle else _NiceWorker()
    try:
        return worker.call(fn, *args, **kwargs)
    finally:
        with _nice_lock:
            _nice_idle.append(worker)


class _NiceWorker:
    """A daemon thread of lowered priority that runs one call at a time (its caller
    waits for it: nothing is left half-done when the process exits)."""

    def __init__(self) -> None:
        import queue

        self._calls: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        threading.Thread(target=self._run, name="lower-priority", daemon=True).start()

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        from concurrent.futures import Future

        done: Future[T] = Future()
        self._calls.put((fn, args, kwargs, done))
        return done.result()

    def _run(self) -> None:
        lower_thread_priority()
        while True:
            fn, args, kwargs, done = self._calls.get()
            try:
                done.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # the caller re-raises it
                done.set_exception(exc)


_nice_lock = threading.Lock()
_nice_idle: list[_NiceWorker] = []  # made when none is idle


class JobContext:
    """Progress and cancellation for one run of a job. Thread-safe to cancel."""

    def __init__(
        self, on_progress: ProgressCallback | None = None, *, min_interval: float = 0.05
    ) -> None:
        self._on_progress = on_progress
        self._cancel = threading.Event()
        self._min_interval = min_interval
        self._last_report = float("-inf")  # the first report always goes out
        self.fraction = 0.0
        self.message = ""

    def cancel(self) -> None:
        """Ask the job to stop at its next progress report."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise JobCancelled if cancel was requested."""
        if self._cancel.is_set():
            raise JobCancelled()

    def progress(self, fraction: float, message: str = "") -> None:
        """Report ``fraction`` in [0, 1] done; reports are throttled, cancel is not."""
        self.check()
        self.fraction = min(max(fraction, 0.0), 1.0)
        if message:
            self.message = message
        now = time.monotonic()
        if self._on_progress and (
            now - self._last_report >= self._min_interval or self.fraction >= 1.0
        ):
            self._last_report = now
            self._on_progress(self.fraction, self.message)

    def sub(self, start: float, end: float) -> JobContext:
        """A context whose 0..1 maps onto ``start..end`` of this one (same cancel)."""
        return _SubContext(self, start, end)


class _SubContext(JobContext):
    def __init__(self, parent: JobContext, start: float, end: float) -> None:
        super().__init__(None)
        self._parent = parent
        self._start = start
        self._span = end - start
        self._cancel = parent._cancel

    def progress(self, fraction: float, message: str = "") -> None:
        self.fraction = min(max(fraction, 0.0), 1.0)
        self._parent.progress(self._start + self._span * self.fraction, message)


@dataclass(frozen=True)
class JobRecord:
    id: int
    kind: str
    user: str
    params: dict[str, Any]
    started_at: str
    finished_at: str | None
    state: str
    message: str


def run_recorded(
    conn: sqlite3.Connection,
    kind: str,
    user: str,
    params: dict[str, Any],
    work: Callable[[], T],
) -> T:
    """Run ``work()`` with a row in ``jobs`` that ends as done, failed or cancelled."""
    with write_transaction(conn):
        cur = conn.execute(
            "INSERT INTO jobs (kind, user, params, started_at, state) VALUES (?,?,?,?,'running')",
            (kind, user, json.dumps(params, default=str), clock.iso()),
        )
    job_id = cur.lastrowid
    state, message = "failed", "interrupted"
    try:
        result = work()
        state, message = "done", ""
        return result
    except JobCancelled:
        state, message = "cancelled", "cancelled by the user"
        raise
    except ConsoleError as exc:
        message = str(exc)
        raise
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        with write_transaction(conn):
            conn.execute(
                "UPDATE jobs SET state = ?, message = ?, finished_at = ? WHERE id = ?",
                (state, message, clock.iso(), job_id),
            )
            events.after_commit(conn, "job_finished", job=job_id, kind=kind, state=state)


def recent_jobs(conn: sqlite3.Connection, limit: int = 50) -> list[JobRecord]:
    rows = conn.execute("SELECT * FROM jobs ORDER BY id DESC LIMIT ?", (limit,))
    return [
        JobRecord(
            r["id"],
            r["kind"],
            r["user"],
            json.loads(r["params"]),
            r["started_at"],
            r["finished_at"],
            r["state"],
            r["message"],
        )
        for r in rows
    ]
