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


def test_withheld_windows_read_as_english() -> None:
    from console.gui.pages.performance import withheld_text

    text = withheld_text({"no_labels": 1, "too_few_labels": 2, "one_class": 0}, 50)
    assert text == (
        "Not plotted (figure withheld): 1 window without labels, 2 windows with too few "
        "labels (minimum 50 labels)."
    )


def test_the_audit_table_opens_at_the_newest_entry(qtbot: QtBot, window: MainWindow) -> None:
    for n in range(60):
        window.ws.set_role("alice", f"user{n}", "viewer")
    window.resize(900, 560)
    window.show_page("audit")
    page = window.page("audit")
    qtbot.waitUntil(lambda: page.selected_entry() is not None)
    newest = page.selected_entry()
    assert newest is not None
    assert newest.seq == max(e.seq for e in page.model._entries)
    assert page.table.verticalScrollBar().value() == 0


def test_the_data_table_opens_at_the_newest_batch(
    qtbot: QtBot, window: MainWindow, import_files
) -> None:
    from console.core.data import ingest

    ingest.ingest_file(window.ws, "alice", "predictions", import_files.more)
    window.show_page("data")
    page = window.data_page
    qtbot.waitUntil(lambda: page.selected_batch() is not None)
    assert page.selected_batch().id == 2
    assert page.table.verticalScrollBar().value() == 0
