"""Sign-in at start where the workspace has console accounts."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from console.core.base.errors import ConsoleError
from console.core.base.workspace import Workspace
from console.core.security import accounts
from console.gui.style import THEME


class SignInDialog(QDialog):
    """Name and password; each attempt goes through ``accounts.sign_in`` (audited)."""

    def __init__(self, ws: Workspace, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.user: str | None = None
        self.setWindowTitle("Sign in")
        self.setMinimumSize(380, 200)
        intro = QLabel(f"This workspace ({ws.root.name}) asks who you are.")
        intro.setWordWrap(True)
        self.name = QLineEdit(name)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {THEME.danger};")
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Password", self.password)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        buttons.accepted.connect(self.try_sign_in)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        (self.password if name else self.name).setFocus()

    def try_sign_in(self) -> bool:
        try:
            self.user = accounts.sign_in(self.ws, self.name.text(), self.password.text())
        except ConsoleError as exc:
            self.message.setText(str(exc))
            self.password.clear()
            self.password.setFocus()
            return False
        self.accept()
        return True

    @classmethod
    def ask(cls, parent: QWidget | None, ws: Workspace, name: str) -> str | None:
        """The signed-in user name, or None when the user gave up."""
        dialog = cls(ws, name, parent)
        return dialog.user if dialog.exec() == QDialog.DialogCode.Accepted else None
