"""The ingest history as a Qt table model: one row per batch, newest first."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from console.core.data.ingest import Batch
from console.gui import formatting as fmt
from console.gui.style import THEME
from console.gui.widgets.record_model import RecordTableModel

Index = QModelIndex | QPersistentModelIndex

#: (header, batch field) in column order
COLUMNS: list[tuple[str, str]] = [
    ("ID", "id"),
    ("Finished (UTC)", "finished_at"),
    ("Kind", "kind"),
    ("Outcome", "outcome"),
    ("Rows", "rows"),
    ("User", "user"),
    ("Source", "source"),
]
TINTED = frozenset({"refused", "failed"})
OUTCOME_COLOURS = {
    "ok": THEME.ok,
    "refused": THEME.danger,
    "failed": THEME.danger,
    "cancelled": THEME.muted,
    "duplicate": THEME.muted,
}
SORT_ROLE = Qt.ItemDataRole.UserRole
NUMERIC = frozenset({"id", "rows"})


class BatchTableModel(RecordTableModel):
    """Rows are the :class:`~console.core.data.ingest.Batch` records; ``SORT_ROLE`` gives
    raw values to sort."""

    headers = tuple(c[0] for c in COLUMNS)

    def records_shown(self) -> list[Batch]:
        return self._batches

    def __init__(self) -> None:
        super().__init__()
        self._batches: list[Batch] = []
        self._tint = QBrush(THEME.color("danger_soft"))

    def set_batches(self, batches: list[Batch]) -> None:
        self.beginResetModel()
        self._batches = list(batches)
        self.endResetModel()

    def batch(self, row: int) -> Batch:
        return self._batches[row]

    def row_of(self, batch_id: int) -> int | None:
        for row, batch in enumerate(self._batches):
            if batch.id == batch_id:
                return row
        return None

    def role_data(self, index: Index, role: int) -> Any:
        batch = self._batches[index.row()]
        field = COLUMNS[index.column()][1]
        value = getattr(batch, field)
        outcome = batch.outcome
        if role == Qt.ItemDataRole.DisplayRole:
            if field == "rows" and outcome != "ok":
                return "–"  # nothing was added
            return self._display(field, value)
        if role == SORT_ROLE:
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole and field in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and outcome in TINTED:
            return self._tint
        if role == Qt.ItemDataRole.ForegroundRole and field == "outcome":
            return QColor(OUTCOME_COLOURS.get(outcome, THEME.text))
        if role == Qt.ItemDataRole.ToolTipRole:
            if field == "source":
                return str(value)
            return batch.message or None
        return None

    @staticmethod
    def _display(field: str, value: Any) -> str:
        if field == "finished_at":
            return fmt.timestamp(value, seconds=True).removesuffix(" UTC")
        if field == "rows":
            return fmt.count(value)
        return "" if value is None else str(value)
