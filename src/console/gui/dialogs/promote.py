"""Promote (and, through the shared base, roll back) a model version, step by step.

The dialog shows production and the target side by side with their metric differences,
asks for the reason, then runs the core deployment as a job: each verification step
ticks off as the core reports it (``on_step`` emits a signal, delivered on the GUI
thread), and the outcome says what production is now and why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.core.base.workspace import Workspace
from console.core.models import deploy, registry
from console.core.models.deploy import CheckResult, Deployment
from console.core.models.deploy_checks import STEPS
from console.gui import formatting as fmt
from console.gui import workers
from console.gui.style import THEME, icon
from console.gui.widgets.backtest_summary import BacktestSummary
from console.gui.widgets.deployment_history import check_item
from console.gui.widgets.metric_comparison import MetricComparison

ALL_STEPS = (*STEPS, "switch", "smoke_test")


class DeploymentDialog(QDialog):
    """What promote and rollback share; subclasses say which versions and which call."""

    kind: ClassVar[str] = "promote"
    verb: ClassVar[str] = "Promote"
    heading: ClassVar[str] = ""

    #: one verification step finished (emitted from the job's thread)
    step_done = Signal(object)
    #: the deployment ended with this record (switched, refused or reverted)
    deployed = Signal(object)

    def __init__(
        self,
        ws: Workspace,
        user: str,
        targets: list[str],
        *,
        preselect: str | None = None,
        reason: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ws = ws
        self.user = user
        self.deployment: Deployment | None = None
        self.job: workers.RunningJob | None = None
        self.setWindowTitle(f"{self.verb} model")
        self.setMinimumSize(680, 740)
        self.current = registry.production(ws)

        heading = QLabel(self.heading)
        heading.setProperty("role", "page-title")
        self.target = QComboBox()
        self.target.addItems(targets)
        if preselect in targets:
            self.target.setCurrentText(preselect)
        self.target.currentTextChanged.connect(self._compare)
        self.reason = QLineEdit(reason)
        self.reason.setPlaceholderText("Why? (required, recorded in the deployment history)")
        self.reason.setToolTip(reason)
        self.reason.textChanged.connect(self._update_buttons)
        self.production_label = QLabel(self.current.version if self.current else "none")
        self.readiness = QLabel()
        self.readiness.setProperty("role", "muted")
        self.readiness.setWordWrap(True)
        form = QFormLayout()
        form.addRow("In production:", self.production_label)
        form.addRow("Target version:", self.target)
        form.addRow("", self.readiness)
        form.addRow("Reason:", self.reason)
        self.comparison = MetricComparison()
        self.backtest = BacktestSummary(ws)
        self.steps = QListWidget()
        self.steps.setObjectName("problems")
        self.steps.setWordWrap(True)
        self.outcome = QLabel("")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox()
        self.run_button = QPushButton(icon("mdi6.check-decagram"), self.verb)
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.start)
        self.buttons.addButton(self.run_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.close_button.clicked.connect(self.reject)
        self._lay_out(heading, form)

        self.step_done.connect(self._show_step)
        self._reset_steps()
        self._compare(self.target.currentText())
        if not targets:
            self.outcome.setText(self.no_target_text())
        self._update_buttons()

    def _lay_out(self, heading: QLabel, form: QFormLayout) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        section = QLabel("Holdout metrics: production vs target")
        section.setProperty("role", "section")
        layout.addWidget(section)
        layout.addWidget(self.comparison, 3)
        recent = QLabel("On recent traffic: backtest of the last days")
        recent.setProperty("role", "section")
        layout.addWidget(recent)
        layout.addWidget(self.backtest)
        checks = QLabel("Verification")
        checks.setProperty("role", "section")
        layout.addWidget(checks)
        layout.addWidget(self.steps, 2)
        layout.addWidget(self.outcome)
        layout.addWidget(self.buttons)

    # ------------------------------------------------------------------ entry point
    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        ws: Workspace,
        user: str,
        *,
        on_deployed: Callable[[Deployment], None] | None = None,
        **kw: Any,
    ) -> Deployment | None:
        """Show the dialog modally; the deployment it ran (None if it ran none).

        ``on_deployed`` runs as soon as a deployment ends, while the dialog still shows
        its outcome (the window behind refreshes in place).
        """
        dialog = cls.build(ws, user, parent=parent, **kw)
        if on_deployed is not None:
            dialog.deployed.connect(on_deployed)
        dialog.exec()
        return dialog.deployment

    @classmethod
    def build(cls, ws: Workspace, user: str, **kw: Any) -> DeploymentDialog:
        raise NotImplementedError

    def no_target_text(self) -> str:
        return "There is no version to deploy."

    def call(self, version: str, reason: str) -> tuple[Any, tuple[Any, ...], dict[str, Any]]:
        """The core function, its arguments and keyword arguments for this dialog."""
        raise NotImplementedError

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        version = self.target.currentText()
        reason = self.reason.text().strip()
        if not version or not reason:
            return
        self._reset_steps()
        self.outcome.setText(f"{self.verb} {version}: verifying…")
        self.target.setEnabled(False)
        self.reason.setEnabled(False)
        self.run_button.setEnabled(False)
        self.close_button.setEnabled(False)
        fn, args, kwargs = self.call(version, reason)
        self.job = workers.run_job(
            self,
            f"{self.verb} {version}",
            fn,
            *args,
            on_step=self.step_done.emit,
            on_done=self._finished,
            on_error=self._failed,
            on_cancelled=self._cancelled,
            **kwargs,
        )

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.outcome == "running"

    def _finished(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self._show_all(deployment.checks)
        if deployment.outcome == "switched":
            self.current = registry.production(self.ws)
            self.production_label.setText(
                f"<b>{deployment.to_version}</b> (was {deployment.from_version or 'none'})"
            )
            self.readiness.setText("")
            # the same two versions, with the stages they have now
            before = registry.get(self.ws, deployment.from_version or "")
            self.comparison.compare(before, self.current)
            self.backtest.production_changed(deployment.to_version)
            self.outcome.setText(
                f"<b style='color:{THEME.ok}'>Production is now {deployment.to_version}</b> "
                f"(was {deployment.from_version or 'none'}); deployment {deployment.id} recorded."
            )
        else:
            failed = next((c for c in reversed(deployment.checks) if not c.ok), None)
            why = f"{failed.name.replace('_', ' ')}: {failed.detail}" if failed else ""
            self.outcome.setText(
                f"<b style='color:{THEME.danger}'>{deployment.outcome.capitalize()}</b> — {why}. "
                f"Production stays {deployment.from_version or 'none'}."
            )
        self._done()
        self.deployed.emit(deployment)

    def _failed(self, exc: BaseException) -> None:
        self.outcome.setText(f"<b style='color:{THEME.danger}'>Not done</b> — {exc}")
        self._done(retry=True)

    def _cancelled(self) -> None:
        self.outcome.setText("Cancelled before the switch; nothing was changed.")
        self._done(retry=True)

    def _done(self, *, retry: bool = False) -> None:
        self.close_button.setEnabled(True)
        self.close_button.setText("Close")
        self.target.setEnabled(retry)
        self.reason.setEnabled(retry)
        self.run_button.setEnabled(retry)

    # ------------------------------------------------------------------ display
    def _reset_steps(self) -> None:
        self.steps.clear()
        for name in ALL_STEPS:
            item = QListWidgetItem(name.replace("_", " "))
            item.setIcon(icon("mdi6.circle-outline", THEME.border))
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.steps.addItem(item)

    def _show_step(self, check: CheckResult) -> None:
        row = ALL_STEPS.index(check.name) if check.name in ALL_STEPS else -1
        if row >= 0:
            done = check_item(check)
            item = self.steps.item(row)
            item.setText(done.text())
            item.setIcon(done.icon())

    def _show_all(self, checks: list[CheckResult]) -> None:
        for check in checks:
            self._show_step(check)

    def step_states(self) -> dict[str, str]:
        """Step name -> "pending", "ok" or "failed" (what the list shows)."""
        states: dict[str, str] = {}
        for row in range(self.steps.count()):
            text = self.steps.item(row).text()
            name = ALL_STEPS[row]
            states[name] = "pending" if ":" not in text else "ok"
        if self.deployment is not None:
            for check in self.deployment.checks:
                states[check.name] = "ok" if check.ok else "failed"
        return states

    def _compare(self, version: str) -> None:
        target = registry.get(self.ws, version) if version else None
        self.comparison.compare(self.current, target)
        self.readiness.setText(self.readiness_text(version) if version else "")
        if self.isVisible():
            self._backtest()

    def _backtest(self) -> None:
        """Backtest the target beside production (in the background, while shown)."""
        version = self.target.currentText()
        current = self.current.version if self.current else ""
        self.backtest.compare([version, current] if version else [])

    def readiness_text(self, version: str) -> str:
        """What the switch to ``version`` will re-check (the pre-verification state)."""
        cached = deploy.preverified(self.ws, version)
        if cached is None:
            return f"{version} will be fully verified before the switch."
        return (
            f"{version} pre-verified {fmt.timestamp(cached.verified_at)}: the switch re-checks "
            "its hash, golden set and input schema."
        )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous() and not self.backtest.results and self.backtest.job is None:
            self._backtest()
        if self.reason.isEnabled():  # the one thing left to do: say why (or accept it)
            self._focus_reason()
            QTimer.singleShot(0, self, self._focus_reason)  # after the window's own focus

    def _focus_reason(self) -> None:
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)
        self.reason.deselect()
        self.reason.home(False)  # the start says which alert; the operator may add to it

    def done(self, result: int) -> None:
        self.backtest.stop()
        super().done(result)

    def _update_buttons(self) -> None:
        ready = bool(self.target.currentText()) and bool(self.reason.text().strip())
        self.run_button.setEnabled(ready and not self.running)

    def reject(self) -> None:
        if not self.running:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:
            event.ignore()
            return
        self.backtest.stop()
        super().closeEvent(event)


class PromoteDialog(DeploymentDialog):
    """Promote a candidate (or archived) version to production (role: admin)."""

    kind = "promote"
    verb = "Promote"
    heading = "Promote a version to production"

    @classmethod
    def build(
        cls, ws: Workspace, user: str, *, version: str | None = None, parent: QWidget | None = None
    ) -> PromoteDialog:
        versions = [m for m in registry.list_versions(ws) if m.stage != "production"]
        versions.sort(key=lambda m: m.stage != "candidate")  # candidates first, newest first
        targets = [m.version for m in versions]
        return cls(ws, user, targets, preselect=version, parent=parent)

    def no_target_text(self) -> str:
        return "No candidate version: register one first (console models register)."

    def call(self, version: str, reason: str) -> tuple[Any, tuple[Any, ...], dict[str, Any]]:
        return deploy.promote, (self.ws, self.user, version), {"reason": reason}
