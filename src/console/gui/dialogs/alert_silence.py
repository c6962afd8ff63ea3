"""Silence alerts: a matcher (rule, metric, severity globs), how long, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

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

from console.core.alerts.records import Alert
from console.core.base import clock

DURATIONS = [("30 minutes", 30), ("1 hour", 60), ("4 hours", 240), ("1 day", 1440),
             ("1 week", 10080)]  # fmt: skip


@dataclass(frozen=True)
class SilenceRequest:
    matcher: dict[str, str]
    until: datetime
    reason: str


class SilenceDialog(QDialog):
    """``SilenceDialog.ask(parent, alert)`` -> a SilenceRequest, or None when cancelled."""

    def __init__(self, alert: Alert | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Silence alerts")
        self.setMinimumSize(480, 280)
        intro = QLabel(
            "Notifications of matching alerts stop until the silence ends; the alerts stay "
            "visible. Globs: <code>f1_*</code> matches every F1 rule; empty matches all."
        )
        intro.setWordWrap(True)
        self.rule = QLineEdit(alert.rule if alert else "")
        self.metric_glob = QLineEdit()
        self.severity = QComboBox()
        self.severity.addItems(["any", "critical", "warning"])
        self.duration = QComboBox()
        for text, minutes in DURATIONS:
            self.duration.addItem(text, minutes)
        self.duration.setCurrentIndex(2)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why (required), e.g. retraining in progress")
        form = QFormLayout()
        form.addRow("Rule", self.rule)
        form.addRow("Metric", self.metric_glob)
        form.addRow("Severity", self.severity)
        form.addRow("For", self.duration)
        form.addRow("Reason", self.reason)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Silence")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        for field in (self.rule, self.metric_glob, self.reason):
            field.textChanged.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._check()

    def request(self) -> SilenceRequest:
        matcher = {
            k: v
            for k, v in (
                ("rule", self.rule.text().strip()),
                ("metric", self.metric_glob.text().strip()),
                (
                    "severity",
                    "" if self.severity.currentIndex() == 0 else self.severity.currentText(),
                ),
            )
            if v
        }
        until = clock.now() + timedelta(minutes=int(self.duration.currentData()))
        return SilenceRequest(matcher or {"rule": "*"}, until, self.reason.text().strip())

    def _check(self) -> None:
        ok = bool(self.reason.text().strip())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    @classmethod
    def ask(cls, parent: QWidget | None, alert: Alert | None) -> SilenceRequest | None:
        dialog = cls(alert, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.request()
