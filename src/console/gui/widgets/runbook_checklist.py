"""A runbook run as an interactive checklist: one row per step, its action, its result."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from console.core.runbooks.format import Runbook, Step
from console.core.runbooks.runs import Run
from console.gui.formatting import timestamp
from console.gui.style import THEME, icon

#: status -> (icon, colour)
MARKS = {
    "ok": ("mdi6.check-circle", THEME.ok),
    "done": ("mdi6.check-circle", THEME.ok),
    "opened": ("mdi6.eye-check-outline", THEME.ok),
    "skipped": ("mdi6.debug-step-over", THEME.muted),
    "problem": ("mdi6.alert-circle", THEME.warning),
    "failed": ("mdi6.close-circle", THEME.danger),
}


class RunbookChecklist(QTableWidget):
    """Rows: step, action button(s), result. ``act(step, what)`` asks the page to act:
    what is ``run`` / ``open`` / ``show`` / ``done`` / ``skip``."""

    act = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 4, parent)
        self.setHorizontalHeaderLabels(["", "Step", "Action", "Result"])
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        self.setShowGrid(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.setColumnWidth(0, 30)
        self.setColumnWidth(2, 190)
        self.buttons: dict[int, list[QPushButton]] = {}
        self._shape: tuple[object, ...] = ()
        self.enabled_actions = True

    def show_run(self, book: Runbook, run: Run | None, *, may_act: bool) -> None:
        shape = (book.name, book.title, tuple(s.kind for s in book.steps))
        rebuild = shape != self._shape
        self._shape = shape
        if rebuild:
            self.clearContents()
            self.setRowCount(len(book.steps))
            self.buttons.clear()
        upcoming = run.next_step(book) if run else None
        next_index = upcoming.index if upcoming else None
        for row, step in enumerate(book.steps):
            record = run.records.get(step.index) if run else None
            mark = QTableWidgetItem()
            if record is not None:
                name, colour = MARKS.get(record.status, MARKS["done"])
                mark.setIcon(icon(name, colour))
                mark.setToolTip(record.status)
            self.setItem(row, 0, mark)
            section = f"{step.section} · " if step.section else ""
            text = QTableWidgetItem(f"{step.index + 1}. {step.text}")
            text.setToolTip(f"{section}{step.notes}" if step.notes or section else step.text)
            if step.index == next_index:
                font = text.font()
                font.setBold(True)
                text.setFont(font)
            self.setItem(row, 1, text)
            enabled = run is not None and may_act and run.state == "open"
            if rebuild:
                self.setCellWidget(row, 2, self._actions(step))
            for button in self.buttons[step.index]:
                button.setEnabled(enabled)
            result = ""
            if record is not None:
                result = f"{record.status}: {record.result}" if record.result else record.status
                result += f"  ({record.user}, {timestamp(record.ts)})"
            item = QTableWidgetItem(result)
            item.setToolTip(result)
            self.setItem(row, 3, item)
        self.resizeRowsToContents()

    def clear_steps(self) -> None:
        self.clearContents()
        self.setRowCount(0)
        self.buttons.clear()
        self._shape = ()

    def _actions(self, step: Step) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(2, 2, 2, 2)
        row.setSpacing(4)
        wanted = {"check": [("run", "Run check")], "open": [("open", "Open")],
                  "show": [("show", "Show contacts")],
                  "manual": [("done", "Done"), ("skip", "Skip")]}[step.kind]  # fmt: skip
        made = []
        for what, text in wanted:
            button = QPushButton(text)
            button.setProperty("step", step.index)
            button.clicked.connect(lambda _c=False, i=step.index, w=what: self.act.emit(i, w))
            row.addWidget(button)
            made.append(button)
        row.addStretch(1)
        self.buttons[step.index] = made
        return box

    def button(self, step: int, text: str) -> QPushButton:
        """The button of ``step`` whose text is ``text`` (tests drive the page with it)."""
        return next(b for b in self.buttons[step] if b.text() == text)
