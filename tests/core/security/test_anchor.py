"""The signed audit head in the keyring: truncation at any depth and out-of-band
security changes are detected; without a keyring nothing claims to be intact."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from console import cli
from console.core.alerts import engine, integrity
from console.core.base import audit
from console.core.base.workspace import Workspace
from console.core.security import accounts, anchor, audit_export, policy

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "_PARAMS", {"n": 2**10, "r": 8, "p": 1})


@pytest.fixture
def busy(workspace: Workspace) -> Workspace:
    """45 entries: role changes, passwords, accounts on (checkpoints at 20 and 40)."""
    workspace.set_role("alice", "bob", "viewer")
    accounts.set_password(workspace, "alice", "alice", "alice-password-1")
    accounts.set_enabled(workspace, "alice", True)
    for i in range(41):
        workspace.set_role("alice", f"user{i}", "viewer")
    assert audit.verify(workspace.conn).entries == 45
    return workspace


def sql(ws: Workspace, *statements: str) -> None:
    """An edit made outside the console, straight into the database file."""
    conn = sqlite3.connect(ws.root / "console.db", isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.close()


def reopen(ws: Workspace) -> Workspace:
    ws.close()
    return Workspace.open(ws.root)


def test_an_intact_anchored_log_says_so(busy: Workspace) -> None:
    report = audit.verify(busy.conn)
    assert (report.ok, report.status, report.anchored_seq) == (True, "intact", 45)
    assert report.summary().startswith("Audit log intact: 45 entries, signed head at entry 45")
    assert busy.integrity.ok


@pytest.mark.parametrize("depth", [1, 2, 5, 6, 19, 25, 44])
@pytest.mark.parametrize("with_checkpoints", [False, True])
def test_truncation_at_any_depth_is_detected(
    busy: Workspace, depth: int, with_checkpoints: bool
) -> None:
    cut = 45 - depth + 1
    statements = [f"DELETE FROM audit WHERE seq >= {cut}"]
    if with_checkpoints:
        statements.append(f"DELETE FROM audit_checkpoints WHERE seq >= {cut}")
    sql(busy, *statements)
    again = reopen(busy)
    report = audit.verify(again.conn)
    assert not report.ok
    assert report.status == "broken"
    assert not again.integrity.ok  # at start too
    if with_checkpoints or depth < 6:  # else a checkpoint past the cut shows it first
        assert f"entries {cut}..45 were cut off" in report.reason
    again.close()


def test_truncation_is_exit_1_in_the_cli(
    busy: Workspace, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    sql(busy, "DELETE FROM audit WHERE seq >= 44", "DELETE FROM audit_checkpoints WHERE seq >= 44")
    busy.close()
    monkeypatch.setenv("CONSOLE_PASSWORD_FILE", str(_password_file(busy.root.parent)))
    assert cli.main(["-w", str(busy.root), "audit", "verify"]) == 1
    out, err = capsys.readouterr()
    assert "Audit log BROKEN at entry 45: the log ends at entry 44" in out  # + a sign-in
    assert "WARNING: audit log or security state tampered with" in err


def test_a_later_append_does_not_bless_a_truncation(busy: Workspace) -> None:
    sql(busy, "DELETE FROM audit WHERE seq >= 40", "DELETE FROM audit_checkpoints WHERE seq >= 40")
    again = reopen(busy)
    again.set_role("alice", "zoe", "viewer")  # a new entry 40 on the cut log
    assert not audit.verify(again.conn).ok
    again.close()


@pytest.mark.parametrize(
    ("statement", "change"),
    [
        ("UPDATE users SET role = 'admin' WHERE name = 'bob'", "users.bob: viewer -> admin"),
        (
            "UPDATE security_settings SET value = '0' WHERE key = 'accounts_enabled'",
            "settings.accounts_enabled: 1 -> 0",
        ),
        ("DELETE FROM accounts WHERE name = 'alice'", "accounts.alice: password "),
        (
            "INSERT INTO users VALUES ('mallory', 'admin', '2026-01-01', 'x')",
            "users.mallory: (absent) -> admin",
        ),
    ],
)
def test_out_of_band_security_edits_are_detected(
    busy: Workspace, statement: str, change: str
) -> None:
    sql(busy, statement)
    again = reopen(busy)
    assert not again.integrity.ok
    assert any(c.startswith(change) for c in again.integrity.changes)
    report = audit.verify(again.conn)
    assert not report.ok
    assert "security state changed outside the console" in report.reason
    again.close()


def test_default_role_edited_in_the_config_is_detected(busy: Workspace, capsys) -> None:
    path = busy.root / "console.toml"
    path.write_text(path.read_text().replace('default_role = "viewer"', 'default_role = "auditor"'))
    busy.close()
    argv = ["-w", str(busy.root), "audit", "verify", "--json"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONSOLE_PASSWORD_FILE", str(_password_file(busy.root.parent)))
        assert cli.main(argv) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["changes"] == ["access.default_role: viewer -> auditor"]


def _password_file(folder: Path) -> Path:
    path = folder / "pw"
    path.write_text("alice-password-1\n")
    path.chmod(0o600)
    return path


def test_a_later_append_does_not_bless_an_edit(busy: Workspace) -> None:
    sql(busy, "UPDATE users SET role = 'admin' WHERE name = 'bob'")
    again = reopen(busy)
    again.set_role("alice", "zoe", "viewer")
    again.set_role("alice", "user3", "operator")
    report = audit.verify(again.conn)
    assert report.changes == ["users.bob: viewer -> admin"]
    again.close()


def test_audited_changes_move_the_signed_state(busy: Workspace) -> None:
    busy.set_role("alice", "bob", "operator")
    accounts.set_password(busy, "alice", "bob", "bob-password-12")
    policy.set_require_encryption(busy, "alice", on=True)
    assert audit.verify(busy.conn).ok
    assert anchor.check(busy.conn).ok


def test_the_tampering_raises_a_critical_access_alert(busy: Workspace) -> None:
    sql(busy, "UPDATE users SET role = 'admin' WHERE name = 'bob'")
    again = reopen(busy)
    integrity.raise_if_tampered(again, "alice")
    firing = [a for a in engine.open_alerts(again) if a.metric == "access"]
    assert firing
    critical = [a for a in firing if a.severity == "critical"]
    assert critical
    assert "users.bob: viewer -> admin" in critical[0].explanation
    again.close()


def test_reanchor_accepts_the_state_and_is_audited(busy: Workspace) -> None:
    sql(busy, "UPDATE users SET role = 'admin' WHERE name = 'bob'")
    again = reopen(busy)
    with pytest.raises(Exception, match="say why"):
        anchor.reanchor(again, "alice", " ")
    found = anchor.reanchor(again, "alice", "bob promoted by the DBA during the outage")
    assert found.changes == ["users.bob: viewer -> admin"]
    assert audit.verify(again.conn).ok
    entry = audit.entries(again.conn, action="audit.reanchor")[0]
    assert entry.details["changes"] == ["users.bob: viewer -> admin"]
    again.close()


def test_exports_carry_the_signed_head(busy: Workspace, tmp_path: Path) -> None:
    audit_export.export_audit(busy, "alice", tmp_path / "log.json")
    document = json.loads((tmp_path / "log.json").read_text())
    head = document["checkpoints"]["signed_head"]
    assert head["seq"] == 45
    assert head["public_key"]
    assert len(head["signature"]) == 128


def test_without_a_keyring_nothing_says_intact(workspace_root: Path, capsys) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    ws = Workspace.create(workspace_root, "alice")
    ws.set_role("alice", "bob", "viewer")
    report = audit.verify(ws.conn)
    assert (report.ok, report.status, report.tamper_evident) == (True, "unprotected", False)
    ws.close()
    assert cli.main(["-w", str(workspace_root), "audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "intact" not in out
    assert "NOT tamper-evident against someone with write access" in out


def test_the_tamper_script_counts_every_case(tmp_path: Path) -> None:
    """A reduced run of benchmarks/audit_tamper.py (the full one: 102 entries, all depths)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "audit_tamper.py"), "--entries", "24",
         "--depths", "4", "--json"],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    modes = {m["keyring"]: m for m in json.loads(done.stdout)["modes"]}
    assert modes[True]["detected"] == modes[True]["cases"]
    assert modes[True]["missed"] == []
    assert modes[True]["verdict_intact_on_tampered"] == 0
    assert modes[False]["verdict_intact_on_tampered"] == 0
    assert modes[False]["detected"] < modes[False]["cases"]  # what a keyring is for


