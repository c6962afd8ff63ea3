"""The Drift page: stored analyses shown, analysis as a job (done, cancelled, refused)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QPointF
from pytestqt.qtbot import QtBot

from console.core.base.workspace import Workspace
from console.core.drift import concept_run, report
from console.gui import workers
from console.gui.main_window import MainWindow
from console.gui.pages.drift import DriftPage
from console.gui.widgets import drift_plots
from console.gui.widgets.drift_table import DriftTableModel
from tests.core.drift.test_drift_report import drift_ws  # noqa: F401 - the fixture


@pytest.fixture
def page(qtbot: QtBot, drift_ws: Workspace) -> Iterator[DriftPage]:  # noqa: F811
    main = MainWindow(drift_ws, "alice")
    qtbot.addWidget(main)
    main.show()
    main.show_page("drift")
    drift_page = main.page("drift")
    assert isinstance(drift_page, DriftPage)
    yield drift_page
    main.close()


def runs(ws: Workspace) -> int:
    return int(ws.conn.execute("SELECT COUNT(*) FROM drift_runs").fetchone()[0])


def test_page_shows_the_latest_stored_analyses(
    qtbot: QtBot,
    page: DriftPage,
    drift_ws: Workspace,  # noqa: F811
) -> None:
    assert page.model.rowCount() == 0
    assert "No drift analysis yet" in page.summary.text()
    # before any analysis each plot shows a sentence, not empty axes with made-up ticks
    for plot in (page.distribution, page.heatmap, page.timeline):
        assert plot.placeholder_shown()
        assert plot.placeholder.isVisibleTo(page)
        assert not plot.widget.isVisibleTo(page)
    assert page.distribution.placeholder.text() == drift_plots.NO_ANALYSIS
    assert page.timeline.placeholder.text() == drift_plots.NO_CONCEPT
    report.run_drift(drift_ws, "alice", "production", "last:3")
    concept_run.run_concept(drift_ws, "alice")
    page.refresh()
    model = page.model
    assert model.rowCount() == len(drift_ws.config.data_schema.features)
    flags = [model.feature(r)["drifted"] for r in range(model.rowCount())]
    assert flags == sorted(flags, key=lambda f: 0 if f else 1)  # drifted first
    assert "Dataset drift" in page.summary.text()
    first = model.feature(0)["name"]
    assert page.selected_feature() == first
    assert page.distribution.readout.text().startswith(("KS", "Chi-square"))
    page.select_feature("channel")
    assert "channel" in page.distribution.readout.text()
    assert len(page.distribution.cur_bars.opts["height"]) > 1
    assert page.heatmap.values.shape == (model.rowCount(), 3)
    page.heatmap._show_at(QPointF(0.5, 0.5))
    qtbot.waitUntil(lambda: "PSI" in page.heatmap.readout.text())
    assert page.heatmap.readout.text().startswith(first)
    assert page.timeline.f1.getData()[0] is not None
    assert len(page.timeline.days) == 6
    assert page.timeline.readout.text().startswith(f"{len(page.timeline.events)} drift point(s)")
    for plot in (page.distribution, page.heatmap, page.timeline):
        assert not plot.placeholder_shown()
        assert plot.widget.isVisibleTo(page)


def test_the_distribution_legend_is_above_the_plot_not_over_its_bars(page: DriftPage) -> None:
    plot = page.distribution
    assert plot.plot.legend is None  # nothing drawn over the bars
    assert plot.legend.isVisibleTo(page)
    assert "reference" in plot.legend.text()
    assert "current" in plot.legend.text()
    legend_bottom = plot.legend.mapTo(plot, plot.legend.rect().bottomLeft()).y()
    assert legend_bottom <= plot.stack.geometry().top()


def test_analyse_runs_as_a_job_and_stores_the_result(
    qtbot: QtBot,
    page: DriftPage,
    drift_ws: Workspace,  # noqa: F811
) -> None:
    page.current.setCurrentIndex(0)  # last day
    with qtbot.waitSignal(page.changed, timeout=20_000):
        page.analyse_action.trigger()
    assert page.job is None
    assert runs(drift_ws) == 1
    assert page.model.rowCount() > 0
    assert page.data_doc is not None
    assert page.data_doc["current"] == "day 2026-11-06"
    with qtbot.waitSignal(page.changed, timeout=20_000):
        page.concept_action.trigger()
    assert runs(drift_ws) == 2
    assert page.timeline.days


def test_cancel_stores_nothing(qtbot: QtBot, page: DriftPage, drift_ws: Workspace) -> None:  # noqa: F811
    job = page.start_analysis()
    assert job is not None
    job.cancel()
    qtbot.waitUntil(lambda: job.outcome != "running", timeout=20_000)
    assert job.outcome == "cancelled"
    assert page.job is None
    assert runs(drift_ws) == 0


def test_refused_analysis_shows_the_error_and_stores_nothing(
    qtbot: QtBot,
    page: DriftPage,
    drift_ws: Workspace,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(workers, "show_error", lambda _p, _t, exc: shown.append(str(exc)))
    page.reference.addItem("gone", "dataset:ffffffffffff")
    page.reference.setCurrentIndex(page.reference.count() - 1)
    job = page.start_analysis()
    assert job is not None
    qtbot.waitUntil(lambda: job.outcome != "running", timeout=20_000)
    assert shown
    assert "is not a stored dataset version" in shown[0]
    assert runs(drift_ws) == 0
    assert page.job is None


def test_table_model_statuses_and_colours() -> None:
    model = DriftTableModel()
    cols: list[dict[str, Any]] = [
        {"name": "a", "drifted": False, "status": "ok", "score": 0.5, "method": "ks"},
        {"name": "b", "drifted": None, "status": "too_few_rows", "score": None, "method": "ks"},
        {"name": "c", "drifted": True, "status": "drifted", "score": 0.1, "method": "chi2"},
    ]
    model.set_columns(cols)
    assert [model.feature(r)["name"] for r in range(3)] == ["c", "a", "b"]
    assert model.data(model.index(2, 1)) == "too few rows"
    assert model.data(model.index(0, 1)) == "drifted"


def test_ddm_warnings_are_shown_on_the_timeline(page: DriftPage) -> None:
    doc = {
        "timeline": [{"day": "2026-11-01", "f1": 0.8, "fpr": 0.01}],
        "detections": [
            {"detector": "ddm", "index": 10, "kind": "warning", "ts": "2026-11-01T10:00:00+00:00"},
            {"detector": "ddm", "index": 40, "kind": "drift", "ts": "2026-11-01T12:00:00+00:00"},
        ],
        "segments": [],
    }
    page.show_concept(doc)
    assert (
        page.timeline.readout.text() == "1 drift point(s) · 1 DDM warning(s) · 0 segment(s) flagged"
    )
    labels = [line.label.toPlainText() for line in page.timeline.lines]
    assert labels == ["ddm", "ddm warning"]
