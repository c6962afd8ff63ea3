"""The part every table model of the console shares: rows are records, columns have
headers, and there is no tree.

A view asks its model for every role of every visible cell at each paint (display,
tooltip, alignment, colours, font…), and a model written in Python answers each through
a call into the interpreter: formatting a timestamp or a metric once per role per paint
kept the GUI thread 7-13 ms on one table's repaint. So a cell's answer is computed once
(:meth:`RecordTableModel.role_data`) and kept until the rows change: any reset,
insertion, removal, move, layout or data change forgets every answer kept, and the cells
a view had asked for are computed again in the idle time that follows (a few ms at a
time), so a page shown after its rows changed paints from answers already kept."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer

Index = QModelIndex | QPersistentModelIndex

#: answers kept at most (a table scrolled through 5,000 rows asks for ~300,000)
KEPT_ANSWERS = 50_000
#: answers computed again after a change, the last asked for (what a view shows now):
#: about what a full-screen table shows
REDONE_ANSWERS = 2_000
#: the longest the idle re-computation keeps the GUI thread at a time
REDO_SLICE_SECONDS = 0.003


class RecordTableModel(QAbstractTableModel):
    """Subclasses set ``headers``, return their records from :meth:`records_shown` and
    answer a cell's role in :meth:`role_data`; they change their records only between
    Qt's begin/end calls (reset, insert, remove), or emit ``dataChanged``."""

    headers: Sequence[str] = ()

    def __init__(self) -> None:
        super().__init__()
        self._answers: dict[tuple[int, int, int], Any] = {}
        self._redo: list[tuple[int, int, int]] = []
        self._redo_timer = QTimer(self)
        self._redo_timer.setSingleShot(True)
        self._redo_timer.setInterval(0)
        self._redo_timer.timeout.connect(self._redo_some)
        # Connected before any view connects, so the answers are forgotten before a view
        # asks again.
        for signal in (
            self.modelReset,
            self.rowsInserted,
            self.rowsRemoved,
            self.rowsMoved,
            self.columnsInserted,
            self.columnsRemoved,
            self.layoutChanged,
            self.dataChanged,
        ):
            signal.connect(self.forget_answers)

    def forget_answers(self, *_args: object) -> None:
        """Compute every cell again: those a view had asked for soon, in idle time; the
        others when asked."""
        if self._answers:
            self._redo = list(self._answers)[-REDONE_ANSWERS:]  # the last asked first
            self._redo_timer.start()
        self._answers.clear()

    def _redo_some(self) -> None:
        end = time.perf_counter() + REDO_SLICE_SECONDS
        rows, columns = self.rowCount(), self.columnCount()
        answers = self._answers
        while self._redo and time.perf_counter() < end:
            row, column, role = key = self._redo.pop()
            if key not in answers and row < rows and column < columns:
                answers[key] = self.role_data(self.index(row, column), role)
        if self._redo:
            self._redo_timer.start()

    def records_shown(self) -> Sequence[Any]:
        """The records, one a row (a subclass returns its own; none here)."""
        return ()

    def role_data(self, index: Index, role: int) -> Any:
        """What cell ``index`` shows for ``role`` (a subclass answers; nothing here)."""
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        key = (index.row(), index.column(), role)
        answers = self._answers
        try:
            return answers[key]
        except KeyError:
            pass
        if not index.isValid():
            return None
        if len(answers) >= KEPT_ANSWERS:
            answers.clear()
        answer = answers[key] = self.role_data(index, role)
        return answer

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.records_shown())

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None
