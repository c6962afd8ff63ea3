"""Choosing the file to import: one small entry point tests can replace."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget

from console.gui.settings import app_settings

FILE_FILTER = "Data files (*.csv *.parquet *.pq)"
TITLES = {"predictions": "Import predictions", "labels": "Import labels"}
_LAST_FOLDER_KEY = "import/last_folder"


class ImportFileDialog:
    """``ImportFileDialog.ask(parent, kind)`` -> the chosen file, or None."""

    @classmethod
    def ask(cls, parent: QWidget | None, kind: str) -> Path | None:
        settings: QSettings = app_settings()
        folder = str(settings.value(_LAST_FOLDER_KEY, "", type=str))
        chosen, _ = QFileDialog.getOpenFileName(
            parent, f"{TITLES.get(kind, 'Import')} – choose a file", folder, FILE_FILTER
        )
        if not chosen:
            return None
        path = Path(chosen)
        settings.setValue(_LAST_FOLDER_KEY, str(path.parent))
        return path
