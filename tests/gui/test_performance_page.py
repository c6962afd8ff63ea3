"""Performance page: plots realised and estimated metrics, thresholds, confusion, export."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from console.core.base.workspace import Workspace
from console.gui import workers
from console.gui.main_window import MainWindow
from console.gui.pages.performance import ExportDialog, PerformancePage
from tests.core.monitoring_helpers import fake_partners, fill


@pytest.fixture
def filled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    fake_partners(monkeypatch)
    ws = Workspace.create(tmp_path / "perf", "alice")
    fill(ws, days=4, per_day=300, label_days=3)
    yield ws
    ws.close()


def shown_page(qtbot: QtBot, ws: Workspace) -> tuple[MainWindow, PerformancePage]:
    """A window showing the Performance page (its job started)."""
    window = MainWindow(ws, "alice")
    qtbot.addWidget(window)
    window.show()
    window.show_page("performance")
    perf = window.page("performance")
    assert isinstance(perf, PerformancePage)
    return window, perf


@pytest.fixture
def page(qtbot: QtBot, filled: Workspace) -> PerformancePage:
    _window, perf = shown_page(qtbot, filled)
    qtbot.waitUntil(lambda: perf.table is not None, timeout=10_000)
    return perf


def test_page_plots_realised_and_estimated_with_thresholds(page: PerformancePage) -> None:
    page.plot.flush()
    x, realised = page.plot.points("realised")
    _, estimated = page.plot.points("estimated")
    assert len(x) == 4
    assert np.isnan(realised[3])
    assert not np.isnan(estimated[3])
    assert page.plot.lines["warning"].value() == pytest.approx(0.75)
    assert page.plot.lines["critical"].value() == pytest.approx(0.70)
    assert "1 window without labels" in page.note.text()
    assert page.confusion.counts()[2][2] != "0"  # the last labelled day's matrix
    assert page.segment_table.rowCount() > 0


def test_metric_choice_moves_the_threshold_lines(page: PerformancePage) -> None:
    page.metric_box.setCurrentIndex(page.metric_box.findData("fpr"))
    assert not page.plot.lines["warning"].isVisible()
    assert page.plot.lines["critical"].value() == pytest.approx(0.01)
    page.metric_box.setCurrentIndex(page.metric_box.findData("roc_auc"))
    assert not page.plot.lines["critical"].isVisible()


def test_hover_readout_and_click_select_a_window(page: PerformancePage) -> None:
    x, _ = page.plot.points("realised")
    text = page.plot.show_readout(float(x[1]) + 10)
    assert "2026-11-02" in text
    assert "realised" in text
    page.select_window(float(x[0]) + 3600)
    assert "2026-11-01" in page.confusion_title.text()


def test_hourly_window_reloads(qtbot: QtBot, page: PerformancePage) -> None:
    page.window_box.setCurrentText("hour")
    qtbot.waitUntil(lambda: page.table is not None and page.table.window == "hour", timeout=10_000)
    assert len(page.plot.points("realised")[0]) == 96


def test_export_png_and_csv(page: PerformancePage, tmp_path: Path, monkeypatch) -> None:
    for kind in ("png", "csv"):
        target = tmp_path / f"perf.{kind}"
        monkeypatch.setattr(ExportDialog, "ask", classmethod(lambda cls, p, k, t=target: t))
        page.export(kind)
        assert target.stat().st_size > 0
    lines = (tmp_path / "perf.csv").read_text().splitlines()
    assert lines[0] == "time_utc,realised,estimated"
    assert len(lines) == 5


def test_empty_store_says_so(qtbot: QtBot, tmp_path: Path, monkeypatch) -> None:
    fake_partners(monkeypatch)
    errors: list[BaseException] = []
    monkeypatch.setattr(workers, "show_error", lambda p, t, e: errors.append(e))
    ws = Workspace.create(tmp_path / "empty", "alice")
    try:
        perf = PerformancePage(ws, "alice")
        qtbot.addWidget(perf)
        perf.setMinimumSize(900, 600)
        perf.show()
        qtbot.waitUntil(lambda: perf.table is not None, timeout=10_000)
        assert "No predictions" in perf.note.text()
        assert "no labelled window" in perf.confusion_title.text()
        assert errors == []
    finally:
        ws.close()


def test_the_page_computes_in_the_job_process_and_the_window_ends_it(
    qtbot: QtBot, filled: Workspace, job_process_calls: list[str]
) -> None:
    """The window's heavy job runs in a child process (never sharing the interpreter
    lock with the GUI thread); the ready child ends with the window."""
    from console.core.base import job_process

    window, perf = shown_page(qtbot, filled)
    qtbot.waitUntil(lambda: perf.table is not None, timeout=30_000)
    assert job_process_calls == ["windows_and_segments"]
    assert len(perf.table) == 4
    assert perf.segment_table.rowCount() > 0
    qtbot.waitUntil(lambda: job_process.idle_children() == 1, timeout=10_000)
    window.close()
    assert job_process.idle_children() == 0


def test_a_job_process_that_dies_is_reported_on_the_page(
    qtbot: QtBot, filled: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.core.base import job_process
    from tests.core.base import job_process_fns

    monkeypatch.setattr(job_process, "ENABLED", True)
    real_call = job_process.call

    def dying(fn, ws, *args, ctx, **kwargs):  # type: ignore[no-untyped-def]
        return real_call(job_process_fns.die, ws, ctx=ctx)  # as if killed, out of memory

    monkeypatch.setattr(job_process, "call", dying)
    window, perf = shown_page(qtbot, filled)
    qtbot.waitUntil(lambda: "Could not update" in perf.subtitle.text(), timeout=30_000)
    assert "ended unexpectedly (exit code 3)" in perf.subtitle.text()
    assert window.isVisible()
    window.close()
    job_process.shutdown()
