"""Help → Diagnostics: ``console doctor`` in the window, plus what only a window knows.

``DiagnosticsDialog.build(root, parent)`` runs the checks (fast: metadata and file
look-ups, no network) and lists each finding with its fix; the tray line says whether a
system tray is there or the in-window badge stands in for it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QSystemTrayIcon,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.diagnostics import doctor
from console.gui.style import THEME, icon
from console.gui.widgets.tables import table_with_headers

ICONS = {
    "ok": ("mdi6.check-circle-outline", THEME.ok),
    "warning": ("mdi6.alert-outline", THEME.warning),
    "problem": ("mdi6.close-circle-outline", THEME.danger),
}


def window_findings() -> list[doctor.Finding]:
    """What the running window adds: the Qt platform in use and the tray."""
    platform = QGuiApplication.platformName()
    out = [doctor.Finding("qt", "ok", f"Qt platform plugin '{platform}' loaded")]
    if QSystemTrayIcon.isSystemTrayAvailable():
        out.append(doctor.Finding("tray", "ok", "system tray available: alerts show there"))
    else:
        out.append(
            doctor.Finding(
                "tray",
                "warning",
                "no system tray: alerts show in the window's badge and banner instead",
                "use a desktop with a status notifier (tray) to be alerted while minimised",
            )
        )
    return out


class DiagnosticsDialog(QDialog):
    """The findings, worst first, each with its fix."""

    def __init__(self, findings: list[doctor.Finding], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Diagnostics")
        self.resize(860, 420)
        order = {"problem": 0, "warning": 1, "ok": 2}
        self.findings = sorted(findings, key=lambda f: order[f.status])
        status = doctor.worst(findings)
        summary = {
            "ok": "Everything the console needs is here.",
            "warning": "The console runs; some things need attention.",
            "problem": "Something the console needs is missing or broken.",
        }[status]
        self.summary = QLabel(summary)
        self.summary.setProperty("role", "section")
        self.table = table_with_headers(QTableWidget(), ["", "Area", "Finding", "Fix"])
        self.table.setRowCount(len(self.findings))
        for row, f in enumerate(self.findings):
            name, colour = ICONS[f.status]
            mark = QTableWidgetItem(icon(name, colour), "")
            mark.setToolTip(f.status)
            self.table.setItem(row, 0, mark)
            for column, text in ((1, f.area), (2, f.message), (3, f.fix)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        copy = buttons.addButton("Copy report", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy_report)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    @classmethod
    def build(cls, root: Path | None, parent: QWidget | None = None) -> DiagnosticsDialog:
        return cls(doctor.run(root) + window_findings(), parent)

    def report_text(self) -> str:
        lines = [f"{f.status:<8} {f.area:<12} {f.message}" for f in self.findings]
        return "\n".join(lines)

    def copy_report(self) -> None:
        QApplication.clipboard().setText(self.report_text())
