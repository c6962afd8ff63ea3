"""Restore a backup snapshot: what will change, where it goes, and why.

``RestoreDialog.ask(parent, preview)`` shows what restoring the snapshot in place would
change (models, config keys, datasets, audit entries written since) before anything
happens, offers a new folder or the live workspace, and asks for a reason (it goes in
the audit log). It returns a :class:`RestoreChoice`, or None when cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class RestoreChoice:
    in_place: bool
    folder: Path | None
    reason: str


class RestoreDialog(QDialog):
    """The snapshot's changes, a target and a reason."""

    def __init__(self, preview: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Restore snapshot {preview['snapshot'][:8]}")
        self.setMinimumSize(560, 440)
        heading = QLabel(
            f"<b>Snapshot {preview['snapshot'][:8]}</b> of {preview['time'][:16].replace('T', ' ')}"
            " UTC. Restoring it in place would change:"
        )
        heading.setWordWrap(True)
        self.changes = QPlainTextEdit("\n".join(line.strip() for line in preview["lines"][1:]))
        self.changes.setReadOnly(True)
        self.to_folder = QRadioButton("Into a new folder (the live workspace is not touched)")
        self.in_place = QRadioButton("In place: replace this workspace")
        aside = QLabel(
            "The current workspace is kept aside as <name>.before-restore-<time>; the "
            "scoring service restarts on the restored production model."
        )
        aside.setTextFormat(Qt.TextFormat.PlainText)
        aside.setProperty("role", "muted")
        aside.setWordWrap(True)
        self.to_folder.setChecked(True)
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("a new, empty folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why is this restored? (recorded in the audit log)")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Restore")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        for signal in (self.reason.textChanged, self.folder.textChanged):
            signal.connect(self._check)
        self.in_place.toggled.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.changes, 1)
        layout.addWidget(self.to_folder)
        layout.addLayout(row)
        layout.addWidget(self.in_place)
        layout.addWidget(aside)
        layout.addWidget(QLabel("Reason"))
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self._check()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Restore into")
        if folder:
            self.folder.setText(folder)

    def _check(self) -> None:
        self.folder.setEnabled(self.to_folder.isChecked())
        ok = bool(self.reason.text().strip()) and (
            self.in_place.isChecked() or bool(self.folder.text().strip())
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def choice(self) -> RestoreChoice:
        folder = self.folder.text().strip()
        return RestoreChoice(
            self.in_place.isChecked(),
            None if self.in_place.isChecked() else Path(folder).expanduser(),
            self.reason.text().strip(),
        )

    @classmethod
    def ask(cls, parent: QWidget | None, preview: dict[str, Any]) -> RestoreChoice | None:
        dialog = cls(preview, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.choice()
