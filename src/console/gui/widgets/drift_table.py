"""The features of a drift analysis, drifted first and by drift score, with status colour."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from console.gui.style import THEME
from console.gui.widgets.record_model import RecordTableModel

COLUMNS = ("Feature", "Status", "Method", "Statistic", "p corrected", "PSI")
Index = QModelIndex | QPersistentModelIndex


def _num(value: Any) -> str:
    if value is None:
        return "–"
    if value == 0:
        return "0"
    return f"{value:.3g}"


def status_text(col: dict[str, Any]) -> str:
    if col.get("drifted"):
        return "missing-rate drift" if col.get("status") == "all_missing" else "drifted"
    return str(col.get("status", "")).replace("_", " ")


def status_colour(col: dict[str, Any]) -> str:
    if col.get("drifted"):
        return THEME.danger
    if col.get("drifted") is None:
        return THEME.warning
    return THEME.ok


def sort_key(col: dict[str, Any]) -> tuple[int, float]:
    rank = 0 if col.get("drifted") else (2 if col.get("drifted") is None else 1)
    return rank, -(col.get("score") or 0.0)


class DriftTableModel(RecordTableModel):
    headers = COLUMNS

    def records_shown(self) -> list[dict[str, Any]]:
        return self._rows

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[dict[str, Any]] = []

    def set_columns(self, columns: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._rows = sorted(columns, key=sort_key)
        self.endResetModel()

    def feature(self, row: int) -> dict[str, Any]:
        return self._rows[row]

    def row_of(self, name: str) -> int | None:
        for i, col in enumerate(self._rows):
            if col["name"] == name:
                return i
        return None

    def role_data(self, index: Index, role: int) -> Any:
        col = self._rows[index.row()]
        c = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            values = (
                col["name"], status_text(col), col.get("method", ""), _num(col.get("statistic")),
                _num(col.get("p_value")), _num(col.get("score")),
            )  # fmt: skip
            return values[c]
        if role == Qt.ItemDataRole.ForegroundRole and c == 1:
            return QBrush(QColor(status_colour(col)))
        if role == Qt.ItemDataRole.ToolTipRole:
            return col.get("note") or None
        if role == Qt.ItemDataRole.TextAlignmentRole and c >= 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
