"""The Overview and Audit pages say whether the log is anchored, tampered with (and what
changed), or not tamper-evident here; never "intact" without a keyring."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import keyring
import keyring.backends.fail
from pytestqt.qtbot import QtBot

from console.core.base.workspace import Workspace
from console.gui.main_window import MainWindow
from console.gui.pages.audit import AuditPage
from console.gui.pages.overview import OverviewPage


def open_window(qtbot: QtBot, ws: Workspace) -> MainWindow:
    window = MainWindow(ws, "alice")
    qtbot.addWidget(window)
    window.show()
    return window


def pages(qtbot: QtBot, window: MainWindow) -> tuple[OverviewPage, AuditPage]:
    overview, audit_page = window.page("overview"), window.page("audit")
    assert isinstance(overview, OverviewPage)
    assert isinstance(audit_page, AuditPage)
    overview.audit_note.setText("")
    overview.refresh()  # read in the background
    qtbot.waitUntil(lambda: overview.audit_note.text() != "", timeout=10_000)
    return overview, audit_page


def test_anchored_log(qtbot: QtBot, ws: Workspace) -> None:
    window = open_window(qtbot, ws)
    overview, audit_page = pages(qtbot, window)
    assert overview.audit_note.text().startswith("Audit log anchored: signed head at entry")
    assert audit_page.banner.text() == ""
    window.close()


def promote_bob_behind_the_consoles_back(ws: Workspace) -> Path:
    """bob made admin by a direct database edit; the workspace closed (its root)."""
    ws.set_role("alice", "bob", "viewer")
    conn = sqlite3.connect(ws.root / "console.db", isolation_level=None)
    conn.execute("UPDATE users SET role = 'admin' WHERE name = 'bob'")
    conn.close()
    ws.close()
    return ws.root


def test_tampered_state_says_what_changed(qtbot: QtBot, ws: Workspace) -> None:
    root = promote_bob_behind_the_consoles_back(ws)
    with Workspace.open(root) as again:
        window = open_window(qtbot, again)
        overview, audit_page = pages(qtbot, window)
        assert "tampered with" in overview.audit_note.text()
        assert "users.bob: viewer -> admin" in overview.audit_note.text()
        assert overview.audit_note.property("audit_state") == "danger"
        assert "users.bob: viewer -> admin" in audit_page.banner.text()
        window.grab().save(str(root.parent / "tampered.png"))
        window.close()


def test_without_a_keyring_not_tamper_evident(qtbot: QtBot, tmp_path: Path) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    with Workspace.create(tmp_path / "plain", "alice") as ws:
        window = open_window(qtbot, ws)
        overview, audit_page = pages(qtbot, window)
        assert "NOT tamper-evident" in overview.audit_note.text()
        assert "NOT tamper-evident" in audit_page.banner.text()
        assert "intact" not in audit_page.banner.text()
        window.close()


def test_tampering_found_after_the_first_paint_raises_the_access_alert(
    qtbot: QtBot, ws: Workspace
) -> None:
    from console.core.alerts import engine
    from console.gui import app as gui_app

    root = promote_bob_behind_the_consoles_back(ws)
    opened = gui_app.open_workspace(root, "alice")
    assert isinstance(opened, Workspace)
    with opened as again:
        assert again.integrity.ok  # not checked yet: the window paints first
        window = gui_app.show_window(again, "alice")
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: not again.integrity.ok, timeout=10_000)
        assert "users.bob: viewer -> admin" in again.integrity.described()
        access = [a for a in engine.open_alerts(again) if a.metric == "access"]
        assert access
        assert "critical" in {a.severity for a in access}
        window.close()
