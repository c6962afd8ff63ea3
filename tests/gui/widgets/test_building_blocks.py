"""The shared GUI building blocks: panel, legend, tables, header actions."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem, QWidget
from pytestqt.qtbot import QtBot

from console.core.base.workspace import Workspace
from console.gui.pages.base import Page
from console.gui.widgets.legend import legend_label
from console.gui.widgets.panel import panel
from console.gui.widgets.tables import (
    MAX_COLUMN_WIDTH,
    fit_columns,
    style_grid,
    table_with_headers,
)


def test_panel_has_heading_legend_and_widgets(qtbot: QtBot) -> None:
    body = QWidget()
    frame = panel("Rows per day", body, legend=legend_label([("#f00", "Predictions")]))
    qtbot.addWidget(frame)
    labels = [w.text() for w in frame.findChildren(QLabel)]
    assert labels[0] == "Rows per day"
    assert "Predictions" in labels[1]
    assert frame.property("role") == "panel"
    assert body.parent() is frame


def test_panel_without_title_has_no_heading(qtbot: QtBot) -> None:
    frame = panel("", QWidget())
    qtbot.addWidget(frame)
    assert frame.findChildren(QLabel) == []


def test_tables_get_headers_fitted_columns_and_read_only_look(qtbot: QtBot) -> None:
    table = table_with_headers(QTableWidget(), ["A", "Rather long header", "Notes"])
    qtbot.addWidget(table)
    assert table.columnCount() == 3
    assert table.horizontalHeaderItem(1).text() == "Rather long header"
    table.setRowCount(2)
    for column, text in enumerate(["x", "y", "z"]):
        table.setItem(0, column, QTableWidgetItem(text))
    table.setItem(1, 0, QTableWidgetItem("a cell much wider than its header " * 3))
    table.show()
    header = table.horizontalHeader()
    fitter = fit_columns(table)
    qtbot.waitUntil(lambda: header.sectionSize(0) == MAX_COLUMN_WIDTH)  # capped: elided
    qtbot.waitUntil(lambda: not fitter.busy())  # the other columns: one per pass
    assert header.sectionSize(1) >= header.sectionSizeFromContents(1).width()  # header whole
    assert header.stretchLastSection()
    header.resizeSection(1, 400)  # the operator widens a column: the next fit keeps it
    table.setItem(1, 1, QTableWidgetItem("new"))
    fitter.fit()
    assert header.sectionSize(1) == 400
    grid = style_grid(QTableWidget(2, 2))
    qtbot.addWidget(grid)
    assert grid.editTriggers() == grid.EditTrigger.NoEditTriggers


class _Page(Page):
    key = "probe"
    title = "Probe"
    icon_name = "mdi6.flask"


def test_header_action_button_follows_the_action(qtbot: QtBot, ws: Workspace) -> None:
    page = _Page(ws, "alice")
    qtbot.addWidget(page)
    runs: list[bool] = []
    action = page.header_action("Run", "mdi6.play", "Ctrl+Shift+Y", lambda: runs.append(True))
    button = page.button_for(action)
    assert button.defaultAction() is action
    assert "Ctrl+Shift+Y" in action.toolTip()
    button.click()
    assert runs == [True]
    action.setEnabled(False)
    assert not button.isEnabled()


def test_header_action_needing_a_role_is_disabled_with_the_reason(
    qtbot: QtBot, ws: Workspace
) -> None:
    page = _Page(ws, "viewer-vic")
    qtbot.addWidget(page)
    action = page.header_action("Promote…", "mdi6.rocket", "", lambda: None, needs="model.promote")
    assert not action.isEnabled()
    assert "Needs the" in action.toolTip()


def test_a_hidden_table_is_fitted_when_shown_not_while_hidden(qtbot: QtBot, monkeypatch) -> None:
    table = QTableWidget(0, 2)
    qtbot.addWidget(table)
    fitter = fit_columns(table)
    measured: list[int] = []
    width_for = fitter.width_for
    monkeypatch.setattr(fitter, "width_for", lambda c: measured.append(c) or width_for(c))
    table.setRowCount(3)  # filled while hidden (a page built ahead): nothing is measured
    for row in range(3):
        table.setItem(row, 0, QTableWidgetItem("a cell wider than its header " * 2))
    qtbot.wait(20)
    assert measured == []
    table.show()
    qtbot.waitUntil(lambda: measured != [])
    assert table.horizontalHeader().sectionSize(0) == MAX_COLUMN_WIDTH


def test_a_shown_table_is_fitted_a_column_per_pass_of_the_event_loop(
    qtbot: QtBot, monkeypatch
) -> None:
    """Rows arriving while a table is shown (Logs, Data, Audit) refit it: a column at a
    time, so the GUI thread is never held for the whole table at once."""
    from PySide6.QtWidgets import QApplication

    table = QTableWidget(3, 4)
    qtbot.addWidget(table)
    table.show()
    fitter = fit_columns(table)
    qtbot.waitUntil(lambda: not fitter.busy())
    measured: list[int] = []
    width_for = fitter.width_for
    monkeypatch.setattr(fitter, "width_for", lambda c: measured.append(c) or width_for(c))
    table.setItem(0, 0, QTableWidgetItem("new"))  # a change schedules a fit
    passes = 0
    while not measured or fitter.busy():
        QApplication.processEvents()
        passes += 1
        assert passes < 100
    assert measured == [0, 1, 2, 3]
    assert passes >= 4  # one column each time round


def test_a_tile_keeps_its_height_whatever_its_detail(qtbot: QtBot) -> None:
    """ "–" before the first reading, two lines after it: the tile (and the page's layout
    under it, plots and all) stays put when the values come."""
    from console.gui.widgets.stat_tile import StatTile

    tile = StatTile("Requests", "mdi6.speedometer")
    qtbot.addWidget(tile)
    heights = set()
    for detail in ("", "one line", "two\nlines"):
        tile.show_value("12", detail)
        heights.add(tile.sizeHint().height())
    assert len(heights) == 1
