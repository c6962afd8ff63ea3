"""Data quality page and the Overview's status tiles, on a small store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from console.core.base.workspace import Workspace
from console.core.monitoring import checks
from console.gui.main_window import MainWindow
from console.gui.pages.quality import QualityPage
from tests.core.monitoring_helpers import at, fake_partners, fill
from tests.gui.conftest import settle


@pytest.fixture
def filled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    fake_partners(monkeypatch, drift="warning")
    ws = Workspace.create(tmp_path / "q", "alice")
    fill(ws, days=3, per_day=300)
    yield ws
    ws.close()


@pytest.fixture
def window(qtbot: QtBot, filled: Workspace) -> MainWindow:
    main = MainWindow(filled, "alice")
    qtbot.addWidget(main)
    main.show()
    return main


def test_quality_page_shows_missing_per_day(qtbot: QtBot, window: MainWindow) -> None:
    window.show_page("quality")
    page = window.page("quality")
    assert isinstance(page, QualityPage)
    qtbot.waitUntil(lambda: page.table is not None, timeout=10_000)
    page.plot.flush()
    x, missing = page.plot.points("missing")
    assert len(x) == 3
    assert np.all(missing > 0)
    assert np.isnan(page.plot.points("unseen")[1]).all()  # no training profile
    assert page.features.rowCount() == len(page.table.features)
    assert "Refused batches in 24 h: 0" in page.pipeline.text()


def test_overview_tiles_follow_the_stored_report(qtbot: QtBot, window: MainWindow) -> None:
    tiles = window.overview_page.status
    assert tiles.f1.value.text() == "–"  # no report yet
    checks.run_daily_checks(window.ws, "alice", now=at(3))
    # the stored report's event reaches the shown Overview, which re-reads in the background
    qtbot.waitUntil(lambda: tiles.f1.value.text() == "1.000")
    settle(qtbot, window)
    assert tiles.f1.state == "ok"
    assert tiles.backup.state == "warning"
    assert tiles.backup.value.text() == "none"
    assert tiles.service.value.text() == "stopped"
    assert tiles.alerts.value.text() == "0"
    with qtbot.waitSignal(window.overview_page.open_page) as blocker:
        tiles.f1.clicked.emit()
    assert blocker.args == ["performance"]
    assert window.current_page().key == "performance"


def test_run_checks_button_stores_a_report(qtbot: QtBot, window: MainWindow) -> None:
    window.overview_page.run_checks()
    qtbot.waitUntil(lambda: checks.latest_report(window.ws) is not None, timeout=15_000)
    qtbot.waitUntil(lambda: window.overview_page.check_job is None, timeout=5000)
    qtbot.waitUntil(lambda: window.overview_page.status.system.value.text() != "–")
    assert window.statusBar().currentMessage().startswith("Ran the daily checks; report 1")


def test_plot_and_table_stack_on_a_narrow_window(qtbot: QtBot, window: MainWindow) -> None:
    window.show_page("quality")
    page = window.page("quality")
    assert isinstance(page, QualityPage)
    window.resize(1400, 800)
    qtbot.waitUntil(page.row.side_by_side)
    window.resize(760, 520)  # the minimum size: one above the other, no sideways scroll
    qtbot.waitUntil(lambda: not page.row.side_by_side())
    settle(qtbot, window)
    assert not page.scroll.horizontalScrollBar().isVisible()
    assert page.features.width() >= page.row.width() - 40  # the table has the full width


def test_the_figures_are_computed_in_the_job_process(
    qtbot: QtBot, job_process_calls: list[str], window: MainWindow
) -> None:
    """The page's numpy and pandas work runs in the window's job process, never sharing
    the interpreter lock with the GUI thread; the child ends with the window."""
    from console.core.base import job_process

    window.show_page("quality")
    page = window.page("quality")
    assert isinstance(page, QualityPage)
    qtbot.waitUntil(lambda: page.table is not None, timeout=30_000)
    assert "quality_and_health" in job_process_calls
    page.plot.flush()
    assert len(page.plot.points("missing")[0]) == 3
    assert "Refused batches in 24 h: 0" in page.pipeline.text()
    qtbot.waitUntil(lambda: job_process.idle_children() == 1, timeout=10_000)
    window.close()
    assert job_process.idle_children() == 0
