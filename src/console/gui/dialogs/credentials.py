"""Credentials: set or rotate the secrets the console keeps in the OS keyring."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.core.base.errors import ConsoleError
from console.core.base.workspace import Workspace
from console.core.security import credentials
from console.gui import formatting as fmt
from console.gui import workers


class SecretDialog(QDialog):
    """Type a value twice (or generate one, for tokens)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Set {name}")
        self.setMinimumSize(420, 170)
        self.value = QLineEdit()
        self.value.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.problem = QLabel("")
        self.problem.setProperty("role", "muted")
        grid = QGridLayout()
        grid.addWidget(QLabel("Value"), 0, 0)
        grid.addWidget(self.value, 0, 1)
        grid.addWidget(QLabel("Repeat"), 1, 0)
        grid.addWidget(self.repeat, 1, 1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        for field in (self.value, self.repeat):
            field.textChanged.connect(self._validate)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._validate()

    def _validate(self) -> None:
        problem = ""
        if len(self.value.text()) < 8:
            problem = "At least 8 characters."
        elif self.value.text() != self.repeat.text():
            problem = "The two values differ."
        self.problem.setText(problem or "Stored only in the OS keyring; the audit log names it.")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    @classmethod
    def ask(cls, parent: QWidget | None, name: str) -> str | None:
        dialog = cls(name, parent)
        return dialog.value.text() if dialog.exec() == QDialog.DialogCode.Accepted else None


class CredentialsDialog(QDialog):
    """One row per credential: when it was set and by whom, Set/Rotate and Generate."""

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.user = user
        self.setWindowTitle("Credentials")
        self.setMinimumSize(820, 280)
        self.notice = QLabel("")
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.grid = QGridLayout()
        self.grid.setColumnStretch(0, 1)
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(10)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addLayout(self.grid)
        layout.addStretch(1)
        layout.addWidget(close)
        self.set_buttons: dict[str, QPushButton] = {}
        self.refresh()

    def refresh(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item else None
            if widget is not None:
                widget.deleteLater()
        if not credentials.keyring_usable():
            self.notice.setText(str(credentials.KeyringUnavailable()))
        else:
            self.notice.setText(
                "Secrets live only in the OS keyring; the workspace records when and by whom "
                "each was set, never the value."
            )
        may_set = self.ws.role_of(self.user) == "admin" and credentials.keyring_usable()
        for row, info in enumerate(credentials.list_credentials(self.ws)):
            name = QLabel(f"<b>{info.name}</b><br><small>{info.purpose}</small>")
            name.setMinimumWidth(360)
            when = (
                f"set {fmt.timestamp(info.set_at)} by {info.set_by}" if info.set_at else "not set"
            )
            state = QLabel(when)
            state.setProperty("role", "muted")
            button = QPushButton("Rotate…" if info.set_at else "Set…")
            button.setEnabled(may_set)
            button.clicked.connect(lambda _=False, n=info.name: self.set_secret(n))
            self.set_buttons[info.name] = button
            self.grid.addWidget(name, row, 0)
            self.grid.addWidget(state, row, 1)
            self.grid.addWidget(button, row, 2)
            if info.name == "service-token":
                generate = QPushButton("Generate")
                generate.setEnabled(may_set)
                generate.clicked.connect(lambda: self.set_secret("service-token", generate=True))
                self.grid.addWidget(generate, row, 3)

    def set_secret(self, name: str, *, generate: bool = False) -> bool:
        value = credentials.generate_token() if generate else SecretDialog.ask(self, name)
        if value is None:
            return False
        try:
            credentials.set_secret(self.ws, self.user, name, value)
        except ConsoleError as exc:
            workers.show_error(self, f"Cannot set {name}", exc)
            return False
        self.refresh()
        if generate:  # the one time it is shown: the clients need it
            self.notice.setText(f"New service token (shown once, give it to the clients): {value}")
        return True

    @classmethod
    def manage(cls, parent: QWidget | None, ws: Workspace, user: str) -> None:
        cls(ws, user, parent).exec()
