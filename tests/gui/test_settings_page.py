"""The Settings page: keys with their meaning, validated edits as versions, history, revert."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from console.core.base import config_versions
from console.core.base.workspace import Workspace
from console.gui import workers
from console.gui.main_window import MainWindow
from console.gui.pages.settings import SettingsPage


@pytest.fixture
def page(qtbot: QtBot, window: MainWindow) -> Iterator[SettingsPage]:
    window.show_page("settings")
    found = window.page("settings")
    assert isinstance(found, SettingsPage)
    yield found
    qtbot.waitUntil(lambda: not workers.running_jobs(), timeout=60_000)


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(workers, "show_error", lambda _p, _t, exc: shown.append(str(exc)))
    return shown


def row_of(page: SettingsPage, key: str) -> int:
    return next(r for r in range(page.keys.rowCount()) if page.keys.item(r, 0).text() == key)


def test_every_key_shows_its_meaning(page: SettingsPage) -> None:
    row = row_of(page, "thresholds.f1_warning")
    assert page.keys.item(row, 1).text() == "0.75"
    assert page.keys.item(row, 2).text() == "warning when F1 falls below this"
    assert all(page.keys.item(r, 2).text() for r in range(page.keys.rowCount()))


def test_a_valid_edit_is_a_new_version_and_a_bad_one_is_refused(
    page: SettingsPage, ws: Workspace, errors: list[str]
) -> None:
    page.keys.selectRow(row_of(page, "thresholds.f1_warning"))
    assert page.chosen.text() == "thresholds.f1_warning"
    page.value.setText("0.8")
    page.reason.setText("warn earlier")
    assert page.apply_value()
    assert ws.config.thresholds.f1_warning == 0.8
    assert page.keys.item(row_of(page, "thresholds.f1_warning"), 1).text() == "0.8"
    assert page.history.rowCount() == 2
    assert "warn earlier" in page.version_label.text()
    page.keys.selectRow(row_of(page, "thresholds.f1_warning"))
    page.value.setText("0.5")
    page.reason.setText("typo")
    assert not page.apply_value()
    assert "f1_warning (0.5) must not be below f1_critical" in errors[0]
    assert config_versions.current(ws).version == 2


def test_history_diffs_and_a_revert_that_would_not_validate_is_refused(
    page: SettingsPage, ws: Workspace, errors: list[str], monkeypatch
) -> None:
    text = ws.config_path.read_text()
    config_versions.save(ws, "alice", text.replace("port = 8765", "port = 9000"), reason="clash")
    current = config_versions.current(ws)
    assert current is not None
    with ws.conn:  # a version an older console accepted: a key this one does not know
        ws.conn.execute(
            "INSERT INTO config_versions VALUES (3, ?, ?, 'alice',"
            " '2026-01-01T00:00:00.000+00:00', 'old', 'console')",
            (current.sha256, text.replace("[limits]", "[limits]\nspeed = 3")),
        )
    page.refresh()
    page.tabs.setCurrentIndex(1)
    page.history.setCurrentCell(1, 0)  # version 2
    assert "+port = 9000" in page.diff.toPlainText()
    monkeypatch.setattr(SettingsPage, "ask_reason", staticmethod(lambda *_a: "try old"))
    page.history.setCurrentCell(0, 0)  # version 3
    assert not page.revert_selected()
    assert "revert to version 3 refused: it would not validate" in errors[0]
    assert "limits.speed: unknown key" in errors[0]
    page.history.setCurrentCell(2, 0)  # version 1
    assert page.revert_selected(), errors
    assert ws.config.service.port == 8765
    assert page.history.rowCount() == 4


def test_a_viewer_sees_but_cannot_edit(qtbot: QtBot, ws: Workspace) -> None:
    ws.set_role("alice", "vera", "viewer")
    main = MainWindow(ws, "vera")
    qtbot.addWidget(main)
    main.show_page("settings")
    page = main.page("settings")
    assert isinstance(page, SettingsPage)
    assert not page.apply.isEnabled()
    assert not page.edit_action.isEnabled()
    assert "needs the admin role" in page.value.placeholderText()
    qtbot.waitUntil(lambda: not workers.running_jobs(), timeout=60_000)
