"""The Audit page: filter, search, verify (naming the bad entry), export; roles."""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from pytestqt.qtbot import QtBot

from console.core.base import audit
from console.core.base.workspace import Workspace
from console.core.security import crypto
from console.gui import workers
from console.gui.dialogs.audit_export import AuditExportDialog, ExportChoice
from console.gui.main_window import MainWindow
from console.gui.pages.audit import AuditPage
from tests.gui.conftest import settle


@pytest.fixture
def page(window: MainWindow, ws: Workspace) -> AuditPage:
    for name in ("bob", "carol"):
        ws.set_role("alice", name, "operator")
    window.show_page("audit")
    page = window.page("audit")
    assert isinstance(page, AuditPage)
    page.refresh()
    return page


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(workers, "show_error", lambda _p, title, exc: shown.append(str(exc)))
    return shown


def test_lists_filters_and_searches(qtbot: QtBot, page: AuditPage) -> None:
    total = len(audit.entries(page.ws.conn))  # init, ingest, two roles (and other pages')
    assert page.model.rowCount() == total
    assert [e.target for e in audit.entries(page.ws.conn, action="user")] == ["carol", "bob"]
    page.search.setText("BOB")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert page.model.entry(0).target == "bob"
    page.search.clear()
    page.action_box.setCurrentIndex(page.action_box.findData("ingest"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert page.model.entry(0).action == "ingest"
    assert f"1 of {total}" in page.count_label.text()


def _verified(qtbot: QtBot, page: AuditPage) -> audit.ChainReport:
    job = page.verify()
    assert job is not None
    with qtbot.waitSignal(job.ended, timeout=10_000):
        pass
    assert page.last_report is not None
    return page.last_report


def test_verify_intact_and_broken(qtbot: QtBot, page: AuditPage, ws: Workspace) -> None:
    report = _verified(qtbot, page)
    assert report.ok
    assert "intact" in page.banner.text()
    ws.conn.execute("UPDATE audit SET target = 'mallory' WHERE seq = 3")
    page.action_box.setCurrentIndex(page.action_box.findData("ingest"))  # hides entry 3
    report = _verified(qtbot, page)
    assert (report.ok, report.first_bad) == (False, 3)
    assert "BROKEN at entry 3" in page.banner.text()
    assert page.selected_entry() is not None
    assert page.selected_entry().seq == 3  # type: ignore[union-attr]


def test_export_encrypted(
    page: AuditPage, ws: Workspace, tmp_path: Path, monkeypatch, qtbot: QtBot
) -> None:
    target = tmp_path / "audit.json.enc"
    monkeypatch.setattr(
        AuditExportDialog, "ask", classmethod(lambda cls, p: ExportChoice(target, "json", "p" * 12))
    )
    with qtbot.waitSignal(page.changed):
        result = page.export()
    assert result is not None
    assert result.encrypted
    assert crypto.is_encrypted(target)
    assert b"alice" in crypto.decrypt_bytes(None, target.read_bytes(), passphrase="p" * 12)
    [entry] = audit.entries(ws.conn, action="audit.export")
    assert entry.details["encrypted"] is True
    assert f"Exported {result.entries} entries" in page.banner.text()


def test_export_refused_shows_why(page: AuditPage, tmp_path: Path, monkeypatch, errors) -> None:
    target = tmp_path / "missing" / "audit.csv"
    monkeypatch.setattr(
        AuditExportDialog, "ask", classmethod(lambda cls, p: ExportChoice(target, "csv", None))
    )
    assert page.export() is None
    assert "folder does not exist" in errors[0]
    assert not target.parent.exists()


def test_export_dialog_checks_the_passphrase(qtbot: QtBot) -> None:
    dialog = AuditExportDialog()
    qtbot.addWidget(dialog)
    save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    assert not save.isEnabled()
    dialog.passphrase.setText("long enough phrase")
    dialog.repeat.setText("long enough phrasX")
    assert (save.isEnabled(), dialog.problems()) == (False, "The two passphrases differ.")
    dialog.repeat.setText("long enough phrase")
    assert save.isEnabled()
    dialog.encrypt.setChecked(False)
    assert dialog.choice().passphrase is None


def test_viewer_is_told_and_nothing_is_audited(qtbot: QtBot, ws: Workspace) -> None:
    ws.set_role("alice", "vera", "viewer")
    before = len(audit.entries(ws.conn))
    window = MainWindow(ws, "vera")
    qtbot.addWidget(window)
    page = window.page("audit")
    assert isinstance(page, AuditPage)
    page.refresh()
    assert page.model.rowCount() == 0
    assert "needs the auditor or admin role" in page.banner.text()
    assert not page.verify_action.isEnabled()
    assert not page.export_action.isEnabled()
    assert len(audit.entries(ws.conn)) == before
    window.close()


def test_without_a_keyring_verify_says_what_it_could_not_prove(
    qtbot: QtBot, tmp_path: Path
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())  # a headless box: no keyring
    unprotected = Workspace.create(tmp_path / "plain", "alice")
    for n in range(25):  # past the first checkpoint (every 20 entries), written unsigned
        unprotected.set_role("alice", f"user{n}", "viewer")
    window = MainWindow(unprotected, "alice")
    qtbot.addWidget(window)
    window.show()
    try:
        audit_page = window.page("audit")
        assert isinstance(audit_page, AuditPage)
        window.show_page("audit")
        report = _verified(qtbot, audit_page)
        assert report.ok
        text = audit_page.banner.text()
        assert text.startswith("Audit log NOT tamper-evident")
        assert "intact" not in text
        assert "0 of 1 checkpoint(s) signed" in text
        assert "unsigned, so removing the newest entries would not show" in text
        assert "no usable keyring" in text
        assert "#e3f2e8" not in audit_page.banner.styleSheet()  # not the green of all-well
        # the Overview says so too, not only the log
        window.show_page("overview")
        settle(qtbot, window)
        tile = window.overview_page.status.protection
        assert tile.state == "warning"
        assert "no usable keyring" in tile.toolTip()
    finally:
        window.close()
        unprotected.close()
