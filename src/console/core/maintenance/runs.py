"""Recorded job runs: what ran, who or which schedule started it, how it went, its report.

A run is a row of ``jobs``: kind (the job's name), user, trigger (``manual`` or
``schedule``), parameters, start and end, state (running, done, failed, cancelled),
a one-line message, the JSON report and its HTML view. While it runs, the row carries
its progress (written at most four times a second) and a cancel request another process
can set; the running process polls it, so Cancel works from the window on a run that
cron started. A run whose process died is found by :func:`recover_interrupted` (its
lock is free but its row says running) and marked failed.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from console.core.base import clock, events
from console.core.base.db import write_transaction
from console.core.base.errors import BadInput
from console.core.base.jobs import JobContext
from console.core.maintenance import locks

if TYPE_CHECKING:
    import sqlite3

    from console.core.base.workspace import Workspace

STATES = ("running", "done", "failed", "cancelled")
TRIGGERS = ("manual", "schedule", "catch-up")
PROGRESS_EVERY_S = 0.25
INTERRUPTED = "interrupted: the process running it ended before the job finished"


@dataclass(frozen=True)
class JobRun:
    id: int
    kind: str
    user: str
    trigger: str
    params: dict[str, Any]
    started_at: str
    finished_at: str | None
    state: str
    message: str
    progress: float
    progress_message: str
    pid: int | None
    host: str
    cancel_requested: bool
    report: dict[str, Any] | None

    def as_dict(self, *, with_report: bool = True) -> dict[str, Any]:
        data = asdict(self)
        if not with_report:
            data.pop("report")
        return data

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (
            datetime.fromisoformat(self.finished_at) - datetime.fromisoformat(self.started_at)
        ).total_seconds()


def start(
    conn: sqlite3.Connection, kind: str, user: str, trigger: str, params: dict[str, Any]
) -> int:
    with write_transaction(conn):
        cur = conn.execute(
            "INSERT INTO jobs (kind, user, trigger, params, started_at, state, pid, host)"
            " VALUES (?,?,?,?,?,'running',?,?)",
            (
                kind,
                user,
                trigger,
                json.dumps(params, default=str),
                clock.iso(),
                os.getpid(),
                socket.gethostname(),
            ),
        )
    return int(cur.lastrowid or 0)


def finish(
    conn: sqlite3.Connection,
    run_id: int,
    state: str,
    message: str,
    *,
    report: dict[str, Any] | None = None,
    html: str | None = None,
) -> None:
    with write_transaction(conn):
        conn.execute(
            "UPDATE jobs SET state = ?, message = ?, finished_at = ?, report = ?,"
            " report_html = ?, progress = CASE WHEN ? = 'done' THEN 1.0 ELSE progress END"
            " WHERE id = ?",
            (
                state,
                message,
                clock.iso(),
                None if report is None else json.dumps(report, default=str),
                html,
                state,
                run_id,
            ),
        )


def tracking_context(conn: sqlite3.Connection, run_id: int, ctx: JobContext) -> JobContext:
    """A context that forwards to ``ctx``, stores progress on the row and takes a cancel
    request from the row (another process's Cancel)."""
    last = [0.0]

    def stored(fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_S and fraction < 1.0:
            return
        last[0] = now
        with write_transaction(conn):
            row = conn.execute(
                "UPDATE jobs SET progress = ?, progress_message = ? WHERE id = ?"
                " RETURNING cancel_requested",
                (fraction, message, run_id),
            ).fetchone()
        if row and row[0]:
            ctx.cancel()

    return _Forwarding(ctx, stored)


class _Forwarding(JobContext):
    def __init__(self, outer: JobContext, stored: Any) -> None:
        super().__init__(None, min_interval=0.0)
        self._outer = outer
        self._stored = stored
        self._cancel = outer._cancel

    def progress(self, fraction: float, message: str = "") -> None:
        self._outer.progress(fraction, message)
        self._stored(self._outer.fraction, self._outer.message)
        self.check()


def request_cancel(ws: Workspace, user: str, run_id: int) -> JobRun:
    """Ask a running run to stop, whichever process runs it (role: operator)."""
    run = require(ws, run_id)
    with ws.change(user, "job.run", f"job:{run_id}") as ch:
        if run.state != "running":
            raise BadInput(f"job run {run_id} is not running ({run.state})")
        ch.conn.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ?", (run_id,))
        ch.details = {"cancel": run.kind}
    return require(ws, run_id)


def recover_interrupted(ws: Workspace) -> list[int]:
    """Mark failed every run that says running but whose job lock nobody holds."""
    rows = ws.conn.execute(
        "SELECT id, kind, pid, host FROM jobs WHERE state = 'running' AND pid IS NOT NULL"
    ).fetchall()
    dead = [int(r["id"]) for r in rows if not locks.is_held(ws.root, r["kind"])]
    if dead:
        with write_transaction(ws.conn) as conn:
            conn.executemany(
                "UPDATE jobs SET state = 'failed', message = ?, finished_at = ?"
                " WHERE id = ? AND state = 'running'",
                [(INTERRUPTED, clock.iso(), run_id) for run_id in dead],
            )
        events.publish("job_finished", ws, runs=dead, state="failed")
    return dead


def history(
    ws: Workspace, *, kind: str | None = None, limit: int = 50, with_report: bool = False
) -> list[JobRun]:
    sql = f"SELECT {'*' if with_report else _LIGHT} FROM jobs"
    args: list[Any] = []
    if kind is not None:
        sql += " WHERE kind = ?"
        args.append(kind)
    rows = ws.conn.execute(sql + " ORDER BY id DESC LIMIT ?", [*args, limit]).fetchall()
    return [_run(r) for r in rows]


_LIGHT = (
    "id, kind, user, trigger, params, started_at, finished_at, state, message, progress,"
    " progress_message, pid, host, cancel_requested"
)


def running(ws: Workspace) -> list[JobRun]:
    rows = ws.conn.execute("SELECT * FROM jobs WHERE state = 'running' ORDER BY id").fetchall()
    return [_run(r) for r in rows]


def get(ws: Workspace, run_id: int) -> JobRun | None:
    row = ws.conn.execute("SELECT * FROM jobs WHERE id = ?", (run_id,)).fetchone()
    return _run(row) if row else None


def require(ws: Workspace, run_id: int) -> JobRun:
    run = get(ws, run_id)
    if run is None:
        raise BadInput(f"job run {run_id} does not exist (see 'console jobs history')")
    return run


def html_of(ws: Workspace, run_id: int) -> str | None:
    row = ws.conn.execute("SELECT report_html FROM jobs WHERE id = ?", (run_id,)).fetchone()
    return None if row is None else row["report_html"]


def latest(ws: Workspace, kind: str, *, state: str | None = "done") -> JobRun | None:
    sql = "SELECT * FROM jobs WHERE kind = ?"
    args: list[Any] = [kind]
    if state is not None:
        sql += " AND state = ?"
        args.append(state)
    row = ws.conn.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
    return _run(row) if row else None


def _run(row: Any) -> JobRun:
    keys = row.keys()
    report = row["report"] if "report" in keys else None
    return JobRun(
        id=int(row["id"]),
        kind=row["kind"],
        user=row["user"],
        trigger=row["trigger"],
        params=json.loads(row["params"] or "{}"),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        state=row["state"],
        message=row["message"],
        progress=float(row["progress"]),
        progress_message=row["progress_message"],
        pid=row["pid"],
        host=row["host"],
        cancel_requested=bool(row["cancel_requested"]),
        report=json.loads(report) if report else None,
    )
