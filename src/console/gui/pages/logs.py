"""Logs: the console's log, the scoring service's log and its request log, in one list.

Filter by source, level, time range and text; Follow appends what the files gain, read
off the GUI thread once a second; Export writes the records shown to a text file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QWidget,
)

from console.core.base import log_files
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.gui import workers
from console.gui.pages.base import Page
from console.gui.widgets.log_table import LogTableModel
from console.gui.widgets.tables import style_table

SHOWN = 5000
FOLLOW_MS = 1000
PERIODS: list[tuple[str, dt.timedelta | None]] = [
    ("Last hour", dt.timedelta(hours=1)),
    ("Last 24 hours", dt.timedelta(hours=24)),
    ("Last 7 days", dt.timedelta(days=7)),
    ("All time", None),
]


def _read(ws: Workspace, flt: log_files.LogFilter, ctx: JobContext) -> list[log_files.LogRecord]:
    ctx.progress(0.0, "Reading the logs")
    return log_files.read(ws, flt, limit=SHOWN)


def _poll(follower: log_files.Follower, ctx: JobContext) -> list[log_files.LogRecord]:
    return follower.poll()


class LogsPage(Page):
    key = "logs"
    title = "Logs"
    icon_name = "mdi6.text-box-search-outline"
    order = 85

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, user, parent)
        self.follower: log_files.Follower | None = None
        self.reading: workers.RunningJob | None = None
        self._reads = 0  # reads started: only the newest one's records are shown
        self.polling: workers.RunningJob | None = None
        self.export_action = self.header_action(
            "Export…", "mdi6.file-export-outline", "Ctrl+E", self.export
        )
        self.body.addLayout(self._filters())
        self.body.addWidget(self._records(), 1)
        self.refresh()

    def _filters(self) -> QHBoxLayout:
        self.sources = {name: QCheckBox(name) for name in log_files.SOURCES}
        self.level = QComboBox()
        self.level.addItems(list(log_files.LEVELS))
        self.level.setCurrentText("INFO")
        self.period = QComboBox()
        for text, span in PERIODS:
            self.period.addItem(text, span)
        self.period.setCurrentIndex(1)
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText("Text in the message or logger")
        self.follow = QCheckBox("Follow")
        self.follow.setToolTip("Append new records as the logs grow")
        self.count = QLabel("")
        self.count.setProperty("role", "muted")
        row = QHBoxLayout()
        for box in self.sources.values():
            box.setChecked(True)
            box.toggled.connect(self.refresh)
            row.addWidget(box)
        row.addWidget(self.level)
        row.addWidget(self.period)
        row.addWidget(self.search, 1)
        row.addWidget(self.follow)
        row.addWidget(self.count)
        self.level.currentIndexChanged.connect(self.refresh)
        self.period.currentIndexChanged.connect(self.refresh)
        self.search.returnPressed.connect(self.refresh)
        self._search_timer = QTimer(self, singleShot=True, interval=300)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.follow.toggled.connect(self._follow_toggled)
        self.timer = QTimer(self, interval=FOLLOW_MS)
        self.timer.timeout.connect(self._poll)
        return row

    def _records(self) -> QSplitter:
        self.model = LogTableModel(SHOWN)
        self.table = QTableView()
        self.table.setModel(self.model)
        style_table(self.table)
        self.table.selectionModel().selectionChanged.connect(self._show_current)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Select a record to read all of it.")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setSizes([520, 140])
        return splitter

    # ------------------------------------------------------------------ reading
    def filter(self) -> log_files.LogFilter:
        span = self.period.currentData()
        since = dt.datetime.now() - span if span else None
        chosen = tuple(n for n, box in self.sources.items() if box.isChecked())
        return log_files.LogFilter(chosen, self.level.currentText(), since, None,
                                   self.search.text().strip())  # fmt: skip

    def refresh(self) -> None:
        flt = self.filter()
        if self.reading is not None:
            self.reading.cancel()
        # a read that a newer one replaced may still answer (it finished before the
        # cancel): only the newest read's records are shown
        self._reads += 1
        this_read = self._reads
        self.reading = workers.run_job(
            self, "Reading the logs", _read, self.ws, flt, quiet=True,
            on_done=lambda records: self._loaded(records, this_read),
        )  # fmt: skip
        if self.follow.isChecked():
            self.follower = log_files.Follower(self.ws, flt)
            self.follower.start_at_end()

    @property
    def records(self) -> list[log_files.LogRecord]:
        """The records shown, oldest first."""
        return self.model.records

    def _loaded(self, records: list[log_files.LogRecord], read: int | None = None) -> None:
        if read is not None and read != self._reads:
            return  # a replaced read
        self.reading = None
        self.model.set_records(records)
        self.table.scrollToBottom()
        self._count()

    def _append(self, records: list[log_files.LogRecord]) -> None:
        bar = self.table.verticalScrollBar()
        at_end = bar.value() >= bar.maximum()
        self.model.append(records)
        if records and at_end:
            self.table.scrollToBottom()
        self._count()

    def _count(self) -> None:
        self.count.setText(f"{self.model.rowCount():,} records")

    def _show_current(self, *_args: object) -> None:
        rows = self.table.selectionModel().selectedRows()
        row = rows[0].row() if rows else -1
        if 0 <= row < len(self.records):
            r = self.records[row]
            self.detail.setPlainText(f"{r.ts} {r.level} {r.source} {r.logger}\n"
                                     f"{r.file}:{r.line}\n\n{r.message}")  # fmt: skip

    # ------------------------------------------------------------------ following
    def _follow_toggled(self, on: bool) -> None:
        if on:
            self.follower = log_files.Follower(self.ws, self.filter())
            self.follower.start_at_end()
            self.timer.start()
        else:
            self.timer.stop()
            self.follower = None

    def _poll(self) -> None:
        """Read what the files gained, off the GUI thread; one poll at a time."""
        if self.follower is None or self.polling is not None or self.reading is not None:
            return
        self.polling = workers.run_job(
            self, "Following the logs", _poll, self.follower, on_done=self._polled,
            on_error=lambda _e: self._polled([]), quiet=True,
        )  # fmt: skip

    def _polled(self, records: list[log_files.LogRecord]) -> None:
        self.polling = None
        self._append(records)

    # ------------------------------------------------------------------ export
    def export(self, path: Path | None = None) -> Path | None:
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Export the records shown",
                                                    "console-logs.txt", "Text (*.txt)")  # fmt: skip
            if not chosen:
                return None
            path = Path(chosen)
        lines = [f"{r.ts} {r.level:<7} {r.source:<8} {r.logger} {r.message}" for r in self.records]
        try:
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        except OSError as exc:
            workers.show_error(self, "Export failed", exc)
            return None
        return path

    def hideEvent(self, event: QHideEvent) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        if self.follow.isChecked():
            self.timer.start()
        super().showEvent(event)
