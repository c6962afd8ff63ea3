"""Runbook runs, recorded step by step and resumable.

A run belongs to one version of a runbook. Each step's record says who did it, when
and with what result: a ``@check`` step runs its check (``ok``, ``problem`` or
``failed`` with the summary), an ``@open`` step is recorded as ``opened`` when the page
was shown, a manual step is ``done`` or ``skipped`` by the operator with a note. A step
may be recorded again (the latest record counts). An open run can be resumed by anyone
with the operator role - from the CLI or the window - at its first step without a
record; it is ``done`` when every step has one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from console.core.base import clock, events
from console.core.base.errors import BadInput
from console.core.base.jobs import JobContext
from console.core.runbooks import checks, library
from console.core.runbooks.format import Runbook, Step

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

STATUSES = ("ok", "problem", "done", "skipped", "opened", "failed")


@dataclass(frozen=True)
class StepRecord:
    step: int
    status: str
    result: str
    user: str
    ts: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Run:
    id: int
    runbook: str
    doc_version: int
    user: str
    started_at: str
    finished_at: str | None
    state: str
    records: dict[int, StepRecord] = field(default_factory=dict)  # latest per step
    context: dict[str, Any] = field(default_factory=dict)

    def next_step(self, book: Runbook) -> Step | None:
        return next((s for s in book.steps if s.index not in self.records), None)

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "records"}
        data["records"] = [r.as_dict() for r in sorted(self.records.values(),
                                                        key=lambda r: r.step)]  # fmt: skip
        return data


def start(ws: Workspace, user: str, name: str, *, context: dict[str, Any] | None = None) -> Run:
    """Start a run of the current version of ``name`` (role: operator)."""
    doc, _ = library.load(ws, name)
    with ws.change(user, "runbook.run", f"runbook:{name}") as ch:
        cur = ch.conn.execute(
            "INSERT INTO runbook_runs (runbook, doc_version, user, started_at, state, context)"
            " VALUES (?,?,?,?, 'open', ?)",
            (name, doc.version, user, clock.iso(), json.dumps(context or {})),
        )
        run_id = int(cur.lastrowid or 0)
        ch.details = {"run": run_id, "version": doc.version, "event": "started"}
    events.publish("runbook_step", ws, run=run_id, step=None)
    return get(ws, run_id)


def get(ws: Workspace, run_id: int) -> Run:
    row = ws.conn.execute("SELECT * FROM runbook_runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        raise BadInput(f"runbook run {run_id} does not exist")
    records: dict[int, StepRecord] = {}
    for r in ws.conn.execute("SELECT * FROM runbook_steps WHERE run_id = ? ORDER BY id", (run_id,)):
        records[r["step"]] = StepRecord(r["step"], r["status"], r["result"], r["user"], r["ts"])
    return Run(row["id"], row["runbook"], row["doc_version"], row["user"], row["started_at"],
               row["finished_at"], row["state"], records, json.loads(row["context"]))  # fmt: skip


def book_of(ws: Workspace, run: Run) -> Runbook:
    """The runbook version the run follows (later edits do not change a started run)."""
    return library.load(ws, run.runbook, run.doc_version)[1]


def record(
    ws: Workspace, user: str, run_id: int, step: int, *, status: str, result: str = ""
) -> Run:
    """Record a step's outcome (role: operator); the run is done once every step has one."""
    if status not in STATUSES:
        raise BadInput(f"step status {status!r} is not one of {', '.join(STATUSES)}")
    run = get(ws, run_id)
    book = book_of(ws, run)
    if not 0 <= step < len(book.steps):
        raise BadInput(f"runbook {run.runbook} has steps 1..{len(book.steps)}, not {step + 1}")
    if run.state != "open":
        raise BadInput(f"run {run_id} is {run.state}; start a new run")
    with ws.change(user, "runbook.run", f"runbook:{run.runbook}") as ch:
        ch.conn.execute(
            "INSERT INTO runbook_steps (run_id, step, status, result, user, ts)"
            " VALUES (?,?,?,?,?,?)",
            (run_id, step, status, result, user, clock.iso()),
        )
        done = {r["step"] for r in ch.conn.execute(
            "SELECT DISTINCT step FROM runbook_steps WHERE run_id = ?", (run_id,))}  # fmt: skip
        finished = len(done) >= len(book.steps)
        if finished:
            ch.conn.execute(
                "UPDATE runbook_runs SET state = 'done', finished_at = ? WHERE id = ?",
                (clock.iso(), run_id),
            )
        ch.details = {"run": run_id, "step": step + 1, "status": status,
                      "result": result[:200], "finished": finished}  # fmt: skip
    events.publish("runbook_step", ws, run=run_id, step=step)
    return get(ws, run_id)


def run_step(
    ws: Workspace, user: str, run_id: int, step: int, ctx: JobContext | None = None
) -> tuple[Run, checks.CheckOutcome | None]:
    """Perform a ``@check`` step (run the check, record its outcome) - a job in the GUI.

    Other steps need the operator: this records nothing for them and returns None.
    """
    run = get(ws, run_id)
    target = book_of(ws, run).steps[step] if 0 <= step < len(book_of(ws, run).steps) else None
    if target is None:
        raise BadInput(f"run {run_id} has no step {step + 1}")
    if target.kind != "check":
        return run, None
    ws.authorize(user, "runbook.run", f"runbook:{run.runbook}")
    outcome = checks.run_check(ws, user, target.target, ctx)
    return record(ws, user, run_id, step, status=outcome.status, result=outcome.summary), outcome


def abandon(ws: Workspace, user: str, run_id: int, *, reason: str) -> Run:
    run = get(ws, run_id)
    if run.state != "open":
        raise BadInput(f"run {run_id} is already {run.state}")
    with ws.change(user, "runbook.run", f"runbook:{run.runbook}") as ch:
        ch.conn.execute(
            "UPDATE runbook_runs SET state = 'abandoned', finished_at = ? WHERE id = ?",
            (clock.iso(), run_id),
        )
        ch.details = {"run": run_id, "event": "abandoned", "reason": reason}
    events.publish("runbook_step", ws, run=run_id, step=None)
    return get(ws, run_id)


def history(ws: Workspace, name: str | None = None, limit: int = 50) -> list[Run]:
    """Runs, newest first (of one runbook when ``name`` is given)."""
    sql = "SELECT id FROM runbook_runs"
    args: list[Any] = []
    if name:
        sql += " WHERE runbook = ?"
        args.append(name)
    rows = ws.conn.execute(sql + " ORDER BY id DESC LIMIT ?", [*args, limit]).fetchall()
    return [get(ws, r["id"]) for r in rows]


def open_run(ws: Workspace, name: str) -> Run | None:
    """The newest open run of ``name`` (to resume), if any."""
    row = ws.conn.execute(
        "SELECT id FROM runbook_runs WHERE runbook = ? AND state = 'open' ORDER BY id DESC",
        (name,),
    ).fetchone()
    return get(ws, row["id"]) if row else None
