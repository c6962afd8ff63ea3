"""Importing files from the window: success, refusal, Cancel, and closing mid-import."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PySide6.QtCore import QModelIndex, Qt, QThreadPool
from pytestqt.qtbot import QtBot

from console.core.base.errors import BadInput
from console.core.base.jobs import JobContext
from console.core.data import ingest, store
from console.gui import workers
from console.gui.dialogs.import_file import ImportFileDialog
from console.gui.main_window import MainWindow
from console.gui.settings import app_settings

if TYPE_CHECKING:
    from conftest import ImportFiles

Shown = list[tuple[str, BaseException]]


def choose_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(ImportFileDialog, "ask", classmethod(lambda cls, parent, kind: path))


def record_errors(monkeypatch: pytest.MonkeyPatch) -> Shown:
    shown: Shown = []
    monkeypatch.setattr(workers, "show_error", lambda _p, title, exc: shown.append((title, exc)))
    return shown


def slow_ingest(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Make ingest wait (up to 5 s) for Cancel before doing the real work."""
    started = threading.Event()
    real = ingest.ingest_file

    def slow(ws: Any, user: str, kind: str, path: Path, ctx: JobContext) -> Any:
        started.set()
        deadline = time.monotonic() + 5
        while not ctx.cancelled and time.monotonic() < deadline:
            time.sleep(0.005)
        return real(ws, user, kind, path, ctx)

    monkeypatch.setattr(ingest, "ingest_file", slow)
    return started


def file_menu_action(window: MainWindow, text: str) -> Any:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    return next(a for a in menu.actions() if a.text() == text)


def predictions_shown(window: MainWindow) -> str:
    return window.overview_page.predictions_tile.value.text()


def test_import_predictions_from_the_file_menu(
    qtbot: QtBot, window: MainWindow, import_files: ImportFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    choose_file(monkeypatch, import_files.more)
    errors = record_errors(monkeypatch)
    action = file_menu_action(window, "Import predictions…")
    assert action.shortcut().toString() == "Ctrl+I"
    action.trigger()
    total = import_files.initial_rows + import_files.more_rows
    qtbot.waitUntil(lambda: predictions_shown(window) == f"{total:,}", timeout=3000)
    assert not errors
    assert f"Imported {import_files.more_rows:,} predictions rows" in (
        window.statusBar().currentMessage()
    )
    assert sum(window.overview_page.chart.bar_heights("predictions")) == total
    page = window.data_page
    assert page.model.rowCount() == 2
    assert page.selected_batch().source.endswith("more.csv")


def test_bad_file_reaches_show_error_and_changes_nothing(
    qtbot: QtBot, window: MainWindow, import_files: ImportFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    choose_file(monkeypatch, import_files.bad_amount)
    errors = record_errors(monkeypatch)
    window.import_predictions_action.trigger()
    qtbot.waitUntil(lambda: bool(errors), timeout=3000)
    assert len(errors) == 1
    title, exc = errors[0]
    assert title == "Importing predictions"
    assert isinstance(exc, BadInput)
    assert f"line {import_files.bad_line}, column 'amount'" in str(exc)
    assert "abc" in str(exc)
    # the Overview reads in the background once built (after the window's first paint)
    qtbot.waitUntil(lambda: predictions_shown(window) == f"{import_files.initial_rows:,}")
    assert store.summary(window.ws.conn).predictions == import_files.initial_rows
    tile = window.overview_page.last_ingest_tile
    window.show_page("overview")
    qtbot.waitUntil(lambda: (tile.value.text(), tile.state) == ("refused", "warning"))
    page = window.data_page
    assert "refused" in page.detail.heading.text()
    assert f"line {import_files.bad_line}" in page.detail.message.text()
    newest = page.proxy.index(0, 0, QModelIndex())
    assert page.proxy.data(newest, Qt.ItemDataRole.BackgroundRole) is not None  # tinted
    assert "refused" in window.statusBar().currentMessage()


def test_cancel_during_import_leaves_counts_unchanged(
    qtbot: QtBot, window: MainWindow, import_files: ImportFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = slow_ingest(monkeypatch)
    choose_file(monkeypatch, import_files.more)
    errors = record_errors(monkeypatch)
    window.import_predictions_action.trigger()
    job = window.data_page.import_job
    assert job is not None
    assert job.dialog is not None
    assert started.wait(3)
    job.dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not workers.running_jobs(), timeout=3000)
    assert job.outcome == "cancelled"
    assert not errors
    qtbot.waitUntil(lambda: predictions_shown(window) == f"{import_files.initial_rows:,}")
    assert store.summary(window.ws.conn).predictions == import_files.initial_rows
    assert ingest.batches(window.ws, 1)[0].outcome == "cancelled"
    assert "cancelled" in window.statusBar().currentMessage()


def test_closing_the_window_cancels_a_running_import(
    qtbot: QtBot, window: MainWindow, import_files: ImportFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = slow_ingest(monkeypatch)
    choose_file(monkeypatch, import_files.more)
    errors = record_errors(monkeypatch)
    window.import_predictions_action.trigger()
    job = window.data_page.import_job
    assert job is not None
    assert started.wait(3)
    began = time.monotonic()
    window.close()
    assert time.monotonic() - began < 2
    assert QThreadPool.globalInstance().activeThreadCount() == 0
    qtbot.waitUntil(lambda: not workers.running_jobs(), timeout=3000)
    assert job.outcome == "cancelled"
    assert not errors
    assert store.summary(window.ws.conn).predictions == import_files.initial_rows
    assert app_settings().contains("main_window/geometry")
