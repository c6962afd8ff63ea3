"""Log records as a Qt table model: a view asks only for the rows it shows, so reading
5,000 records (or following a busy log) costs the GUI thread next to nothing."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from console.core.base.log_files import LogRecord
from console.gui.style import THEME
from console.gui.widgets.record_model import RecordTableModel

Index = QModelIndex | QPersistentModelIndex

HEADERS = ["Time", "Level", "Source", "Logger", "Message"]
#: the colour of a record's text by level (others: the default)
LEVEL_COLOURS = {"WARNING": "warning", "ERROR": "danger", "CRITICAL": "danger"}


def cells(record: LogRecord) -> tuple[str, str, str, str, str]:
    """What each column shows: the time to the second, the message's first line."""
    first = record.message.splitlines()[0] if record.message else ""
    return (record.ts[:19].replace("T", " "), record.level, record.source, record.logger, first)


class LogTableModel(RecordTableModel):
    """The last ``limit`` records, oldest first."""

    headers = HEADERS

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.records: list[LogRecord] = []

    def records_shown(self) -> list[LogRecord]:
        return self.records

    def set_records(self, records: list[LogRecord]) -> None:
        self.beginResetModel()
        self.records = list(records[-self.limit :])
        self.endResetModel()

    def append(self, records: list[LogRecord]) -> None:
        """Add newer records at the end; the oldest go once there are over ``limit``."""
        if not records:
            return
        records = records[-self.limit :]
        overflow = len(self.records) + len(records) - self.limit
        if overflow > 0:
            self.beginRemoveRows(QModelIndex(), 0, overflow - 1)
            del self.records[:overflow]
            self.endRemoveRows()
        start = len(self.records)
        self.beginInsertRows(QModelIndex(), start, start + len(records) - 1)
        self.records.extend(records)
        self.endInsertRows()

    def role_data(self, index: Index, role: int) -> Any:
        record = self.records[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cells(record)[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and record.level in LEVEL_COLOURS:
            return THEME.color(LEVEL_COLOURS[record.level])
        return None
