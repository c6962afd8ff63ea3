"""The table models' shared part: each cell's answer computed once per change of rows,
never a stale one, and the cells a view asked for computed again in idle time."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from console.gui.widgets import record_model
from console.gui.widgets.record_model import RecordTableModel

DISPLAY = int(Qt.ItemDataRole.DisplayRole)


class Counting(RecordTableModel):
    """Rows of strings; counts each time it is asked to compute a cell."""

    headers = ("A", "B")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[str] = []
        self.computed: list[tuple[int, int, int]] = []

    def records_shown(self) -> list[str]:
        return self.rows

    def set_rows(self, rows: list[str]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def prepend(self, row: str) -> None:
        self.beginInsertRows(QModelIndex(), 0, 0)
        self.rows.insert(0, row)
        self.endInsertRows()

    def role_data(self, index: QModelIndex | QPersistentModelIndex, role: int) -> Any:
        self.computed.append((index.row(), index.column(), role))
        if role == DISPLAY:
            return f"{self.rows[index.row()]}{index.column()}"
        return None


def test_a_cell_is_computed_once_however_often_it_is_asked(qapp: Any) -> None:
    model = Counting()
    model.set_rows(["x", "y"])
    for _ in range(5):
        assert model.index(1, 0).data() == "y0"
        assert model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole) is None
    assert model.computed == [(1, 0, DISPLAY), (1, 0, int(Qt.ItemDataRole.ToolTipRole))]


def test_no_answer_outlives_a_change_of_rows(qapp: Any) -> None:
    model = Counting()
    model.set_rows(["x", "y"])
    assert model.index(0, 1).data() == "x1"
    model.prepend("new")
    assert [model.index(r, 1).data() for r in range(3)] == ["new1", "x1", "y1"]
    model.set_rows(["z"])
    assert model.index(0, 1).data() == "z1"
    assert not model.index(1, 1).isValid()
    assert model.index(1, 1).data() is None
    model.rows[0] = "w"  # a change told by dataChanged
    model.dataChanged.emit(model.index(0, 0), model.index(0, 1))
    assert model.index(0, 1).data() == "w1"


def test_the_cells_a_view_painted_are_computed_again_in_idle_time(qtbot: QtBot) -> None:
    model = Counting()
    model.set_rows([f"r{i}" for i in range(50)])
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(300, 200)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: bool(model.computed))  # painted once its layout is done
    painted = {key for key in model.computed if key[2] == DISPLAY}
    assert painted
    assert len(painted) < 100  # the cells in view, not all 100
    model.computed.clear()
    view.hide()  # a page no one looks at: nothing paints
    model.prepend("new")
    qtbot.waitUntil(lambda: painted <= set(model.computed), timeout=2000)
    assert model.index(0, 0).data() == "new0"
    before = len(model.computed)
    view.show()
    qtbot.wait(100)  # shown and painted
    view.viewport().repaint()
    assert len(model.computed) - before < len(painted) // 2  # painted from kept answers


def test_the_answers_kept_are_bounded(qapp: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(record_model, "KEPT_ANSWERS", 10)
    model = Counting()
    model.set_rows([f"r{i}" for i in range(20)])
    for r in range(20):
        assert model.index(r, 0).data() == f"r{r}0"
    assert len(model._answers) <= 10
