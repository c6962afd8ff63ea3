"""Run a maintenance job once, recorded and locked; run every due schedule.

:func:`run_job` checks the role (operators run jobs), takes the job's lock (a second
run at the same time is refused, whichever process asks), records the run, runs it
with progress and cancel (also from another process), stores the report as JSON and
HTML, and publishes ``job_finished``. :func:`run_due` is what cron or a systemd timer
calls, and what the window does at start: it first marks failed any run whose process
died, then runs, one after the other, each job whose schedule is owed a run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from console.core.base import clock, db, events
from console.core.base.errors import ConsoleError, JobCancelled
from console.core.base.jobs import JobContext
from console.core.maintenance import catalog, locks, report_html, runs, schedules

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

log = logging.getLogger(__name__)


def run_job(
    ws: Workspace,
    user: str,
    name: str,
    *,
    trigger: str = "manual",
    ctx: JobContext | None = None,
) -> runs.JobRun:
    """Run job ``name`` now and return its record (done, failed or cancelled).

    Raises JobBusy when it is already running, PermissionDenied for a viewer; a run
    that fails or is cancelled is recorded and its error re-raised.
    """
    spec = catalog.spec(name)
    ws.authorize(user, "job.run", f"job:{name}")
    ctx = ctx or JobContext()
    lock = locks.JobLock(ws.root, name, user=user, trigger=trigger)
    lock.acquire()
    # bookkeeping on a connection of its own: the job's changes use ws.conn
    book = db.connect(ws.root / "console.db")
    state, message, report = "failed", runs.INTERRUPTED, None
    run_id = 0
    try:
        run_id = runs.start(book, name, user, trigger, spec.settings(ws))
        tracked = runs.tracking_context(book, run_id, ctx)
        try:
            tracked.progress(0.0, f"{spec.title}: starting")
            report = spec.work(ws, user, tracked)
            ctx.check()
            state, message = "done", str(report.get("summary", ""))
        except JobCancelled:
            state, message = "cancelled", "cancelled; nothing was kept"
            raise
        except ConsoleError as exc:
            message = str(exc)
            raise
        except Exception as exc:
            log.exception("job %s failed", name)
            message = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            html = _html(
                ws, spec, run_id, name=name, user=user, trigger=trigger, state=state,
                message=message, report=report,
            )  # fmt: skip
            runs.finish(book, run_id, state, message, report=report, html=html)
    finally:
        book.close()
        lock.release()
        if run_id:
            events.publish("job_finished", ws, run=run_id, kind=name, state=state)
    return runs.require(ws, run_id)


def _html(
    ws: Workspace,
    spec: catalog.JobSpec,
    run_id: int,
    *,
    name: str,
    user: str,
    trigger: str,
    state: str,
    message: str,
    report: dict[str, Any] | None,
) -> str:
    if report is not None and state == "done":
        try:
            own = spec.html(ws, report)
        except Exception:  # a view must not lose the run's record
            log.exception("HTML view of %s run %d failed", name, run_id)
            own = None
        if own:
            return own
    started = runs.get(ws, run_id)
    meta = {
        "id": run_id,
        "kind": name,
        "user": user,
        "trigger": trigger,
        "state": state,
        "message": message,
        "started_at": started.started_at if started else "",
        "finished_at": clock.iso(),
        "params": started.params if started else {},
    }
    return report_html.render(meta, report)


@dataclass
class DueOutcome:
    recovered: list[int] = field(default_factory=list)
    ran: list[runs.JobRun] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and all(r.state == "done" for r in self.ran)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "recovered": self.recovered,
            "ran": [r.as_dict(with_report=False) for r in self.ran],
            "busy": self.busy,
            "failed": [{"job": n, "error": e} for n, e in self.failed],
        }


def run_due(
    ws: Workspace,
    user: str,
    *,
    now: datetime | None = None,
    ctx: JobContext | None = None,
) -> DueOutcome:
    """Mark dead runs failed, then run every job owed a run (each once)."""
    ws.authorize(user, "job.run", "job:due")
    ctx = ctx or JobContext()
    now = now or clock.now()
    outcome = DueOutcome(recovered=runs.recover_interrupted(ws))
    owed = [s for s in schedules.status(ws, now) if s.due]
    for i, sched in enumerate(owed):
        assert sched.due is not None
        if locks.is_held(ws.root, sched.name):
            outcome.busy.append(sched.name)  # it runs already: this due time stays owed
            continue
        if not schedules.claim(ws, sched.name, sched.due):
            continue  # another process took it
        sub = ctx.sub(i / len(owed), (i + 1) / len(owed))
        try:
            done = run_job(
                ws, user, sched.name, trigger=schedules.trigger_for(sched.due, now), ctx=sub
            )
        except locks.JobBusy:
            outcome.busy.append(sched.name)
            continue
        except JobCancelled:
            raise
        except ConsoleError as exc:
            outcome.failed.append((sched.name, str(exc)))
            last = runs.latest(ws, sched.name, state=None)
            if last is not None:
                schedules.record_run(ws, sched.name, last.id)
            continue
        schedules.record_run(ws, sched.name, done.id)
        outcome.ran.append(done)
    return outcome
