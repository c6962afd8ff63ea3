"""The audit log as a Qt table model: one row per entry, newest first."""

from __future__ import annotations

import json

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from console.core.base.audit import AuditEntry
from console.gui import formatting as fmt
from console.gui.style import THEME
from console.gui.widgets.record_model import RecordTableModel

Index = QModelIndex | QPersistentModelIndex

#: (header, entry field) in column order
COLUMNS: list[tuple[str, str]] = [
    ("#", "seq"),
    ("Time (UTC)", "ts"),
    ("User", "user"),
    ("Role", "role"),
    ("Action", "action"),
    ("Outcome", "outcome"),
    ("Target", "target"),
    ("Details", "details"),
]
OUTCOME_COLOURS = {"ok": THEME.ok, "denied": THEME.danger, "refused": THEME.warning}


def details_text(entry: AuditEntry) -> str:
    """``key=value`` pairs, short enough for one table cell."""
    return ", ".join(
        f"{k}={json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}"
        for k, v in entry.details.items()
    )


class AuditTableModel(RecordTableModel):
    headers = tuple(c[0] for c in COLUMNS)

    def records_shown(self) -> list[AuditEntry]:
        return self._entries

    def __init__(self) -> None:
        super().__init__()
        self._entries: list[AuditEntry] = []
        self._bad_seq: int | None = None
        self._tints = {
            "denied": QBrush(THEME.color("danger_soft")),
            "refused": QBrush(THEME.color("warning_soft")),
        }

    def set_entries(self, entries: list[AuditEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def mark_bad(self, seq: int | None) -> None:
        """Highlight the entry ``audit verify`` named as the first bad one."""
        self.beginResetModel()
        self._bad_seq = seq
        self.endResetModel()

    def entry(self, row: int) -> AuditEntry:
        return self._entries[row]

    def row_of(self, seq: int) -> int | None:
        for row, entry in enumerate(self._entries):
            if entry.seq == seq:
                return row
        return None

    def role_data(self, index: Index, role: int) -> object:
        entry = self._entries[index.row()]
        field = COLUMNS[index.column()][1]
        if role == Qt.ItemDataRole.DisplayRole:
            if field == "ts":
                return fmt.timestamp(entry.ts, seconds=True).removesuffix(" UTC")
            if field == "details":
                return details_text(entry)
            return str(getattr(entry, field))
        if role == Qt.ItemDataRole.ToolTipRole and field in ("details", "target"):
            return json.dumps(entry.details, indent=1, ensure_ascii=False) or None
        if role == Qt.ItemDataRole.ForegroundRole:
            if entry.seq == self._bad_seq:
                return QColor("#ffffff")
            if field == "outcome":
                return QColor(OUTCOME_COLOURS.get(entry.outcome, THEME.text))
        if role == Qt.ItemDataRole.BackgroundRole:
            if entry.seq == self._bad_seq:
                return QBrush(THEME.color("danger"))
            return self._tints.get(entry.outcome)
        if role == Qt.ItemDataRole.TextAlignmentRole and field == "seq":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
