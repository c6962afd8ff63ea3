"""Where and how to export the audit log: file, format, optional passphrase."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.core.security import audit_export

MIN_PASSPHRASE = 10


@dataclass(frozen=True)
class ExportChoice:
    path: Path
    fmt: str
    passphrase: str | None


class AuditExportDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export the audit log")
        self.setMinimumSize(520, 260)
        self.path = QLineEdit(str(Path.home() / "audit-export.json"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)
        self.format = QComboBox()
        for fmt in audit_export.FORMATS:
            self.format.addItem(fmt.upper(), fmt)
        self.encrypt = QCheckBox("Encrypt with a passphrase (AES-256-GCM)")
        self.encrypt.setChecked(True)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.encrypt.toggled.connect(self._validate)
        for field in (self.passphrase, self.repeat, self.path):
            field.textChanged.connect(self._validate)
        self.problem = QLabel("")
        self.problem.setProperty("role", "muted")
        form = QFormLayout()
        form.addRow("File", where)
        form.addRow("Format", self.format)
        form.addRow("", self.encrypt)
        form.addRow("Passphrase", self.passphrase)
        form.addRow("Repeat", self.repeat)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._validate()

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export the audit log", self.path.text())
        if name:
            self.path.setText(name)

    def problems(self) -> str:
        if not self.path.text().strip():
            return "Choose a file."
        if self.encrypt.isChecked():
            if len(self.passphrase.text()) < MIN_PASSPHRASE:
                return f"The passphrase needs at least {MIN_PASSPHRASE} characters."
            if self.passphrase.text() != self.repeat.text():
                return "The two passphrases differ."
        return ""

    def _validate(self) -> None:
        for field in (self.passphrase, self.repeat):
            field.setEnabled(self.encrypt.isChecked())
        problem = self.problems()
        self.problem.setText(problem or "The export itself is recorded in the audit log.")
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not problem)

    def choice(self) -> ExportChoice:
        return ExportChoice(
            Path(self.path.text().strip()).expanduser(),
            str(self.format.currentData()),
            self.passphrase.text() if self.encrypt.isChecked() else None,
        )

    @classmethod
    def ask(cls, parent: QWidget | None) -> ExportChoice | None:
        dialog = cls(parent)
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None
