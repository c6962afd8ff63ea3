"""Create, list, verify and restore: the round trip, dedup, and what a snapshot holds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.core.backup import create, restore, snapshots, verify
from console.core.backup.repository import Repository
from console.core.base import events
from console.core.base.errors import BadInput, PermissionDenied
from console.core.base.workspace import Workspace
from console.core.monitoring import partners
from tests.core.backup.conftest import tree


def test_round_trip_restores_every_file_and_a_consistent_database(
    ws: Workspace, repo: Repository, tmp_path: Path
) -> None:
    seen: list[events.Event] = []
    events.subscribe("backup_verified", seen.append)
    summary = create.create_snapshot(ws, "alice", repo)
    assert summary["files"] >= 25
    assert set(summary["contents"]) == {"config", "models", "datasets", "logs", "docs", "audit"}
    assert [e.details["state"] for e in seen] == ["created"]
    result = snapshots.restore_into(ws, "alice", repo, summary["snapshot"][:8], tmp_path / "out")
    out = tmp_path / "out"
    original = tree(ws.root, skip=("console.db", "logs/", "backups/", "tls/console.key"))
    restored = tree(out, skip=("console.db",))
    assert restored == original
    assert result["files"] == len(original) + 1  # + the database
    conn = sqlite3.connect(out / "console.db")
    actions = [r[0] for r in conn.execute("SELECT action FROM audit ORDER BY seq")]
    assert actions[0] == "workspace.init"
    conn.close()
    assert not (out / "tls" / "console.key").exists()  # the key only when asked


def test_dedup_across_files_and_snapshots(ws: Workspace, repo: Repository) -> None:
    blob = (ws.folder("artifacts") / "model.skops").read_bytes()
    (ws.folder("artifacts") / "copy-of-model.skops").write_bytes(blob)
    first = create.create_snapshot(ws, "alice", repo)
    assert first["added_bytes"] < first["bytes"] - len(blob) * 0.9  # the copy costs nothing
    second = create.create_snapshot(ws, "alice", repo)
    assert second["added_bytes"] < 300_000  # only the database changed
    big = ws.folder("artifacts") / "model.skops"
    data = bytearray(big.read_bytes())
    data[1_500_000:1_500_100] = b"x" * 100  # a small edit in the middle of a large file
    big.write_bytes(bytes(data))
    third = create.create_snapshot(ws, "alice", repo)
    assert third["added_bytes"] < 1_500_000 + 300_000  # a few chunks, not the 3 MB file


def test_unchanged_files_are_not_read_again(
    ws: Workspace, repo: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    create.create_snapshot(ws, "alice", repo)
    read: list[str] = []
    original = create._chunks_of

    def spy(path: str, cfg: dict[str, int]) -> object:
        read.append(Path(path).name)
        return original(path, cfg)

    monkeypatch.setattr(create, "_chunks_of", spy)
    create.create_snapshot(ws, "alice", repo)
    assert sorted(read) == ["audit-checkpoints.json", "console.db"]


def test_logs_left_out_when_the_repository_says_so(ws: Workspace, repo: Repository) -> None:
    opts = create.CreateOptions(include_logs=False, include_tls_key=True)
    summary = create.create_snapshot(ws, "alice", repo, options=opts)
    assert "logs" not in summary["contents"]
    record = repo.read_snapshot(summary["snapshot"])
    names = {f["n"] for f in record["files"]}
    assert "tls/console.key" in names
    assert not any(n.startswith("predictions/") for n in names)


def test_verify_records_the_result_that_backup_age_reads(ws: Workspace, repo: Repository) -> None:
    summary = create.create_snapshot(ws, "alice", repo)
    assert partners.last_verified_backup(ws) is None  # made, not yet verified
    report = verify.verify_repository(ws, "alice", repo)
    assert report.ok
    assert report.snapshots == {summary["snapshot"]: "ok"}
    assert partners.last_verified_backup(ws) == summary["time"]
    quick = verify.verify_repository(ws, "alice", repo, quick=True)
    assert quick.ok
    assert quick.chunks_checked >= 1
    listed = snapshots.list_snapshots(ws, repo)["snapshots"]
    assert listed[0]["verify_result"] == "ok"
    assert listed[0]["verify_mode"] == "quick"
    rows = ws.conn.execute("SELECT action, outcome FROM audit WHERE action LIKE 'backup.%'")
    assert [tuple(r) for r in rows] == [
        ("backup.create", "ok"),
        ("backup.verify", "ok"),
        ("backup.verify", "ok"),
    ]


def test_run_backup_uses_the_keyring_passphrase_and_verifies(
    ws: Workspace, repo: Repository
) -> None:
    result = snapshots.run_backup(ws, "alice", str(repo.path))
    assert result["verified"] is True
    assert partners.last_verified_backup(ws) == result["time"]
    assert partners.last_backup_failure(ws) is None


def test_restore_only_some_parts(ws: Workspace, repo: Repository, tmp_path: Path) -> None:
    summary = create.create_snapshot(ws, "alice", repo)
    snapshots.restore_into(
        ws, "alice", repo, summary["snapshot"], tmp_path / "m", only=["models", "config"]
    )
    names = set(tree(tmp_path / "m"))
    assert names == {
        "artifacts/model.skops", "artifacts/golden.parquet", "console.toml", "tls/console.crt"
    }  # fmt: skip
    with pytest.raises(BadInput, match="--only nonsense"):
        restore.selected_files(repo.read_snapshot(summary["snapshot"]), ["nonsense"])


def test_roles(ws: Workspace, repo: Repository, tmp_path: Path) -> None:
    ws.set_role("alice", "olga", "operator")
    ws.set_role("alice", "vic", "viewer")
    summary = create.create_snapshot(ws, "olga", repo)  # operators back up and verify
    verify.verify_repository(ws, "olga", repo)
    with pytest.raises(PermissionDenied):
        snapshots.restore_into(ws, "olga", repo, summary["snapshot"], tmp_path / "x")
    with pytest.raises(PermissionDenied):
        create.create_snapshot(ws, "vic", repo)
    assert not (tmp_path / "x").exists()
    denied = ws.conn.execute(
        "SELECT user, action FROM audit WHERE outcome = 'denied' ORDER BY seq"
    ).fetchall()
    assert [tuple(r) for r in denied] == [("olga", "backup.restore"), ("vic", "backup.create")]


def test_restore_target_must_be_new_and_outside_the_workspace(
    ws: Workspace, repo: Repository, tmp_path: Path
) -> None:
    summary = create.create_snapshot(ws, "alice", repo)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "file").write_text("x")
    with pytest.raises(BadInput, match="not an empty folder"):
        snapshots.restore_into(ws, "alice", repo, summary["snapshot"], busy)
    with pytest.raises(BadInput, match="inside the live workspace"):
        snapshots.restore_into(ws, "alice", repo, summary["snapshot"], ws.root / "sub")
    with pytest.raises(BadInput, match="not in repository"):
        snapshots.restore_into(ws, "alice", repo, "abcdef12", tmp_path / "y")
    assert (busy / "file").read_text() == "x"


def test_a_shared_repository_counts_only_this_workspaces_snapshots(
    ws: Workspace, repo: Repository, tmp_path: Path
) -> None:
    other = Workspace.create(tmp_path / "other", "alice")
    try:
        create.create_snapshot(other, "alice", repo)
        verify.verify_repository(other, "alice", repo)
        assert partners.last_verified_backup(other) is not None
        listed = snapshots.list_snapshots(ws, repo)["snapshots"]
        assert len(listed) == 1  # listed: it is in the repository
        verify.verify_repository(ws, "alice", repo)
        assert partners.last_verified_backup(ws) is None  # but it is not this one's backup
    finally:
        other.close()
