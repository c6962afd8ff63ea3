"""Workspace creation, opening, migrations, roles and concurrent use by two processes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from console.core.base import audit, db
from console.core.base.errors import BadInput, ConfigError, PermissionDenied, WorkspaceError
from console.core.base.roots import default_root
from console.core.base.workspace import CONFIG_FILE, DB_FILE, Workspace


def test_create_makes_config_db_folders_and_admin(workspace: Workspace) -> None:
    root = workspace.root
    assert (root / CONFIG_FILE).is_file()
    assert (root / DB_FILE).is_file()
    for name in ("artifacts", "datasets", "predictions", "labels", "backups", "logs"):
        assert (root / name).is_dir()
    mode = workspace.conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert workspace.conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    assert workspace.role_of("alice") == "admin"
    assert workspace.role_of("mallory") == "viewer"
    first = audit.entries(workspace.conn)[-1]
    assert (first.action, first.user, first.role) == ("workspace.init", "alice", "admin")


def test_create_refuses_existing_workspace_and_non_empty_folder(workspace: Workspace) -> None:
    with pytest.raises(WorkspaceError, match="already exists and is a workspace"):
        Workspace.create(workspace.root, "alice")
    other = workspace.root.parent / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(WorkspaceError, match="not empty"):
        Workspace.create(other, "alice")
    assert (other / "notes.txt").read_text() == "keep me"


def test_create_into_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with Workspace.create(tmp_path / "empty", "alice") as ws:
        assert ws.role_of("alice") == "admin"


def test_failed_populate_leaves_nothing(tmp_path: Path) -> None:
    def boom(ws: Workspace) -> None:
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        Workspace.create(tmp_path / "ws", "alice", populate=boom)
    assert list(tmp_path.iterdir()) == []


def test_bad_config_text_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        Workspace.create(tmp_path / "ws", "alice", config_text="config_version = 1\n")
    assert list(tmp_path.iterdir()) == []


def test_open_missing_and_broken(tmp_path: Path, workspace: Workspace) -> None:
    with pytest.raises(WorkspaceError, match="not a console workspace"):
        Workspace.open(tmp_path / "nowhere")
    path = workspace.root / CONFIG_FILE
    path.write_text(path.read_text().replace("[limits]", "[limits]\nspeed = 3"))
    with pytest.raises(ConfigError, match=r"console.toml:\d+: limits.speed: unknown key"):
        Workspace.open(workspace.root)


def test_newer_schema_version_is_refused_and_left_alone(workspace: Workspace) -> None:
    workspace.close()
    conn = sqlite3.connect(workspace.root / DB_FILE)
    conn.execute(f"PRAGMA user_version = {db.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(WorkspaceError, match="newer than this console supports"):
        Workspace.open(workspace.root)
    conn = sqlite3.connect(workspace.root / DB_FILE)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION + 1
    conn.close()


def test_corrupt_database_is_reported(workspace: Workspace) -> None:
    workspace.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{workspace.root / DB_FILE}{suffix}").unlink(missing_ok=True)
    (workspace.root / DB_FILE).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(WorkspaceError, match="not a usable workspace database"):
        Workspace.open(workspace.root)


def test_default_root_honours_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONSOLE_WORKSPACE", str(tmp_path / "site"))
    assert default_root() == tmp_path / "site"
    monkeypatch.delenv("CONSOLE_WORKSPACE")
    assert default_root().name == "workspace"
    assert "model-ops-console" in str(default_root())


def test_set_role_is_admin_only_and_audited(workspace: Workspace) -> None:
    workspace.set_role("alice", "bob", "operator")
    assert workspace.role_of("bob") == "operator"
    with pytest.raises(PermissionDenied) as err:
        workspace.set_role("bob", "bob", "admin")
    assert err.value.exit_code == 3
    assert workspace.role_of("bob") == "operator"
    with pytest.raises(BadInput, match="not one of"):
        workspace.set_role("alice", "bob", "superuser")
    entries = audit.entries(workspace.conn, action="user.set_role")
    assert [(e.user, e.outcome) for e in entries] == [("bob", "denied"), ("alice", "ok")]
    assert entries[1].details == {"before": None, "after": "operator"}


def test_last_admin_cannot_be_demoted(workspace: Workspace) -> None:
    with pytest.raises(BadInput, match="last admin"):
        workspace.set_role("alice", "alice", "viewer")
    assert workspace.role_of("alice") == "admin"
    refused = audit.entries(workspace.conn, action="user.set_role")[0]
    assert refused.outcome == "refused"


_WRITER = """
import sys
from pathlib import Path
from console.core.base.workspace import Workspace
ws = Workspace.open(Path(sys.argv[1]))
for i in range(int(sys.argv[3])):
    ws.set_role("alice", f"{sys.argv[2]}-{i}", "viewer")
"""


def test_two_processes_write_concurrently_without_corruption(
    shared_keyring: dict[str, str], workspace_root: Path
) -> None:
    workspace = Workspace.create(workspace_root, "alice")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(workspace.root), name, "40"], env=shared_keyring
        )
        for name in ("p1", "p2")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert len(workspace.users()) == 81
    report = audit.verify(workspace.conn)
    assert report.ok, report
    assert report.tamper_evident
    assert report.entries == 81
    assert workspace.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