def test_the_daily_access_check_is_critical_while_tampered(busy: Workspace) -> None:
    from console.core.base import clock
    from console.core.monitoring.health_checks import access_check

    assert access_check(busy, clock.now()).status == "ok"
    sql(busy, "UPDATE security_settings SET value = '0' WHERE key = 'accounts_enabled'")
    check = access_check(busy, clock.now())
    assert check.status == "critical"
    assert "settings.accounts_enabled: 1 -> 0" in check.explanation


def test_noticing_a_config_edit_at_open_does_not_bless_it(busy: Workspace) -> None:
    """The configuration history records a hand edit of console.toml at open; that entry
    is no audited change by a console user, so the signed [access] stays as it was."""
    path = busy.root / "console.toml"
    path.write_text(path.read_text().replace('default_role = "viewer"', 'default_role = "auditor"'))
    again = reopen(busy)
    again.close()
    with Workspace.open(busy.root) as third:
        assert third.integrity.changes == ["access.default_role: viewer -> auditor"]


def test_a_copy_in_another_folder_is_anchored_on_its_own(busy: Workspace, tmp_path: Path) -> None:
    """A restored copy elsewhere is not compared with the original's newer head; the
    original still is."""
    import shutil

    busy.close()
    copy = tmp_path / "copy"
    shutil.copytree(busy.root, copy)
    sql(busy, "DELETE FROM audit WHERE seq >= 40", "DELETE FROM audit_checkpoints WHERE seq >= 40")
    conn = sqlite3.connect(copy / "console.db", isolation_level=None)
    conn.execute("DELETE FROM audit WHERE seq >= 41")  # the copy is an older state
    conn.close()
    with Workspace.open(copy) as restored:
        assert restored.integrity.ok
        assert audit.verify(restored.conn).status == "intact"
    with Workspace.open(busy.root) as original:
        assert not original.integrity.ok


def test_backup_snapshots_carry_the_signed_head(busy: Workspace, tmp_path: Path) -> None:
    from console.core.backup.create import copy_database

    copied = copy_database(busy, tmp_path / "copy.db")
    head = copied["checkpoints"]["signed_head"]
    assert head["seq"] == copied["audit_head"]["seq"] == 45
    assert len(head["signature"]) == 128
