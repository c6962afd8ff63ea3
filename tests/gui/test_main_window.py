"""The main window: pages, menus, roles, saved window state, the PySide6 pin."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QPoint, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QToolButton, QWidget
from pytestqt.qtbot import QtBot

from console import __version__
from console.core.base.errors import PermissionDenied
from console.core.base.workspace import Workspace
from console.gui import workers
from console.gui.dialogs.import_file import ImportFileDialog
from console.gui.main_window import MainWindow
from console.gui.pages import page_classes

if TYPE_CHECKING:
    from conftest import ImportFiles


def test_shows_every_discovered_page_in_order(window: MainWindow) -> None:
    classes = page_classes()
    titles = [window.navigation.item(i).text() for i in range(window.navigation.count())]
    assert titles == [cls.title for cls in classes]
    assert [type(page) for page in window.pages()] == classes
    assert window.pages()[0] is window.overview_page
    assert window.data_page in window.pages()
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    entries = [(a.text(), a.shortcut().toString()) for a in view_menu.actions() if a.text()]
    expected = [
        (cls.title, f"Ctrl+{n}" if n <= 9 else "") for n, cls in enumerate(classes, start=1)
    ]
    assert entries == [*expected, ("Refresh", "F5")]


def test_navigation_switches_the_page(window: MainWindow) -> None:
    window.navigation.setCurrentRow(window.pages().index(window.data_page))
    assert window.current_page() is window.data_page
    window.page_actions.actions()[0].trigger()
    assert window.current_page() is window.overview_page
    assert window.navigation.currentRow() == 0


def test_overview_shows_the_workspace_figures(
    qtbot: QtBot, window: MainWindow, import_files: ImportFiles
) -> None:
    from tests.gui.conftest import settle

    settle(qtbot, window)  # the Overview reads in the background
    page = window.overview_page
    assert page.predictions_tile.value.text() == f"{import_files.initial_rows:,}"
    assert page.labels_tile.value.text() == "0"
    assert page.model_tile.value.text() == "none"
    assert page.last_ingest_tile.value.text() == "ok"
    assert page.span_tile.value.text() == "1 day"
    assert sum(page.chart.bar_heights("predictions")) == import_files.initial_rows
    assert not page.empty_note.isVisibleTo(page)


def test_status_bar_and_about_name_workspace_user_and_role(window: MainWindow) -> None:
    assert str(window.ws.root) in window.workspace_label.text()
    assert window.user_label.text() == "User: alice (admin)"
    about = window.about_text()
    assert __version__ in about
    assert str(window.ws.root) in about


def test_viewer_sees_import_actions_disabled(
    qtbot: QtBot, ws: Workspace, monkeypatch: pytest.MonkeyPatch, import_files: ImportFiles
) -> None:
    viewer = MainWindow(ws, "bob")  # an OS user not in the users table: default role viewer
    qtbot.addWidget(viewer)
    for action in (viewer.import_predictions_action, viewer.import_labels_action):
        assert not action.isEnabled()
        assert "viewer" in action.toolTip()
    buttons = viewer.data_page.findChildren(QToolButton)
    imports = [b for b in buttons if b.text().startswith("Import")]
    assert len(imports) == 2
    assert not any(b.isEnabled() for b in imports)
    # the core refuses too, and the refusal reaches the user through show_error
    shown: list[BaseException] = []
    monkeypatch.setattr(workers, "show_error", lambda _p, _t, exc: shown.append(exc))
    monkeypatch.setattr(ImportFileDialog, "ask", classmethod(lambda cls, p, k: import_files.more))
    viewer.data_page.start_import("predictions")
    qtbot.waitUntil(lambda: bool(shown), timeout=3000)
    assert isinstance(shown[0], PermissionDenied)
    text, _info, _details = workers.describe_error(shown[0])
    assert "viewer" in text
    viewer.close()


def test_geometry_and_last_page_are_restored(qtbot: QtBot, ws: Workspace) -> None:
    first = MainWindow(ws, "alice")
    qtbot.addWidget(first)
    first.show()
    first.resize(770, 540)
    first.move(20, 40)
    first.show_page("data")
    first.close()

    second = MainWindow(ws, "alice")
    qtbot.addWidget(second)
    assert second.size() == QSize(770, 540)
    # the position comes back up to the window frame's margins (unknown before show)
    assert (second.pos() - QPoint(20, 40)).manhattanLength() <= 8
    assert second.current_page() is second.data_page
    second.close()


def test_default_geometry_when_nothing_saved_or_off_screen(qtbot: QtBot, ws: Workspace) -> None:
    area = QGuiApplication.primaryScreen().availableGeometry()
    fresh = MainWindow(ws, "alice")
    qtbot.addWidget(fresh)
    assert area.contains(fresh.frameGeometry())
    assert fresh.current_page() is fresh.overview_page
    fresh.show()
    fresh.move(area.right() + 3000, area.bottom() + 3000)
    fresh.close()

    again = MainWindow(ws, "alice")
    qtbot.addWidget(again)
    visible = area.intersected(again.frameGeometry())
    assert visible.width() >= 200
    assert visible.height() >= 100
    again.close()


def test_widget_update_keeps_none_refcount(qtbot: QtBot) -> None:
    """PySide6 6.12.0 drops a reference to None on every void call (pinned <6.12)."""
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(1000):
        widget.update()
    assert sys.getrefcount(None) > before - 100


def test_the_window_paints_before_its_first_page_is_built(qtbot: QtBot, ws: Workspace) -> None:
    """The page shown first is built right after the window's first paint: the operator
    sees the window (with a "Loading …" stand-in) before the page's modules load."""
    from console.gui.widgets.stand_in import StandIn

    main = MainWindow(ws, "alice")
    qtbot.addWidget(main)
    assert main.built_pages() == []
    stand_in = main.stack.currentWidget()
    assert isinstance(stand_in, StandIn)
    assert stand_in.text().startswith("Loading ")
    with qtbot.waitSignal(stand_in.first_paint, timeout=5000):
        main.show()
    qtbot.waitUntil(lambda: len(main.built_pages()) == 1, timeout=5000)
    assert main.stack.currentWidget() is main.built_pages()[0]
    main.close()


def test_a_window_never_shown_builds_a_page_only_when_asked(qtbot: QtBot, ws: Workspace) -> None:
    main = MainWindow(ws, "alice")
    qtbot.addWidget(main)
    qtbot.wait(50)
    assert main.built_pages() == []
    page = main.current_page()
    assert main.built_pages() == [page]
    main.close()
