"""How every table of the console looks: read-only, one row selected at a time, compact."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QTableWidget


def style_table(table: QTableView, widths: dict[int, int] | None = None) -> QTableView:
    """Apply the console's table look; ``widths`` maps column -> initial width (px)."""
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setShowGrid(False)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for column, width in (widths or {}).items():
        header.resizeSection(column, width)
    return table


def table_with_headers(table: QTableWidget, headers: list[str], widths: list[int]) -> QTableWidget:
    """``table`` with these column headers and initial widths, in the console's look."""
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    style_table(table, dict(enumerate(widths)))
    return table


def style_grid(table: QTableWidget) -> QTableWidget:
    """The look of a small fixed grid (row and column headers, cells share the width)."""
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return table
