"""Read-only jobs in a child process: result, progress, errors, Cancel, a dying child."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator

import numpy as np
import pytest

from console.core.base import job_process
from console.core.base.errors import BadInput, JobCancelled
from console.core.base.jobs import NICENESS, JobContext
from console.core.base.workspace import Workspace
from console.core.monitoring import performance
from tests.core.base import job_process_fns as fns


@pytest.fixture(autouse=True)
def in_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(job_process, "ENABLED", True)
    yield
    job_process.shutdown()


def test_a_job_runs_in_a_child_with_the_workspace_and_reports_progress(
    workspace: Workspace,
) -> None:
    seen: list[tuple[float, str]] = []
    ctx = JobContext(lambda f, m: seen.append((f, m)), min_interval=0)
    result = job_process.call(fns.describe, workspace, "ab", ctx=ctx, times=3)
    assert result["pid"] != os.getpid()
    assert result["root"] == str(workspace.root)
    assert result["word"] == "ababab"
    assert [m for _f, m in seen] == ["step 0", "step 1", "step 2"]
    if sys.platform.startswith("linux"):
        assert result["nice"] >= NICENESS  # yields the CPU to the window


def test_the_child_is_kept_ready_and_reused(workspace: Workspace) -> None:
    job_process.prestart()
    assert job_process.idle_children() == 1
    first = job_process.call(fns.describe, workspace, "x", ctx=JobContext())["pid"]
    second = job_process.call(fns.describe, workspace, "y", ctx=JobContext())["pid"]
    assert first == second
    job_process.shutdown()
    assert job_process.idle_children() == 0


def test_the_performance_job_gives_the_same_tables_as_on_a_thread(workspace: Workspace) -> None:
    from tests.core.monitoring_helpers import fill

    fill(workspace, days=3, per_day=200, label_days=2)
    here, here_segments = performance.windows_and_segments(workspace, window="day")
    there, there_segments = job_process.call(
        performance.windows_and_segments, workspace, window="day", ctx=JobContext()
    )
    assert list(there.starts) == list(here.starts)
    for name in ("n", "f1", "roc_auc", "label_coverage"):
        np.testing.assert_array_equal(there.column(name), here.column(name))
    assert there.status == here.status
    assert list(there_segments) == list(here_segments)


def test_cancel_ends_the_child_at_once(workspace: Workspace) -> None:
    ctx = JobContext(lambda f, m: ctx.cancel() if m == "halfway" else None, min_interval=0)
    t0 = time.monotonic()
    with pytest.raises(JobCancelled):
        job_process.call(fns.forever, workspace, ctx=ctx)
    assert time.monotonic() - t0 < 30  # the child's start included
    assert job_process.idle_children() == 0  # the stopped child is not kept
    # the next job gets a new child
    assert job_process.call(fns.describe, workspace, "z", ctx=JobContext())["word"] == "z"


def test_a_cancelled_job_does_not_start_a_child(workspace: Workspace) -> None:
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(JobCancelled):
        job_process.call(fns.describe, workspace, "x", ctx=ctx)
    assert job_process.idle_children() == 0


def test_a_child_that_dies_is_an_error_and_replaced(workspace: Workspace) -> None:
    with pytest.raises(job_process.JobProcessDied, match=r"job_process_fns\.die .*exit code 3"):
        job_process.call(fns.die, workspace, ctx=JobContext())
    assert job_process.call(fns.describe, workspace, "ok", ctx=JobContext())["word"] == "ok"


def test_the_jobs_error_is_raised_here_with_its_type_and_message(workspace: Workspace) -> None:
    with pytest.raises(BadInput, match="line 3: score is not a number"):
        job_process.call(fns.refuse, workspace, ctx=JobContext())
    with pytest.raises(RuntimeError, match="Unpicklable: this and that"):
        job_process.call(fns.refuse_oddly, workspace, ctx=JobContext())
    # the child survives its job's errors
    assert job_process.idle_children() == 1


def test_a_job_runs_on_the_calling_thread_when_no_process_starts(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_process(preload: tuple[str, ...]) -> None:
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(job_process, "_Child", no_process)
    result = job_process.call(fns.describe, workspace, "x", ctx=JobContext())
    assert result["pid"] == os.getpid()


def test_disabled_runs_on_the_calling_thread(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(job_process, "ENABLED", False)
    job_process.prestart()
    assert job_process.idle_children() == 0
    assert job_process.call(fns.describe, workspace, "x", ctx=JobContext())["pid"] == (os.getpid())


def test_a_reader_of_a_folder_that_is_no_workspace_names_it(tmp_path: object) -> None:
    from console.core.base.errors import ConsoleError

    with pytest.raises(ConsoleError, match="not a console workspace"):
        Workspace.reader(tmp_path)  # type: ignore[arg-type]
