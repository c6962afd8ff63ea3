"""A 2×2 confusion matrix with totals, and a table of per-segment figures."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

from console.gui import formatting as fmt
from console.gui.widgets.tables import style_grid


def table_item(text: str, *, align_right: bool = True) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class ConfusionTable(QTableWidget):
    """Rows: actual fraud / genuine; columns: flagged / passed / total."""

    def __init__(self) -> None:
        super().__init__(3, 3)
        self.setHorizontalHeaderLabels(["Flagged", "Passed", "Total"])
        self.setVerticalHeaderLabels(["Fraud", "Genuine", "Total"])
        style_grid(self)
        self.setFixedHeight(118)
        self.setToolTip("Rows: the label (fraud = 1). Columns: the model's decision.")

    def set_counts(self, tp: float, fp: float, fn: float, tn: float) -> None:
        cells = [[tp, fn, tp + fn], [fp, tn, fp + tn], [tp + fp, fn + tn, tp + fp + fn + tn]]
        for r, row in enumerate(cells):
            for c, value in enumerate(row):
                self.setItem(r, c, table_item(fmt.count(int(value))))

    def counts(self) -> list[list[str]]:
        return [[self.item(r, c).text() for c in range(3)] for r in range(3)]


SEGMENT_COLUMNS = [
    ("window", "Value"),
    ("n", "Rows"),
    ("labelled", "Labelled"),
    ("f1", "F1"),
    ("precision", "Precision"),
    ("recall", "Recall"),
    ("fpr", "FPR"),
    ("roc_auc", "ROC AUC"),
    ("note", "Note"),
]


class SegmentTable(QTableWidget):
    """One row per segment value: rows, labelled, F1, precision, recall, FPR, AUC."""

    def __init__(self) -> None:
        super().__init__(0, len(SEGMENT_COLUMNS))
        self.setHorizontalHeaderLabels([title for _, title in SEGMENT_COLUMNS])
        style_grid(self)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, (key, _title) in enumerate(SEGMENT_COLUMNS):
                value = row.get(key)
                if key in ("n", "labelled"):
                    text = fmt.count(int(value or 0))
                elif key == "fpr":
                    text = fmt.percent(value, 2)
                elif key in ("window", "note"):
                    text = str(value or "")
                else:
                    text = fmt.metric(None if value is None or math.isnan(value) else value)
                self.setItem(r, c, table_item(text, align_right=key not in ("window", "note")))
