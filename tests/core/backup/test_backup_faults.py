"""Damage and bad input: named, refused, nothing stored changed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from console.core.backup import create, restore, snapshots, verify
from console.core.backup.repository import Repository, RepositoryError
from console.core.base import db
from console.core.base.errors import BadInput, ConsoleError
from console.core.base.workspace import Workspace
from console.core.monitoring import health_checks, partners
from console.core.security.credentials import KeyringUnavailable
from tests.core.backup.conftest import PASSPHRASE


def flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def only_file(folder: Path) -> Path:
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert len(files) == 1
    return files[0]


def test_flipped_byte_in_a_chunk_is_named_and_restore_refuses(
    ws: Workspace, repo: Repository, tmp_path: Path
) -> None:
    summary = create.create_snapshot(ws, "alice", repo)
    record = repo.read_snapshot(summary["snapshot"])
    model = next(f for f in record["files"] if f["n"] == "artifacts/model.skops")
    loc = repo.index()[model["k"][1]]
    flip(repo.pack_path(loc.pack), loc.offset + 40)
    report = verify.verify_repository(ws, "alice", repo)
    assert not report.ok
    assert any(model["k"][1][:12] in p and "authentication" in p for p in report.problems)
    assert report.damaged_files[summary["snapshot"]] == ["artifacts/model.skops"]
    assert partners.last_verified_backup(ws) is None  # a failed snapshot never counts
    failed = health_checks._backup_failed(ws)
    assert failed.status == "critical"
    assert summary["snapshot"][:8] in failed.explanation
    with pytest.raises(restore.RestoreRefused, match=r"artifacts/model\.skops") as info:
        snapshots.restore_into(ws, "alice", repo, summary["snapshot"], tmp_path / "out")
    assert info.value.files == ["artifacts/model.skops"]
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.restoring")]
    refused = ws.conn.execute(
        "SELECT outcome FROM audit WHERE action = 'backup.restore'"
    ).fetchall()
    assert [r[0] for r in refused] == ["refused"]


def test_flipped_byte_in_the_index_is_named(ws: Workspace, repo: Repository) -> None:
    create.create_snapshot(ws, "alice", repo)
    index = only_file(repo.path / "index")
    flip(index, 50)
    report, _ = verify.check(repo)
    assert any(p.startswith(f"index file {index.name[:12]}: damaged") for p in report.problems)
    assert not report.ok


def test_flipped_byte_in_a_snapshot_record_is_named(ws: Workspace, repo: Repository) -> None:
    summary = create.create_snapshot(ws, "alice", repo)
    verify.verify_repository(ws, "alice", repo)
    record = repo.path / "snapshots" / summary["snapshot"]
    flip(record, 30)
    report = verify.verify_repository(ws, "alice", repo)
    assert report.problems == [f"snapshot {summary['snapshot'][:12]}: damaged "
                               "(content does not match its name)"]  # fmt: skip
    assert partners.last_verified_backup(ws) is None
    assert health_checks._backup_failed(ws).status == "critical"


def test_missing_pack_found_by_quick_verify(ws: Workspace, repo: Repository) -> None:
    create.create_snapshot(ws, "alice", repo)
    packs = repo.pack_names()
    repo.pack_path(packs[0]).unlink()
    report, _ = verify.check(repo, quick=True)
    assert not report.ok
    assert any("is missing" in p for p in report.problems)


def test_wrong_passphrase(repo: Repository) -> None:
    with pytest.raises(RepositoryError, match="wrong passphrase"):
        Repository.open(repo.path, "not the passphrase at all")


def test_no_keyring_is_one_clear_error_and_a_recorded_failure(
    ws: Workspace, repo: Repository
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    with pytest.raises(KeyringUnavailable, match="no usable OS keyring"):
        snapshots.run_backup(ws, "alice", str(repo.path))
    assert repo.names("snapshots") == []
    assert partners.last_backup_failure(ws) is not None


def test_missing_drive_and_not_a_repository(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not reachable"):
        snapshots.run_backup(ws, "alice", str(tmp_path / "unplugged" / "repo"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(BadInput, match="not a backup repository"):
        snapshots.run_backup(ws, "alice", str(tmp_path / "empty"))
    failure = partners.last_backup_failure(ws)
    assert failure is not None
    assert "not a backup repository" in failure["message"]
    assert health_checks._backup_failed(ws).status == "critical"


def test_a_later_success_clears_the_failure(
    ws: Workspace, repo: Repository, tmp_path: Path
) -> None:
    with pytest.raises(BadInput):
        snapshots.run_backup(ws, "alice", str(tmp_path / "unplugged"))
    assert health_checks._backup_failed(ws).status == "critical"
    snapshots.run_backup(ws, "alice", str(repo.path))
    assert health_checks._backup_failed(ws).status == "ok"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_read_only_target(ws: Workspace, repo: Repository) -> None:
    for folder in (repo.path / "data", repo.path / "locks"):
        folder.chmod(0o555)
    try:
        with pytest.raises(BadInput, match="cannot write"):
            create.create_snapshot(ws, "alice", repo)
    finally:
        for folder in (repo.path / "data", repo.path / "locks"):
            folder.chmod(0o755)
    assert repo.names("snapshots") == []


def test_full_or_read_only_target_changes_nothing(
    ws: Workspace, repo: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from console.core.backup import repository

    def full(target: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(repository, "atomic_write_bytes", full)
    with pytest.raises(BadInput, match="the target is full"):
        create.create_snapshot(ws, "alice", repo)
    monkeypatch.setattr(
        repository,
        "atomic_write_bytes",
        lambda t, d: (_ for _ in ()).throw(OSError(errno.EROFS, "Read-only file system")),
    )
    with pytest.raises(BadInput, match="read-only"):
        create.create_snapshot(ws, "alice", repo)
    assert repo.names("snapshots") == []
    assert repo.pack_names() == []
    assert not (repo.path / "locks" / "lock").exists()


def test_newer_repository_version(repo: Repository) -> None:
    config = json.loads((repo.path / "config.json").read_text())
    config["version"] = 99
    (repo.path / "config.json").write_text(json.dumps(config))
    with pytest.raises(RepositoryError, match="version 99 is newer"):
        Repository.open(repo.path, PASSPHRASE)


def test_snapshot_with_a_newer_schema_is_refused(
    ws: Workspace, repo: Repository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = create.create_snapshot(ws, "alice", repo)
    monkeypatch.setattr(db, "SCHEMA_VERSION", summary["schema_version"] - 1)
    with pytest.raises(BadInput, match="newer than this console supports"):
        snapshots.restore_into(ws, "alice", repo, summary["snapshot"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_busy_repository_is_refused_and_a_dead_lock_taken_over(
    ws: Workspace, repo: Repository
) -> None:
    lock = repo.path / "locks" / "lock"
    lock.write_text(json.dumps({"host": "elsewhere", "pid": 1, "purpose": "prune", "time": "t"}))
    with pytest.raises(ConsoleError, match="busy"):
        create.create_snapshot(ws, "alice", repo)
    import socket

    lock.write_text(json.dumps({"host": socket.gethostname(), "pid": 2**22 + 7, "purpose": "x"}))
    create.create_snapshot(ws, "alice", repo)
    assert not lock.exists()
