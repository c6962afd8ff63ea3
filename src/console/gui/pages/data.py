"""Data: the ingest history, what went wrong with a batch, and importing files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QWidget,
)

from console.core.base import orphans
from console.core.base.workspace import Workspace
from console.core.data import ingest
from console.core.data.ingest import IngestResult
from console.gui import workers
from console.gui.dialogs.import_file import ImportFileDialog
from console.gui.pages.base import Page
from console.gui.widgets.batch_detail import BatchDetail
from console.gui.widgets.batch_table import SORT_ROLE, BatchTableModel
from console.gui.widgets.lineage_view import LineageView
from console.gui.widgets.tables import style_table

HISTORY_LIMIT = 1000


class DataPage(Page):
    key = "data"
    title = "Data"
    icon_name = "mdi6.database-outline"
    order = 80

    #: one line for the status bar after an import ended (done, refused or cancelled)
    import_ended = Signal(str)

    @classmethod
    def create(cls, window: Any) -> DataPage:
        actions = [window.import_predictions_action, window.import_labels_action]
        page = cls(window.ws, window.user, [*actions, window.refresh_action])
        page.import_ended.connect(window.import_ended)
        return page

    def __init__(
        self,
        ws: Workspace,
        user: str,
        actions: Sequence[QAction] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ws, user, parent)
        for action in actions:
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setProperty("role", "button")
            self.header_actions.addWidget(button)

        self.model = BatchTableModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = _history_view(self.proxy)
        self.table.selectionModel().currentRowChanged.connect(self._show_current)
        self.detail = BatchDetail()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setSizes([440, 200])
        self.lineage = LineageView(ws)
        self.tabs = QTabWidget()
        self.tabs.addTab(splitter, "Ingest history")
        self.tabs.addTab(self.lineage, "Lineage")
        self.tabs.currentChanged.connect(lambda _i: self._refresh_lineage())
        self.body.addWidget(self.tabs, 1)
        self.import_job: workers.RunningJob | None = None
        self._select_newest = False

    # ------------------------------------------------------------------ history
    def _refresh_lineage(self) -> None:
        if self.tabs.currentWidget() is self.lineage:
            self.lineage.refresh()

    def refresh(self) -> None:
        self._refresh_lineage()
        keep = self.selected_batch()
        batches = ingest.batches(self.ws, HISTORY_LIMIT)
        self.model.set_batches(batches)
        ok = sum(b.outcome == "ok" for b in batches)
        refused = sum(b.outcome in ("refused", "failed") for b in batches)
        shown = "" if len(batches) < HISTORY_LIMIT else f" (newest {HISTORY_LIMIT})"
        self.subtitle.setText(
            f"{len(batches)} ingest batch{'es' if len(batches) != 1 else ''}{shown}"
            f" · {ok} ok · {refused} refused or failed"
            f" · orphaned parts: {orphans.describe(orphans.report(self.ws))}"
        )
        if self._select_newest and batches:
            self.select_batch(batches[0].id)
        elif keep is not None and self.model.row_of(keep.id) is not None:
            self.select_batch(keep.id)
        elif batches:
            self.table.selectRow(0)
        else:
            self.detail.show_batch(None)
        self._select_newest = False

    def selected_batch(self) -> ingest.Batch | None:
        current = self.table.currentIndex()
        if not current.isValid():
            return None
        return self.model.batch(self.proxy.mapToSource(current).row())

    def select_batch(self, batch_id: int) -> None:
        row = self.model.row_of(batch_id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)

    def _show_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.detail.show_batch(self.model.batch(self.proxy.mapToSource(current).row()))
        else:
            self.detail.show_batch(None)

    # ------------------------------------------------------------------ import
    def start_import(self, kind: str) -> workers.RunningJob | None:
        """Ask for a file and ingest it as a job; returns the job (None if no file)."""
        path = ImportFileDialog.ask(self.window(), kind)
        if path is None:
            return None
        name = Path(path).name

        def done(result: IngestResult) -> None:
            if result.outcome == "ok":
                self._ended(
                    f"Imported {result.rows:,} {kind} rows from {name} (batch {result.batch_id})."
                )
            else:
                self._ended(f"{name}: {result.message}")

        self.import_job = workers.run_job(
            self.window(),
            f"Importing {kind}",
            ingest.ingest_file,
            self.ws,
            self.user,
            kind,
            Path(path),
            on_done=done,
            on_error=lambda _exc: self._ended(f"Import of {name} was refused; nothing was added."),
            on_cancelled=lambda: self._ended(f"Import of {name} cancelled; nothing was changed."),
        )
        return self.import_job

    def _ended(self, message: str) -> None:
        self.import_job = None
        self._select_newest = True
        self.import_ended.emit(message)


def _history_view(model: QSortFilterProxyModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSortingEnabled(True)
    table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    style_table(table)
    return table
