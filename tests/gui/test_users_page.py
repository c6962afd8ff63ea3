"""Users and access: the review table, findings, roles, passwords, sign-in, credentials."""

from __future__ import annotations

import keyring
import keyring.backends.fail
import pytest
from pytestqt.qtbot import QtBot

from console.core.base import audit
from console.core.base.errors import PermissionDenied
from console.core.base.workspace import Workspace
from console.core.security import accounts, credentials
from console.gui import app, workers
from console.gui.dialogs.account import PasswordDialog, RoleDialog
from console.gui.dialogs.credentials import CredentialsDialog, SecretDialog
from console.gui.dialogs.sign_in import SignInDialog
from console.gui.main_window import MainWindow
from console.gui.pages.users import UsersPage

PASSWORD = "alice's long password"


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "_PARAMS", {"n": 2**10, "r": 8, "p": 1})


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(workers, "show_error", lambda _p, title, exc: shown.append(str(exc)))
    return shown


@pytest.fixture
def page(window: MainWindow) -> UsersPage:
    window.show_page("users")
    page = window.page("users")
    assert isinstance(page, UsersPage)
    return page


def cell(page: UsersPage, row: int, column: int) -> str:
    item = page.table.item(row, column)
    return item.text() if item else ""


def test_review_and_findings(page: UsersPage, ws: Workspace) -> None:
    ws.set_role("alice", "bob", "operator")
    for _ in range(5):
        with pytest.raises(PermissionDenied):
            ws.set_role("mallory", "mallory", "admin")
    page.refresh()
    names = [cell(page, r, 0) for r in range(page.table.rowCount())]
    assert names == ["alice", "bob", "mallory"]
    assert cell(page, 2, 1) == "(viewer)"
    assert cell(page, 2, 8) == "5"
    assert cell(page, 0, 6) != "–"  # alice acted (last action depends on other pages)
    assert "mallory: 5 permission denials" in page.findings.text()


def test_set_role_and_password_then_require_sign_in(
    page: UsersPage, ws: Workspace, monkeypatch, errors, qtbot: QtBot
) -> None:
    monkeypatch.setattr(RoleDialog, "ask", classmethod(lambda c, p, n, r: ("bob", "auditor")))
    with qtbot.waitSignal(page.changed):
        assert page.set_role()
    assert ws.role_of("bob") == "auditor"
    assert not page.toggle_accounts(True)  # no admin has a password yet
    assert "at least one admin" in errors[0]
    assert not accounts.enabled(ws)
    page.table.selectRow(0)
    monkeypatch.setattr(PasswordDialog, "ask", classmethod(lambda c, p, n: PASSWORD))
    assert page.set_password()
    assert accounts.has_password(ws, "alice")
    assert page.toggle_accounts(True)
    assert accounts.enabled(ws)
    page.refresh()
    assert page.accounts_action.isChecked()
    assert "sign-in required" in page.subtitle.text()
    # each change made the window evaluate the alerts in the background: let it end
    qtbot.waitUntil(lambda: not workers.running_jobs(), timeout=15_000)


def test_non_admin_cannot_manage(qtbot: QtBot, ws: Workspace) -> None:
    ws.set_role("alice", "olga", "operator")
    window = MainWindow(ws, "olga")
    qtbot.addWidget(window)
    page = window.page("users")
    assert isinstance(page, UsersPage)
    page.refresh()
    assert not page.role_action.isEnabled()
    assert "Needs the admin role" in page.role_action.toolTip()
    assert "need the auditor or admin role" in page.note.text()
    assert [cell(page, r, 0) for r in range(page.table.rowCount())] == ["alice", "olga"]
    window.close()


def test_password_dialog_validates(qtbot: QtBot) -> None:
    dialog = PasswordDialog("bob")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    dialog.password.setText("short")
    assert not ok.isEnabled()
    dialog.password.setText("a long password")
    dialog.repeat.setText("a long password")
    assert ok.isEnabled()


def test_sign_in_dialog(qtbot: QtBot, ws: Workspace) -> None:
    assert app.sign_in(ws, "alice") == "alice"  # accounts off: the OS user
    accounts.set_password(ws, "alice", "alice", PASSWORD)
    accounts.set_enabled(ws, "alice", True)
    dialog = SignInDialog(ws, "alice")
    qtbot.addWidget(dialog)
    dialog.password.setText("wrong password")
    assert not dialog.try_sign_in()
    assert "sign-in refused" in dialog.message.text()
    assert dialog.password.text() == ""
    dialog.password.setText(PASSWORD)
    assert dialog.try_sign_in()
    assert dialog.user == "alice"
    outcomes = [e.outcome for e in audit.entries(ws.conn, action=accounts.SIGN_IN)]
    assert outcomes == ["ok", "denied"]


def test_credentials_dialog_sets_and_generates(qtbot: QtBot, ws: Workspace, monkeypatch) -> None:
    dialog = CredentialsDialog(ws, "alice")
    qtbot.addWidget(dialog)
    monkeypatch.setattr(SecretDialog, "ask", classmethod(lambda c, p, n: "smtp password 1"))
    assert dialog.set_secret("smtp-password")
    assert credentials.get_secret(ws, "smtp-password") == "smtp password 1"
    assert dialog.set_buttons["smtp-password"].text() == "Rotate…"
    assert dialog.set_secret("service-token", generate=True)
    token = credentials.get_secret(ws, "service-token")
    assert token is not None
    assert token in dialog.notice.text()


def test_credentials_dialog_without_keyring(qtbot: QtBot, ws: Workspace) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    dialog = CredentialsDialog(ws, "alice")
    qtbot.addWidget(dialog)
    assert "gnome-keyring-daemon" in dialog.notice.text()
    assert not any(b.isEnabled() for b in dialog.set_buttons.values())
