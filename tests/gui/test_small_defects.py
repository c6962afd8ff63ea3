"""Small defects an operator met, each kept fixed by a test."""

from __future__ import annotations

from PySide6.QtGui import QPaintDevice
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from console.gui.app import APP_TITLE
from console.gui.dialogs.alert_silence import SilenceDialog
from console.gui.main_window import MainWindow


def test_the_silence_dialog_does_not_shadow_qwidget_metric(qtbot: QtBot) -> None:
    dialog = SilenceDialog(None)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.grab()  # painting calls QWidget.metric(); an attribute named metric broke it
    assert isinstance(dialog.metric(QPaintDevice.PaintDeviceMetric.PdmDepth), int)
    assert isinstance(dialog.metric_glob, QLineEdit)
    dialog.metric_glob.setText("f1")
    dialog.reason.setText("retraining")
    assert dialog.request().matcher == {"metric": "f1"}


def test_the_performance_page_does_not_shadow_qwidget_metric(
    qtbot: QtBot, window: MainWindow
) -> None:
    page = window.page("performance")
    window.show_page("performance")
    page.grab()
    assert isinstance(page.metric(QPaintDevice.PaintDeviceMetric.PdmDepth), int)


def test_the_window_title_names_the_application_once(window: MainWindow) -> None:
    # the window system appends the application's display name itself
    assert window.windowTitle() == window.ws.root.name
    assert APP_TITLE not in window.windowTitle()
