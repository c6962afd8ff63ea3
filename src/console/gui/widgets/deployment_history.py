"""The deployment history: every production change, and the checks of the selected one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.models.deploy import CheckResult, Deployment
from console.gui import formatting
from console.gui.style import THEME, icon
from console.gui.widgets.tables import table_with_headers

HEADERS = ["ID", "Finished", "Kind", "From", "To", "Outcome", "User", "Reason"]
OUTCOME_COLOURS = {"switched": "ok", "refused": "danger", "reverted": "warning"}


class DeploymentHistory(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.table = table_with_headers(QTableWidget(), HEADERS)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_checks(row))
        self.checks = QListWidget()
        self.checks.setObjectName("problems")
        self.checks.setWordWrap(True)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(self.checks)
        splitter.setSizes([640, 360])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._deployments: list[Deployment] = []

    def set_deployments(self, deployments: list[Deployment]) -> None:
        self._deployments = list(deployments)
        self.table.setRowCount(len(deployments))
        for row, d in enumerate(deployments):
            values = [
                str(d.id),
                formatting.timestamp(d.finished_at, seconds=True),
                d.kind,
                d.from_version or "–",
                d.to_version,
                d.outcome,
                d.user,
                d.reason,
            ]
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                if column == 5:
                    item.setForeground(THEME.color(OUTCOME_COLOURS.get(d.outcome, "text")))
                self.table.setItem(row, column, item)
        if deployments:
            self.table.selectRow(0)
        self._show_checks(0 if deployments else -1)

    def _show_checks(self, row: int) -> None:
        self.checks.clear()
        if not 0 <= row < len(self._deployments):
            return
        for check in self._deployments[row].checks:
            self.checks.addItem(check_item(check))
        if not self._deployments[row].checks:
            self.checks.addItem("No checks recorded (first production version).")


def check_item(check: CheckResult) -> QListWidgetItem:
    name = check.name.replace("_", " ")
    item = QListWidgetItem(f"{name}: {check.detail}  ({check.seconds * 1000:.0f} ms)")
    item.setIcon(
        icon("mdi6.check-circle", THEME.ok) if check.ok else icon("mdi6.close-circle", THEME.danger)
    )
    return item
