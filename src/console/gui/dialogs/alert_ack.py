"""Acknowledge an alert: who (the signed-in user) and a note on what is being done."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from console.core.alerts.engine import MAX_NOTE
from console.core.alerts.records import Alert


class AckDialog(QDialog):
    """``AckDialog.ask(parent, alert, user)`` -> the note, or None when cancelled."""

    def __init__(self, alert: Alert, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Acknowledge {alert.rule}")
        self.setMinimumSize(460, 260)
        what = QLabel(
            f"<b>{alert.severity.upper()}</b> · {alert.rule}: {alert.summary or alert.condition}"
            f"<br>Acknowledging as <b>{user}</b> stops reminders and escalation for this "
            "episode; the alert stays open until its condition clears."
        )
        what.setWordWrap(True)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("What are you doing about it? (optional)")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Acknowledge")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.note.textChanged.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addWidget(self.note, 1)
        layout.addWidget(self.buttons)

    def _check(self) -> None:
        ok = len(self.note.toPlainText().strip()) <= MAX_NOTE
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    @classmethod
    def ask(cls, parent: QWidget | None, alert: Alert, user: str) -> str | None:
        dialog = cls(alert, user, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.note.toPlainText().strip()
