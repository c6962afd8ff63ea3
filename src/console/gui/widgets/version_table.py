"""The registry's versions as a table model: version, stage, created, author, metrics, hash."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont

from console.core.models.registry import ModelVersion
from console.gui import formatting
from console.gui.style import THEME
from console.gui.widgets.record_model import RecordTableModel

KEY_METRICS = ("roc_auc", "f1", "precision", "recall", "fpr")
COLUMNS: list[tuple[str, str]] = [
    ("Version", "version"),
    ("Stage", "stage"),
    ("Created", "created_at"),
    ("Author", "author"),
    ("ROC AUC", "roc_auc"),
    ("F1", "f1"),
    ("Precision", "precision"),
    ("Recall", "recall"),
    ("FPR", "fpr"),
    ("Golden", "golden_rows"),
    ("SHA-256", "sha256"),
]
SORT_ROLE = Qt.ItemDataRole.UserRole
_Index = QModelIndex | QPersistentModelIndex


class VersionTableModel(RecordTableModel):
    headers = tuple(c[0] for c in COLUMNS)

    def records_shown(self) -> list[ModelVersion]:
        return self._versions

    def __init__(self) -> None:
        super().__init__()
        self._versions: list[ModelVersion] = []

    def set_versions(self, versions: list[ModelVersion]) -> None:
        self.beginResetModel()
        self._versions = list(versions)
        self.endResetModel()

    def version_at(self, row: int) -> ModelVersion | None:
        return self._versions[row] if 0 <= row < len(self._versions) else None

    def row_of(self, version: str) -> int | None:
        return next((i for i, v in enumerate(self._versions) if v.version == version), None)

    def role_data(self, index: _Index, role: int) -> Any:
        model = self.version_at(index.row())
        if model is None:
            return None
        field = COLUMNS[index.column()][1]
        raw = self._raw(model, field)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(field, raw)
        if role == SORT_ROLE:
            if field == "version":
                major, minor, patch = raw
                return major * 1_000_000 + minor * 1_000 + patch
            return raw if raw is not None else -1.0
        if role == Qt.ItemDataRole.TextAlignmentRole and field in (*KEY_METRICS, "golden_rows"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and field == "stage":
            colour = {"production": "ok", "archived": "muted"}.get(model.stage)
            return QBrush(THEME.color(colour)) if colour else None
        if role == Qt.ItemDataRole.FontRole and model.stage == "production":
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and field == "sha256":
            return model.sha256
        return None

    @staticmethod
    def _raw(model: ModelVersion, field: str) -> Any:
        if field in KEY_METRICS:
            return model.metrics.get(field)
        if field == "version":
            return tuple(int(p) for p in model.version.split("."))
        return getattr(model, field)

    @staticmethod
    def _text(field: str, raw: Any) -> str:
        if field == "version":
            return ".".join(str(p) for p in raw)
        if field in KEY_METRICS:
            return formatting.metric(raw)
        if field == "created_at":
            return formatting.timestamp(raw)
        if field == "golden_rows":
            return formatting.count(raw)
        if field == "sha256":
            return str(raw)[:12]
        return str(raw)
