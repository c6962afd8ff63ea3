"""Help → Diagnostics lists doctor's findings, worst first, with the tray line."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.core.diagnostics import doctor
from console.gui.dialogs.diagnostics import DiagnosticsDialog
from console.gui.main_window import MainWindow


def test_findings_are_listed_worst_first_with_their_fix(qtbot: QtBot) -> None:
    findings = [
        doctor.Finding("python", "ok", "Python 3.11"),
        doctor.Finding("qt", "problem", "missing libEGL", "apt-get install libegl1"),
        doctor.Finding("keyring", "warning", "no OS keyring", "install gnome-keyring"),
    ]
    dialog = DiagnosticsDialog(findings)
    qtbot.addWidget(dialog)
    areas = [dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())]
    assert areas == ["qt", "keyring", "python"]
    assert dialog.table.item(0, 3).text() == "apt-get install libegl1"
    assert "missing" in dialog.summary.text()
    dialog.copy_report()
    assert "missing libEGL" in QApplication.clipboard().text()


def test_help_menu_opens_diagnostics_with_the_tray_line(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[DiagnosticsDialog] = []
    monkeypatch.setattr(DiagnosticsDialog, "open", lambda self: opened.append(self))  # noqa: PLW0108
    window.diagnostics_action.trigger()
    [dialog] = opened
    areas = {dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())}
    assert {"python", "libraries", "keyring", "workspace", "tray"} <= areas
