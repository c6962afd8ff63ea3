"""``console audit …`` and ``console security …``: output, exit codes, sign-in."""

from __future__ import annotations

import io
import json
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from console import cli
from console.commands import sign_in
from console.core.base import audit
from console.core.base.workspace import Workspace
from console.core.security import accounts, credentials


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "_PARAMS", {"n": 2**10, "r": 8, "p": 1})
    monkeypatch.setattr(sign_in, "_signed_in", {})


def run(ws: Workspace, *args: str) -> int:
    return cli.main(["-w", str(ws.root), *args])


def out_json(capsys: pytest.CaptureFixture[str]) -> dict:
    return json.loads(capsys.readouterr().out)


def test_verify_names_the_first_bad_entry(workspace: Workspace, capsys) -> None:
    workspace.set_role("alice", "bob", "viewer")
    assert run(workspace, "audit", "verify", "--json") == 0
    assert out_json(capsys)["ok"] is True
    workspace.conn.execute("UPDATE audit SET target = 'carol' WHERE seq = 2")
    assert run(workspace, "audit", "verify") == 1
    assert "BROKEN at entry 2: content does not match its hash" in capsys.readouterr().out


def test_list_filters(workspace: Workspace, capsys) -> None:
    workspace.set_role("alice", "bob", "viewer")
    workspace.set_role("alice", "carol", "viewer")
    assert run(workspace, "audit", "list", "--search", "carol", "--json") == 0
    assert [e["target"] for e in out_json(capsys)["entries"]] == ["carol"]


def test_encrypted_export_round_trip(workspace: Workspace, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "auditor passphrase")
    target = tmp_path / "audit.enc"
    assert run(workspace, "audit", "export", str(target), "--encrypt", "--json") == 0
    assert out_json(capsys)["encrypted"] is True
    assert b"workspace.init" not in target.read_bytes()
    plain = tmp_path / "audit.json"
    assert run(workspace, "security", "decrypt", str(target), str(plain), "--passphrase") == 0
    document = json.loads(plain.read_text())
    assert document["entries"][0]["action"] == "workspace.init"
    assert document["verify"]["ok"] is True
    assert audit.entries(workspace.conn, limit=1)[0].details["encrypted"] is True


def test_export_bad_input_and_denial(workspace: Workspace, tmp_path, monkeypatch, capsys) -> None:
    assert run(workspace, "audit", "export", str(tmp_path / "no" / "such" / "a.json")) == 2
    assert "folder does not exist" in capsys.readouterr().err
    workspace.set_role("alice", "olga", "operator")
    monkeypatch.setenv("CONSOLE_USER", "olga")
    assert run(workspace, "audit", "export", str(tmp_path / "a.json")) == 3
    assert not (tmp_path / "a.json").exists()


def test_credentials_set_from_stdin(workspace: Workspace, monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-service-token-value\n"))
    assert run(workspace, "security", "credentials", "set", "service-token") == 0
    assert credentials.get_secret(workspace, "service-token") == "a-service-token-value"
    assert "a-service-token-value" not in capsys.readouterr().out
    assert run(workspace, "security", "credentials", "list", "--json") == 0
    listed = {c["name"]: c for c in out_json(capsys)["credentials"]}
    assert listed["service-token"]["set_by"] == "alice"


def test_no_keyring_exit_2_with_the_way_out(workspace: Workspace, capsys) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    assert run(workspace, "security", "credentials", "set", "service-token", "--generate") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "gnome-keyring-daemon" in err


def test_findings_exit_1(workspace: Workspace, monkeypatch, capsys) -> None:
    assert run(workspace, "security", "findings") == 0
    monkeypatch.setenv("CONSOLE_USER", "mallory")
    for _ in range(5):
        assert run(workspace, "users", "set-role", "mallory", "admin") == 3
    monkeypatch.setenv("CONSOLE_USER", "alice")
    capsys.readouterr()
    assert run(workspace, "security", "findings", "--json") == 1
    assert out_json(capsys)["findings"][0]["user"] == "mallory"


def test_sign_in_with_a_password_file(
    workspace: Workspace, tmp_path: Path, monkeypatch, capsys
) -> None:
    accounts.set_password(workspace, "alice", "alice", "alice's long password")
    accounts.set_enabled(workspace, "alice", True)
    secret = tmp_path / "pw"
    secret.write_text("alice's long password\n")
    secret.chmod(0o644)
    monkeypatch.setenv(sign_in.PASSWORD_FILE_ENV, str(secret))
    assert run(workspace, "security", "review") == 2
    assert "readable by its owner only" in capsys.readouterr().err
    secret.chmod(0o600)
    assert run(workspace, "security", "review", "--json") == 0
    people = out_json(capsys)["people"]
    assert people[0]["name"] == "alice"
    assert people[0]["last_action"] == accounts.SIGN_IN
    sign_in._signed_in.clear()
    secret.write_text("wrong password!!\n")
    assert run(workspace, "audit", "list") == 3
    assert "sign-in refused for alice" in capsys.readouterr().err
