"""The Logs page's table model: the last N records, oldest first, coloured by level."""

from __future__ import annotations

from PySide6.QtCore import Qt

from console.core.base.log_files import LogRecord
from console.gui.style import THEME
from console.gui.widgets.log_table import LogTableModel


def record(n: int, level: str = "INFO") -> LogRecord:
    return LogRecord("console", f"2026-12-01T10:00:{n:02d}.123", level, "console.x",
                     f"message {n}\nsecond line", "x.py", n)  # fmt: skip


def shown(model: LogTableModel, column: int = 4) -> list[str]:
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_keeps_the_last_records_and_drops_the_oldest_on_append() -> None:
    model = LogTableModel(limit=3)
    model.set_records([record(n) for n in range(5)])
    assert shown(model) == ["message 2", "message 3", "message 4"]
    model.append([record(5), record(6)])
    assert shown(model) == ["message 4", "message 5", "message 6"]
    assert shown(model, 0) == ["2026-12-01 10:00:04", "2026-12-01 10:00:05", "2026-12-01 10:00:06"]
    model.append([])
    assert model.rowCount() == 3


def test_warnings_and_errors_are_coloured() -> None:
    model = LogTableModel(limit=10)
    model.set_records([record(1), record(2, "WARNING"), record(3, "ERROR")])
    role = Qt.ItemDataRole.ForegroundRole
    assert model.index(0, 1).data(role) is None
    assert model.index(1, 1).data(role) == THEME.color("warning")
    assert model.index(2, 1).data(role) == THEME.color("danger")
