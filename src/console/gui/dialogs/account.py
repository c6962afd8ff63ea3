"""Small dialogs of the Users page: give someone a role, set someone's password."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from console.core.base import access
from console.core.security import accounts


class _Form(QDialog):
    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumSize(380, 170)
        self.form = QFormLayout()
        self.problem = QLabel("")
        self.problem.setProperty("role", "muted")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def _enable(self, problem: str) -> None:
        self.problem.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)


class RoleDialog(_Form):
    def __init__(self, name: str, role: str, parent: QWidget | None = None) -> None:
        super().__init__("Set role", parent)
        self.name = QLineEdit(name)
        self.role = QComboBox()
        self.role.addItems(list(access.ROLES))
        self.role.setCurrentText(role)
        self.form.addRow("User", self.name)
        self.form.addRow("Role", self.role)
        self.name.textChanged.connect(lambda text: self._enable("" if text.strip() else "Name?"))
        self._enable("" if name else "Name?")

    @classmethod
    def ask(
        cls, parent: QWidget | None, name: str = "", role: str = "viewer"
    ) -> tuple[str, str] | None:
        dialog = cls(name, role, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.name.text().strip(), dialog.role.currentText()


class PasswordDialog(_Form):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Password for {name}", parent)
        self.password = QLineEdit()
        self.repeat = QLineEdit()
        for field in (self.password, self.repeat):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.textChanged.connect(self._validate)
        self.form.addRow("New password", self.password)
        self.form.addRow("Repeat", self.repeat)
        self._validate()

    def _validate(self) -> None:
        if len(self.password.text()) < accounts.MIN_LENGTH:
            self._enable(f"At least {accounts.MIN_LENGTH} characters.")
        elif self.password.text() != self.repeat.text():
            self._enable("The two passwords differ.")
        else:
            self._enable("")

    @classmethod
    def ask(cls, parent: QWidget | None, name: str) -> str | None:
        dialog = cls(name, parent)
        return dialog.password.text() if dialog.exec() == QDialog.DialogCode.Accepted else None
