"""Two model versions' holdout metrics side by side, with the difference of each."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem

from console.core.models.registry import ModelVersion
from console.gui import formatting
from console.gui.style import THEME
from console.gui.widgets.tables import style_grid

#: metric -> True when higher is better (colours the difference)
METRICS: dict[str, bool] = {
    "roc_auc": True,
    "pr_auc": True,
    "f1": True,
    "precision": True,
    "recall": True,
    "fpr": False,
    "accuracy": True,
    "positive_rate": False,
}
LABELS = {
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC",
    "f1": "F1",
    "precision": "Precision",
    "recall": "Recall",
    "fpr": "False positive rate",
    "accuracy": "Accuracy",
    "positive_rate": "Alert rate",
    "threshold": "Decision threshold",
}


class MetricComparison(QTableWidget):
    """Rows: metrics (and the threshold); columns: left version, right version, change."""

    def __init__(self) -> None:
        super().__init__(0, 3)
        style_grid(self)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setAlternatingRowColors(True)
        self.setHorizontalHeaderLabels(["", "", "Change"])

    def compare(self, left: ModelVersion | None, right: ModelVersion | None) -> None:
        self.setHorizontalHeaderLabels(
            [_title(left), _title(right), "Change"]  # e.g. "1.0.0 (production)"
        )
        rows = [*METRICS, "threshold"]
        self.setRowCount(len(rows))
        self.setVerticalHeaderLabels([LABELS[r] for r in rows])
        for row, name in enumerate(rows):
            a, b = _value(left, name), _value(right, name)
            self.setItem(row, 0, _cell(formatting.metric(a, 4)))
            self.setItem(row, 1, _cell(formatting.metric(b, 4)))
            change = _cell("–" if a is None or b is None else f"{b - a:+.4f}")
            if a is not None and b is not None and abs(b - a) > 1e-12 and name in METRICS:
                better = (b > a) == METRICS[name]
                change.setForeground(THEME.color("ok" if better else "danger"))
            self.setItem(row, 2, change)

    def change_of(self, name: str) -> str:
        rows = [*METRICS, "threshold"]
        item = self.item(rows.index(name), 2)
        return item.text() if item else ""


def _title(model: ModelVersion | None) -> str:
    return "–" if model is None else f"{model.version} ({model.stage})"


def _value(model: ModelVersion | None, name: str) -> float | None:
    if model is None:
        return None
    value = model.threshold if name == "threshold" else model.metrics.get(name)
    return float(value) if value is not None else None


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item
