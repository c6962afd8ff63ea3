"""The job runner: results and progress on the GUI thread, one error path, Cancel, Esc."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QThread, QThreadPool
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from console.core.base import jobs
from console.core.base.errors import BadInput, ConsoleError, PermissionDenied
from console.core.base.jobs import JobContext
from console.gui import warmup, workers
from console.gui.dialogs.job_progress import JobProgressDialog


def on_gui_thread() -> bool:
    app = QApplication.instance()
    assert app is not None
    return QThread.currentThread() is app.thread()


def wait_for_cancel(ctx: JobContext) -> str:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        ctx.progress(0.5, "waiting")
        time.sleep(0.005)
    return "not cancelled"


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[BaseException]:
    shown: list[BaseException] = []
    monkeypatch.setattr(workers, "show_error", lambda _p, _t, exc: shown.append(exc))
    return shown


def test_result_and_progress_arrive_on_the_gui_thread(
    qtbot: QtBot, errors: list[BaseException]
) -> None:
    go = threading.Event()

    def double(x: int, ctx: JobContext) -> tuple[int, bool]:
        go.wait(3)
        ctx.progress(0.5, "halfway")
        return x * 2, on_gui_thread()

    results: list[Any] = []
    progress: list[tuple[float, str, bool]] = []
    job = workers.run_job(None, "Doubling", double, 21, on_done=results.append)
    job.progressed.connect(lambda f, m: progress.append((f, m, on_gui_thread())))
    go.set()
    with qtbot.waitSignal(job.ended, timeout=3000) as ended:
        pass
    assert ended.args == ["done"]
    assert results == [(42, False)]  # the function ran off the GUI thread
    assert progress == [(0.5, "halfway", True)]
    assert not errors
    assert not workers.running_jobs()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux")
def test_a_job_thread_runs_nicer_than_the_gui_thread(
    qtbot: QtBot, errors: list[BaseException]
) -> None:
    def niceness(ctx: JobContext) -> tuple[int, int]:
        mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        return mine, os.getpriority(os.PRIO_PROCESS, os.getpid())

    results: list[tuple[int, int]] = []
    job = workers.run_job(None, "Niceness", niceness, on_done=results.append)
    with qtbot.waitSignal(job.ended, timeout=3000):
        pass
    (job_nice, gui_nice) = results[0]
    assert job_nice >= jobs.NICENESS > gui_nice  # the GUI thread keeps its priority
    assert not errors


def test_a_failure_goes_to_show_error_once(qtbot: QtBot, errors: list[BaseException]) -> None:
    def refuse(ctx: JobContext) -> None:
        raise BadInput("file.csv: line 3, column 'amount': bad", problems=["p1", "p2"])

    later: list[BaseException] = []
    job = workers.run_job(None, "Refusing", refuse, on_done=pytest.fail, on_error=later.append)
    with qtbot.waitSignal(job.ended, timeout=3000):
        pass
    assert len(errors) == 1
    assert isinstance(errors[0], BadInput)
    assert later == errors
    assert job.outcome == "failed"


def test_cancel_is_not_an_error(qtbot: QtBot, errors: list[BaseException]) -> None:
    cancelled: list[bool] = []
    job = workers.run_job(
        None,
        "Waiting",
        wait_for_cancel,
        on_done=pytest.fail,
        on_cancelled=lambda: cancelled.append(True),
    )
    job.cancel()
    with qtbot.waitSignal(job.ended, timeout=3000):
        pass
    assert job.outcome == "cancelled"
    assert cancelled == [True]
    assert not errors


def test_cancel_running_jobs_stops_and_waits(qtbot: QtBot, errors: list[BaseException]) -> None:
    job = workers.run_job(None, "Waiting", wait_for_cancel, on_cancelled=pytest.fail)
    assert workers.running_jobs() == [job]
    assert workers.cancel_running_jobs(3000)
    assert QThreadPool.globalInstance().activeThreadCount() == 0
    qtbot.waitUntil(lambda: not workers.running_jobs(), timeout=3000)
    assert job.outcome == "cancelled"  # and the detached callbacks were not called
    assert not errors


def test_progress_dialog_escape_cancels_and_stays_until_the_job_ends(qtbot: QtBot) -> None:
    asked: list[bool] = []
    dialog = JobProgressDialog("Importing predictions", None, lambda: asked.append(True))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_progress(0.25, "Reading rows")
    assert dialog.bar.value() == 250
    assert dialog.message.text() == "Reading rows"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert asked == [True]
    assert dialog.isVisible()
    assert dialog.cancelling
    assert dialog.message.text().startswith("Cancelling")
    dialog.finish()
    assert not dialog.isVisible()


def test_error_messages_say_what_and_where() -> None:
    bad = BadInput("f.csv: line 3, column 'amount': 'x' (and 1 more problems)", problems=["a", "b"])
    text, info, details = workers.describe_error(bad)
    assert text == str(bad)
    assert info == "Nothing was changed."
    assert details == "a\nb"
    text, _info, _details = workers.describe_error(PermissionDenied("bob", "viewer", "ingest"))
    assert "Your role (viewer)" in text
    assert "bob may not ingest" in text
    assert workers.describe_error(ConsoleError("one line")) == ("one line", "", "")
    assert workers.describe_error(ValueError("boom"))[0] == "Unexpected error: ValueError: boom"
    box = workers.error_box(None, "Importing predictions", bad)
    assert box.windowTitle() == "Importing predictions"
    assert box.icon() == QMessageBox.Icon.Warning
    assert box.detailedText() == "a\nb"
    box.deleteLater()


def test_warm_up_imports_job_modules_and_freezes_start_up_objects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    monkeypatch.setattr(warmup, "_warmed", threading.Event())
    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    monkeypatch.setattr(warmup, "JOB_MODULES", ("colorsys", "no_such_module_here"))
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    warmup.warm_up()
    warmup.warm_up()  # once per process
    assert "colorsys" in sys.modules
    assert frozen == [True]


def test_warm_up_reads_ahead_the_files_the_gui_thread_reads_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    from console.core.runbooks import library

    library._shipped_runbooks.cache_clear()
    library.shipped_contacts.cache_clear()
    monkeypatch.setattr(warmup, "_warmed", threading.Event())
    monkeypatch.setattr(warmup, "JOB_MODULES", ())
    monkeypatch.setattr(gc, "freeze", lambda: None)
    warmup.warm_up()
    assert library._shipped_runbooks.cache_info().currsize == 1
    assert library.shipped_contacts.cache_info().currsize == 1
    opened: list[object] = []
    monkeypatch.setattr(Path, "read_text", lambda *a, **k: opened.append(a))
    first = library.shipped()  # from memory: no file opened
    first.pop("model-rollback")
    assert "model-rollback" in library.shipped()  # each caller gets its own copy
    assert library.shipped_contacts()
    assert opened == []


def test_a_detached_job_stays_alive_until_its_thread_ends(qtbot: QtBot) -> None:
    """Its thread still reports through the job's signal: dropping the last reference
    while it runs used to let Python delete the job under it (a segmentation fault)."""
    import gc
    import weakref

    release = threading.Event()

    def job(ctx: JobContext) -> None:
        release.wait(10)
        ctx.progress(0.5, "after the detach")  # raises JobCancelled: nothing is emitted

    running = workers.run_job(None, "detached", job, quiet=True)
    alive = weakref.ref(running)
    running.detach()
    del running
    gc.collect()
    assert alive() is not None  # kept until the thread ends
    assert alive() not in workers.running_jobs()  # but nobody waits for it
    release.set()
    qtbot.waitUntil(lambda: not workers._DETACHED, timeout=10_000)
    assert QThreadPool.globalInstance().waitForDone(5000)


def test_warm_up_starts_the_child_process_of_the_heavy_jobs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    from console.core.base import job_process

    monkeypatch.setattr(warmup, "_warmed", threading.Event())
    monkeypatch.setattr(warmup, "JOB_MODULES", ())
    monkeypatch.setattr(gc, "freeze", lambda: None)
    started: list[tuple[str, ...]] = []
    monkeypatch.setattr(job_process, "prestart", lambda preload=(): started.append(preload))
    warmup.warm_up()
    assert started == [warmup.PROCESS_MODULES]
