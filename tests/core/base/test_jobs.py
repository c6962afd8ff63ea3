"""Jobs: throttled progress, cancellation at the next report, recorded outcome."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from console.core.base import jobs
from console.core.base.errors import JobCancelled
from console.core.base.workspace import Workspace


def test_progress_is_reported_clamped_and_final_always() -> None:
    seen: list[tuple[float, str]] = []
    ctx = jobs.JobContext(lambda f, m: seen.append((f, m)), min_interval=3600)
    ctx.progress(-1, "start")
    ctx.progress(0.5, "half")  # throttled away
    ctx.progress(2.0, "done")
    assert seen == [(0.0, "start"), (1.0, "done")]


def test_sub_context_maps_range_and_shares_cancel() -> None:
    seen: list[float] = []
    ctx = jobs.JobContext(lambda f, m: seen.append(round(f, 3)), min_interval=0)
    sub = ctx.sub(0.5, 0.7)
    sub.progress(0.5)
    assert seen == [0.6]
    ctx.cancel()
    with pytest.raises(JobCancelled):
        sub.progress(0.9)


def test_cancel_from_another_thread_stops_work() -> None:
    ctx = jobs.JobContext()
    started = threading.Event()
    outcome: list[str] = []

    def work() -> None:
        started.set()
        try:
            while True:
                ctx.progress(0.1)
        except JobCancelled:
            outcome.append("cancelled")

    thread = threading.Thread(target=work)
    thread.start()
    started.wait(5)
    ctx.cancel()
    thread.join(5)
    assert outcome == ["cancelled"]


def test_run_recorded_marks_done_failed_and_cancelled(workspace: Workspace) -> None:
    assert jobs.run_recorded(workspace.conn, "sum", "alice", {"n": 2}, lambda: 1 + 1) == 2

    def fail() -> None:
        raise ValueError("bad")

    def cancel() -> None:
        raise JobCancelled()

    with pytest.raises(ValueError, match="bad"):
        jobs.run_recorded(workspace.conn, "fail", "alice", {}, fail)
    with pytest.raises(JobCancelled):
        jobs.run_recorded(workspace.conn, "cancel", "alice", {}, cancel)
    records = jobs.recent_jobs(workspace.conn)
    assert [(r.kind, r.state) for r in records] == [
        ("cancel", "cancelled"),
        ("fail", "failed"),
        ("sum", "done"),
    ]
    assert records[1].message == "ValueError: bad"
    assert records[2].params == {"n": 2}
    assert all(r.finished_at for r in records)


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values")
def test_work_at_lower_priority_runs_nicer_and_returns_or_raises() -> None:
    caller = _nice()
    seen: list[tuple[int, int]] = []

    def work(x: int) -> int:
        seen.append((_nice(), threading.get_ident()))
        return x * 2

    assert jobs.at_lower_priority(work, 21) == 42
    assert jobs.at_lower_priority(work, 1) == 2
    (nice1, thread1), (nice2, thread2) = seen
    assert nice1 == nice2 >= jobs.NICENESS
    assert thread1 == thread2 != threading.get_ident()  # an idle thread is reused
    assert _nice() == caller  # the caller keeps its priority

    def fails() -> None:
        raise JobCancelled("cancelled")

    with pytest.raises(JobCancelled):
        jobs.at_lower_priority(fails)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values")
def test_a_thread_already_nice_runs_the_work_itself() -> None:
    seen: list[int] = []

    def job() -> None:
        jobs.lower_thread_priority()
        jobs.at_lower_priority(lambda: seen.append(threading.get_ident()))
        seen.append(threading.get_ident())

    thread = threading.Thread(target=job)
    thread.start()
    thread.join()
    assert seen[0] == seen[1]
