"""Register model…: a skops file, its card, a golden set, then the deployment checks.

The same core call as ``console models register``: a skops file is read without running
code and its types are checked; a pickle or joblib file is refused with the same
sentence as the CLI (the window never unpickles). The golden set comes from a CSV or
Parquet file or is drawn from the last week of the prediction log. After registering,
the deployment checks run on the new version (without switching) and tick off here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from console.core.base.workspace import Workspace
from console.core.models import deploy, model_import, registry
from console.core.models.deploy import CheckResult
from console.core.models.registry import ModelVersion
from console.gui import workers
from console.gui.style import icon
from console.gui.widgets.deployment_history import check_item


class RegisterModelDialog(QDialog):
    """Fill in, press Register; :attr:`registered` holds the new version."""

    step_done = Signal(object)

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.user = user
        self.registered: ModelVersion | None = None
        self.job: workers.RunningJob | None = None
        self.setWindowTitle("Register model")
        self.setMinimumSize(620, 620)
        form = self._form()
        self.steps = QListWidget()
        self.steps.setObjectName("problems")
        self.steps.setWordWrap(True)
        self.outcome = QLabel("")
        self.outcome.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.register_button = QPushButton(icon("mdi6.plus-box-outline"), "Register")
        self.register_button.setDefault(True)
        self.register_button.clicked.connect(self.register)
        buttons.addButton(self.register_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        checks = QLabel("Deployment checks of the new version")
        checks.setProperty("role", "section")
        layout.addWidget(checks)
        layout.addWidget(self.steps, 1)
        layout.addWidget(self.outcome)
        layout.addWidget(buttons)
        self.step_done.connect(lambda step: self.steps.addItem(check_item(step)))

    def _form(self) -> QFormLayout:
        self.path = QLineEdit()
        self.path.setPlaceholderText("a .skops file")
        browse = QPushButton(icon("mdi6.folder-open-outline"), "Browse…")
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        self.version = QComboBox()
        self.version.addItems(list(registry.BUMPS))
        self.version.setCurrentText("minor")
        self.version.setEditable(True)
        self.version.setToolTip("major, minor or patch bump of the latest version, or X.Y.Z")
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setDecimals(4)
        self.threshold.setSingleStep(0.01)
        self.threshold.setValue(0.5)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("What changed and why (required; the card's change notes)")
        self.notes.setMaximumHeight(90)
        self.golden_file = QRadioButton("from a file")
        self.golden_log = QRadioButton("drawn from the last 7 days of the prediction log")
        self.golden_log.setChecked(True)
        choice = QButtonGroup(self)
        choice.addButton(self.golden_file)
        choice.addButton(self.golden_log)
        self.golden_path = QLineEdit()
        self.golden_path.setPlaceholderText("CSV or Parquet with the feature columns")
        form = QFormLayout()
        form.addRow("Model file:", file_row)
        form.addRow("Version:", self.version)
        form.addRow("Threshold:", self.threshold)
        form.addRow("Notes:", self.notes)
        form.addRow("Golden set:", self.golden_log)
        form.addRow("", self.golden_file)
        form.addRow("", self.golden_path)
        return form

    @classmethod
    def ask(cls, parent: QWidget | None, ws: Workspace, user: str) -> ModelVersion | None:
        """Show the dialog modally; the version it registered (None if none)."""
        dialog = cls(ws, user, parent)
        dialog.exec()
        return dialog.registered

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Model file", "", "skops (*.skops);;All (*)")
        if name:
            self.path.setText(name)

    def _version(self) -> dict[str, Any]:
        text = self.version.currentText().strip()
        return {"bump": text} if text in registry.BUMPS else {"version": text}

    def register(self) -> None:
        """Register with the core (refusals shown as the CLI says them), then verify."""
        self.outcome.setText("")
        try:
            golden_frame = (
                None if self.golden_file.isChecked() else model_import.log_sample(self.ws)
            )
            golden = Path(self.golden_path.text()) if self.golden_file.isChecked() else None
            self.registered = model_import.register_file(
                self.ws, self.user, Path(self.path.text().strip()),
                notes=self.notes.toPlainText(), threshold=self.threshold.value(),
                golden=golden, golden_frame=golden_frame, **self._version(),
            )  # fmt: skip
        except Exception as exc:
            self.outcome.setText(f"Not registered: {workers.describe_error(exc)[0]}")
            return
        self.register_button.setEnabled(False)
        model = self.registered
        self.outcome.setText(f"Registered {model.version} as a candidate; running the checks…")
        self.job = workers.run_job(
            self, f"Verify {model.version}", deploy.verify, self.ws, self.user, model.version,
            on_step=self.step_done.emit, on_done=self._verified,
            on_error=lambda _e: self._verified(None), on_cancelled=lambda: self._verified(None),
        )  # fmt: skip

    def _verified(self, checks: list[CheckResult] | None) -> None:
        self.job = None
        assert self.registered is not None
        version = self.registered.version
        if checks is None:
            self.outcome.setText(f"Registered {version}; the checks did not complete.")
        elif all(c.ok for c in checks):
            self.outcome.setText(f"Registered {version}: every deployment check passed.")
        else:
            self.outcome.setText(f"Registered {version}, but a deployment check FAILED.")
