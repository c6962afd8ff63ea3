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
import sqlite3
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
