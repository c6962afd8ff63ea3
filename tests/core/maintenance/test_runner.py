"""Job runs: recorded with report and HTML, one at a time per job (across processes),
killed runs marked failed at next start, cancel from another process, run-due."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import timedelta
from typing import Any

import pytest

from console.core.base import clock
from console.core.base.errors import BadInput, JobCancelled, PermissionDenied
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.core.maintenance import catalog, locks, runner, runs, schedules


def _fake(monkeypatch: pytest.MonkeyPatch, name: str, work: Any) -> None:
    spec = catalog.SPECS[name]
    monkeypatch.setitem(
        catalog.SPECS, name, catalog.JobSpec(name, spec.title, "", work, lambda ws: {"x": 1})
    )


def _ok(ws: Workspace, user: str, ctx: JobContext) -> dict[str, Any]:
    ctx.progress(0.5, "half way")
    return {"summary": "all fine", "ok": True, "findings": ["one thing"], "rows": [{"a": 1}]}


def test_a_run_is_recorded_with_its_report_and_html(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake(monkeypatch, "validation", _ok)
    seen: list[float] = []
    done = runner.run_job(
        workspace,
        "alice",
        "validation",
        ctx=JobContext(lambda f, m: seen.append(f), min_interval=0),
    )
    assert done.state == "done"
    assert done.message == "all fine"
    assert done.trigger == "manual"
    assert done.user == "alice"
    assert done.params == {"x": 1}
    assert done.report == {"summary": "all fine", "ok": True, "findings": ["one thing"],
                           "rows": [{"a": 1}]}  # fmt: skip
    assert done.finished_at is not None
    assert done.progress == 1.0
    assert 0.5 in seen
    page = runs.html_of(workspace, done.id)
    assert page is not None
    assert "all fine" in page
    assert "<li>one thing</li>" in page
    assert not locks.is_held(workspace.root, "validation")


def test_a_failed_or_cancelled_run_is_recorded_and_the_error_raised(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def bad(ws: Workspace, user: str, ctx: JobContext) -> dict[str, Any]:
        raise BadInput("data.csv: line 3: no label")

    _fake(monkeypatch, "drift", bad)
    with pytest.raises(BadInput):
        runner.run_job(workspace, "alice", "drift")
    last = runs.latest(workspace, "drift", state=None)
    assert last is not None
    assert last.state == "failed"
    assert last.message == "data.csv: line 3: no label"
    ctx = JobContext()
    ctx.cancel()
    _fake(monkeypatch, "drift", _ok)
    with pytest.raises(JobCancelled):
        runner.run_job(workspace, "alice", "drift", ctx=ctx)
    last = runs.latest(workspace, "drift", state=None)
    assert last is not None
    assert last.state == "cancelled"
    assert not locks.is_held(workspace.root, "drift")


def test_viewers_may_not_run_jobs(workspace: Workspace) -> None:
    workspace.set_role("alice", "vera", "viewer")
    with pytest.raises(PermissionDenied):
        runner.run_job(workspace, "vera", "daily_checks")
    assert runs.history(workspace) == []


def test_a_job_never_runs_twice_at_once(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = threading.Event(), threading.Event()

    def slow(ws: Workspace, user: str, ctx: JobContext) -> dict[str, Any]:
        started.set()
        release.wait(10)
        return {"summary": "slow"}

    _fake(monkeypatch, "validation", slow)
    errors: list[BaseException] = []
    first = threading.Thread(
        target=lambda: runner.run_job(Workspace.open(workspace.root), "alice", "validation")
    )
    first.start()
    try:
        assert started.wait(10)
        with pytest.raises(locks.JobBusy, match="validation is already running"):
            runner.run_job(workspace, "alice", "validation")  # the second Run now click
    except BaseException as exc:  # keep the thread from hanging the test
        errors.append(exc)
    finally:
        release.set()
        first.join(10)
    assert not errors
    assert [r.state for r in runs.history(workspace, kind="validation")] == ["done"]


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from console.core.base.workspace import Workspace
    from console.core.maintenance import locks, runs
    ws = Workspace.open(Path(sys.argv[1]))
    lock = locks.JobLock(ws.root, "validation")
    lock.acquire()
    runs.start(ws.conn, "validation", "alice", "schedule", {})
    print("holding", flush=True)
    time.sleep(60)
    """
)


def test_a_killed_run_leaves_no_stuck_lock_and_is_marked_failed(workspace: Workspace) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(workspace.root)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "holding"
        assert locks.is_held(workspace.root, "validation")
        with pytest.raises(locks.JobBusy, match=rf"pid {proc.pid} on"):
            locks.JobLock(workspace.root, "validation").acquire()
        assert runs.recover_interrupted(workspace) == []  # alive: not touched
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()
    assert not locks.is_held(workspace.root, "validation")
    recovered = runs.recover_interrupted(workspace)
    assert len(recovered) == 1
    run = runs.require(workspace, recovered[0])
    assert run.state == "failed"
    assert run.message.startswith("interrupted")
    with locks.JobLock(workspace.root, "validation"):  # and it can run again
        pass


def test_cancel_from_another_process_reaches_the_run(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def looping(ws: Workspace, user: str, ctx: JobContext) -> dict[str, Any]:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ctx.progress(0.3, "working")
            time.sleep(0.02)
        return {"summary": "never cancelled"}

    _fake(monkeypatch, "validation", looping)
    outcome: list[str] = []

    def run() -> None:
        try:
            runner.run_job(Workspace.open(workspace.root), "alice", "validation")
        except JobCancelled:
            outcome.append("cancelled")

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 10
    while not runs.running(workspace) and time.monotonic() < deadline:
        time.sleep(0.02)
    target = runs.running(workspace)[0]
    asked = time.monotonic()
    runs.request_cancel(workspace, "alice", target.id)  # as `console jobs cancel ID` does
    thread.join(10)
    assert outcome == ["cancelled"]
    assert time.monotonic() - asked < 1.0
    assert runs.require(workspace, target.id).state == "cancelled"


def test_run_due_runs_each_owed_job_once_and_records_the_schedule(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in catalog.SPECS:
        _fake(monkeypatch, name, _ok)
    start = clock.now() - timedelta(days=40)
    schedules.status(workspace, start)  # schedules first seen 40 days ago
    outcome = runner.run_due(workspace, "alice")
    assert outcome.ok
    assert sorted(r.kind for r in outcome.ran) == sorted(catalog.SPECS)
    assert all(r.trigger in ("schedule", "catch-up") for r in outcome.ran)
    again = runner.run_due(workspace, "alice")
    assert again.ran == []  # nothing owed twice
    items = {s.name: s for s in schedules.status(workspace)}
    assert items["validation"].last_run is not None
    assert items["validation"].last_run.state == "done"
