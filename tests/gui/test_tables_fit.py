"""At the window's minimum size every page's tables fit their content: no header text is
cut, a cell too long for its column is elided and shows its full text as a tooltip, and
the last column reaches the table's edge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QHeaderView, QTableView, QTabWidget
from pytestqt.qtbot import QtBot

from console.core.alerts import engine
from console.core.base import clock
from console.core.base.workspace import Workspace
from console.core.data import ingest
from console.core.models import deploy
from console.core.models import deploy_checks as verification
from console.core.monitoring.checks import Check, CheckReport
from console.gui.main_window import MINIMUM_SIZE, MainWindow
from console.gui.widgets import tables
from tests.core.registry_helpers import copy_of, shared_template
from tests.gui.conftest import ImportFiles, settle

LONG = (
    "F1 of the last labelled day is far below the critical level since the promotion of the "
    "retrained model, which misses most of the fraud on card-not-present payments"
)


@pytest.fixture
def busy(
    tmp_path: Path, import_files: ImportFiles, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Workspace]:
    """Three model versions, one deployment, predictions, and alerts with long texts."""
    monkeypatch.setattr(deploy, "_running_service", lambda _ws: None)
    monkeypatch.setattr(verification, "LATENCY_CALLS", 5)
    monkeypatch.setattr(verification, "LATENCY_P99_MS", 10_000.0)
    ws = copy_of(shared_template(), tmp_path / "ws")
    ingest.ingest_file(ws, "alice", "predictions", import_files.initial)
    deploy.promote(ws, "alice", "1.1.0", reason=LONG)
    check = Check("f1", 0.41, 0.7, "critical", LONG, 900, "2026-03-02")
    engine.evaluate(ws, "alice", CheckReport(1, clock.iso(), [check]))
    yield ws
    ws.close()


def tables_of(window: MainWindow) -> list[QTableView]:
    """Every table of every page, the tabs they sit in brought to the front."""
    found: list[QTableView] = []
    for key in window.page_keys():
        window.show_page(key)
        page = window.page(key)
        for tabs in page.findChildren(QTabWidget):
            for index in range(tabs.count()):
                tabs.setCurrentIndex(index)
                QApplication.processEvents()
        found += [t for t in page.findChildren(QTableView) if t.model() is not None]
    return found


def header_cuts(view: QTableView) -> list[str]:
    header = view.horizontalHeader()
    model = view.model()
    cut = []
    for column in range(model.columnCount()):
        if view.isColumnHidden(column):
            continue
        needed = header.sectionSizeFromContents(column).width()
        if header.sectionSize(column) < needed:
            title = model.headerData(column, Qt.Orientation.Horizontal)
            cut.append(f"{title!r}: {header.sectionSize(column)} < {needed} px")
    return cut


def cells(view: QTableView, rows: int = 40) -> Iterator[QModelIndex]:
    model = view.model()
    for row in range(min(model.rowCount(), rows)):
        for column in range(model.columnCount()):
            if not view.isColumnHidden(column):
                yield model.index(row, column)


def test_every_table_fits_at_the_minimum_size(qtbot: QtBot, busy: Workspace) -> None:
    window = MainWindow(busy, "alice")
    qtbot.addWidget(window)
    window.show()
    window.resize(MINIMUM_SIZE)
    try:
        views = tables_of(window)
        settle(qtbot, window, timeout=30_000)
        QApplication.processEvents()  # the fits scheduled by the last refreshes
        qtbot.waitUntil(lambda: not any(tables.fit_columns(v).busy() for v in views))
        assert len(views) >= 15, [type(v).__name__ for v in views]
        elided = 0
        for view in views:
            owner = f"{type(view.window()).__name__}/{type(view).__name__}"
            if not view.isVisible():  # a table fits once shown (test_building_blocks)
                tables.fit_columns(view).fit()
            assert not header_cuts(view), f"{owner}: header text cut {header_cuts(view)}"
            header = view.horizontalHeader()
            last = header.logicalIndex(header.count() - 1)
            stretched = header.sectionResizeMode(last) == QHeaderView.ResizeMode.Stretch
            assert header.stretchLastSection() or stretched, f"{owner}: last column fixed"
            delegate = view.itemDelegate()
            if not isinstance(delegate, tables.ElidedTooltipDelegate):
                continue  # a table with its own delegate (wrapping checklist)
            for index in cells(view):
                if delegate.elided(view, index):
                    elided += 1
                    full = str(index.data(Qt.ItemDataRole.DisplayRole))
                    assert delegate.tooltip(view, index).startswith(full), (owner, full)
        assert elided, "the long alert and deployment texts should be elided somewhere"
    finally:
        window.close()


class ShownTooltips:
    """Stands in for QToolTip (the offscreen platform cannot raise a tooltip window)."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def showText(self, _pos: object, text: str, _widget: object = None) -> None:
        self.texts.append(text)

    def hideText(self) -> None:
        self.texts.append("")


def hover(table: QTableView, index: QModelIndex) -> None:
    where = table.visualRect(index).center()
    event = QHelpEvent(QEvent.Type.ToolTip, where, table.viewport().mapToGlobal(where))
    QApplication.sendEvent(table.viewport(), event)


def test_an_elided_cell_shows_its_full_text_on_hover(
    qtbot: QtBot, busy: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = ShownTooltips()
    monkeypatch.setattr(tables, "QToolTip", shown)
    window = MainWindow(busy, "alice")
    qtbot.addWidget(window)
    window.show()
    window.resize(MINIMUM_SIZE)
    try:
        window.show_page("alerts")
        settle(qtbot, window)
        table = window.page("alerts").table  # type: ignore[attr-defined]
        tables.fit_columns(table).fit()
        delegate = table.itemDelegate()
        assert isinstance(delegate, tables.ElidedTooltipDelegate)
        index = next(i for i in cells(table) if delegate.elided(table, i))  # the notes
        hover(table, index)
        assert shown.texts[-1].startswith(str(index.data()))
        assert str(index.data()).startswith("evidence from before the promotion of 1.1.0")
        short = next(i for i in cells(table) if i.data() and not delegate.elided(table, i))
        hover(table, short)
        assert shown.texts[-1] != str(short.data())  # a cell that fits: no copy of itself
    finally:
        window.close()
