"""Console accounts, sign-in auditing and lock-out, access review, access findings."""

from __future__ import annotations

import datetime as dt

import pytest

from console.core.base import audit, clock
from console.core.base.errors import BadInput, PermissionDenied
from console.core.base.workspace import Workspace
from console.core.security import accounts, monitoring, review

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "_PARAMS", {"n": 2**10, "r": 8, "p": 1})


@pytest.fixture
def with_accounts(workspace: Workspace) -> Workspace:
    workspace.set_role("alice", "bob", "operator")
    accounts.set_password(workspace, "alice", "alice", PASSWORD)
    accounts.set_password(workspace, "alice", "bob", "bob's long password")
    accounts.set_enabled(workspace, "alice", True)
    return workspace


def test_passwords_are_stored_as_scrypt_hashes(with_accounts: Workspace) -> None:
    row = with_accounts.conn.execute("SELECT * FROM accounts WHERE name = 'alice'").fetchone()
    assert PASSWORD not in " ".join(str(v) for v in row)
    assert row["hash"] == accounts.hash_password(PASSWORD, bytes.fromhex(row["salt"])).hex()
    assert audit.entries(with_accounts.conn, action="user.manage")[-1].details == {
        "password": "set"
    }


def test_sign_in_and_failed_sign_in_are_audited(with_accounts: Workspace) -> None:
    assert accounts.sign_in(with_accounts, "bob", "bob's long password") == "bob"
    with pytest.raises(accounts.SignInFailed, match="wrong password"):
        accounts.sign_in(with_accounts, "bob", "guess-guess-guess")
    with pytest.raises(accounts.SignInFailed, match="unknown account or wrong password"):
        accounts.sign_in(with_accounts, "nobody", PASSWORD)
    entries = audit.entries(with_accounts.conn, action=accounts.SIGN_IN)
    assert [(e.user, e.outcome) for e in entries] == [
        ("nobody", "denied"),
        ("bob", "denied"),
        ("bob", "ok"),
    ]
    assert all("guess" not in str(e.details) for e in entries)


def test_account_locks_after_repeated_failures(with_accounts: Workspace, monkeypatch) -> None:
    for _ in range(accounts.LOCK_AFTER):
        with pytest.raises(accounts.SignInFailed):
            accounts.sign_in(with_accounts, "bob", "not the password")
    with pytest.raises(accounts.SignInFailed, match="locked"):
        accounts.sign_in(with_accounts, "bob", "bob's long password")
    later = clock.now() + accounts.LOCK_WINDOW + dt.timedelta(seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert accounts.sign_in(with_accounts, "bob", "bob's long password") == "bob"


def test_accounts_off_means_the_os_user_acts(workspace: Workspace) -> None:
    assert not accounts.enabled(workspace)
    asked: list[str] = []
    assert accounts.cli_identity(workspace, "alice", asked.append) == "alice"  # type: ignore[arg-type]
    assert asked == []


def test_cli_identity_asks_for_the_password(with_accounts: Workspace) -> None:
    assert accounts.cli_identity(with_accounts, "bob", lambda _: "bob's long password") == "bob"
    with pytest.raises(accounts.SignInFailed):
        accounts.cli_identity(with_accounts, "bob", lambda _: "")
    assert audit.entries(with_accounts.conn, limit=1)[0].target == "cli"


def test_accounts_need_an_admin_with_a_password(workspace: Workspace) -> None:
    with pytest.raises(BadInput, match="at least one admin"):
        accounts.set_enabled(workspace, "alice", True)
    assert not accounts.enabled(workspace)
    assert audit.entries(workspace.conn, limit=1)[0].outcome == "refused"


def test_last_admin_password_cannot_be_removed(with_accounts: Workspace) -> None:
    with pytest.raises(BadInput, match="last admin"):
        accounts.remove_account(with_accounts, "alice", "alice")
    assert accounts.has_password(with_accounts, "alice")
    accounts.remove_account(with_accounts, "alice", "bob")
    assert not accounts.has_password(with_accounts, "bob")


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("bob", "short", "shorter than"),
        ("bob", " padded password ", "edge spaces"),
        ("bobbobbobbob", "BOBBOBBOBBOB", "not the account name"),
        ("stranger", "a fine long password", "no role"),
    ],
)
def test_bad_passwords_are_refused(
    workspace: Workspace, name: str, password: str, message: str
) -> None:
    workspace.set_role("alice", "bob", "viewer")
    workspace.set_role("alice", "bobbobbobbob", "viewer")
    with pytest.raises(BadInput, match=message):
        accounts.set_password(workspace, "alice", name, password)
    assert workspace.conn.execute("SELECT COUNT(*) FROM accounts").fetchone()[0] == 0


def test_only_admin_manages_accounts(with_accounts: Workspace) -> None:
    with pytest.raises(PermissionDenied):
        accounts.set_password(with_accounts, "bob", "bob", "a brand new password")
    with pytest.raises(PermissionDenied):
        accounts.set_enabled(with_accounts, "bob", False)
    assert accounts.enabled(with_accounts)


def test_findings_for_failed_sign_ins_and_denials(with_accounts: Workspace) -> None:
    start = clock.now() - dt.timedelta(minutes=1)
    assert monitoring.access_findings(with_accounts, start) == []
    for _ in range(3):
        with pytest.raises(accounts.SignInFailed):
            accounts.sign_in(with_accounts, "bob", "wrong wrong wrong")
    for _ in range(10):
        with pytest.raises(PermissionDenied):
            with_accounts.set_role("bob", "bob", "admin")
    findings = monitoring.access_findings(with_accounts, start)
    assert [(f["kind"], f["severity"], f["user"], f["count"]) for f in findings] == [
        ("permission_denials", "critical", "bob", 10),
        ("failed_sign_ins", "warning", "bob", 3),
    ]
    assert findings[0]["actions"] == ["user.set_role"]
    assert "10 permission denials within 10 minutes" in findings[0]["message"]
    assert monitoring.access_findings(with_accounts, clock.now() + dt.timedelta(1)) == []


def test_spread_out_failures_are_not_a_finding(with_accounts: Workspace, monkeypatch) -> None:
    start = clock.now()
    for i in range(4):
        moment = start + dt.timedelta(minutes=11 * i)
        monkeypatch.setattr(clock, "now", lambda m=moment: m)
        with pytest.raises(accounts.SignInFailed):
            accounts.sign_in(with_accounts, "bob", "wrong wrong wrong")
    assert monitoring.access_findings(with_accounts, start) == []


def test_access_review_lists_roles_and_last_actions(with_accounts: Workspace) -> None:
    accounts.sign_in(with_accounts, "bob", "bob's long password")
    with pytest.raises(PermissionDenied):
        with_accounts.set_role("mallory", "mallory", "admin")
    rows = {r.name: r for r in review.access_review(with_accounts, "alice")}
    assert [r.name for r in review.access_review(with_accounts, "alice")] == [
        "alice",
        "bob",
        "mallory",
    ]
    assert (rows["alice"].role, rows["alice"].has_password) == ("admin", True)
    assert rows["alice"].last_action == "user.manage"
    assert rows["bob"].last_action == accounts.SIGN_IN
    assert rows["bob"].last_sign_in_at is not None
    assert (rows["mallory"].in_users_table, rows["mallory"].role) == (False, "viewer")
    assert (rows["mallory"].last_action, rows["mallory"].denials_recent) == (None, 1)
    with pytest.raises(PermissionDenied):
        review.access_review(with_accounts, "bob")
