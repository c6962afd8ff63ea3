"""Edit a versioned text (a runbook, the recovery contacts, console.toml) with a reason."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class Edited:
    text: str
    reason: str


class DocumentEditDialog(QDialog):
    """``DocumentEditDialog.ask(parent, title, text, help)`` -> Edited, or None."""

    def __init__(self, title: str, text: str, help_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumSize(720, 560)
        explain = QLabel(help_text)
        explain.setWordWrap(True)
        self.editor = QPlainTextEdit(text)
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why this change? (kept with the new version)")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason.textChanged.connect(self._check)
        self.editor.textChanged.connect(self._check)
        self._original = text
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self._check()

    def _check(self) -> None:
        ready = bool(self.reason.text().strip()) and self.editor.toPlainText() != self._original
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(ready)

    @classmethod
    def ask(
        cls, parent: QWidget | None, title: str, text: str, help_text: str = ""
    ) -> Edited | None:
        dialog = cls(title, text, help_text, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return Edited(dialog.editor.toPlainText(), dialog.reason.text().strip())
