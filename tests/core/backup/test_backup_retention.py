"""Prune, forget, export-key: retention frees space and never loses a kept snapshot."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from console.core.backup import create, keys, locations, prune, snapshots, verify
from console.core.backup.repository import Repository
from console.core.base import clock
from console.core.base.errors import BadInput, PermissionDenied
from console.core.base.workspace import Workspace
from tests.core.backup.conftest import PASSPHRASE, tree


def record(name: str, when: str, wid: str = "w") -> tuple[str, dict[str, object]]:
    return name, {"time": when, "workspace_id": wid, "files": []}


def test_policy_keeps_last_daily_weekly_monthly() -> None:
    start = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    found = dict(
        record(f"s{i:03d}", (start + dt.timedelta(days=i)).isoformat()) for i in range(120)
    )
    keep, forget = prune.select(found, prune.Policy(last=2, daily=3, weekly=2, monthly=3))
    assert keep[:3] == ["s119", "s118", "s117"]  # last 2 + daily 3 overlap
    assert len(keep) == len(set(keep))
    months = {found[n]["time"][:7] for n in keep}
    assert months >= {"2026-04", "2026-03", "2026-02"}
    assert set(keep) | set(forget) == set(found)
    assert not set(keep) & set(forget)
    other = dict([record("x", start.isoformat(), wid="other")])
    keep2, _ = prune.select({**found, **other}, prune.Policy(last=1, daily=0, weekly=0, monthly=0))
    assert set(keep2) == {"s119", "x"}  # per workspace
    with pytest.raises(BadInput, match="keeps nothing"):
        prune.Policy(0, 0, 0, 0)


def test_prune_frees_space_and_kept_snapshots_still_restore(
    ws: Workspace, repo: Repository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = []
    for day in range(4):
        monkeypatch.setattr(clock, "now", lambda d=day: dt.datetime(2026, 11, 1 + d, tzinfo=dt.UTC))
        (ws.folder("artifacts") / f"model-{day}.skops").write_bytes(bytes([day]) * 1_000_000)
        (ws.folder("artifacts") / f"model-{day - 1}.skops").unlink(missing_ok=True)
        made.append(create.create_snapshot(ws, "alice", repo)["snapshot"])
    monkeypatch.undo()
    before = repo.usage()["stored_bytes"]
    dry = prune.prune(ws, "alice", repo, prune.Policy(last=2, daily=0, weekly=0, monthly=0),
                      dry_run=True)  # fmt: skip
    assert dry["forget"] == [made[1], made[0]]
    assert repo.names("snapshots") == sorted(made)
    result = prune.prune(ws, "alice", repo, prune.Policy(last=2, daily=0, weekly=0, monthly=0))
    assert sorted(repo.names("snapshots")) == sorted(made[2:])
    assert result["freed_bytes"] > 0
    assert repo.usage()["stored_bytes"] < before
    report, _ = verify.check(repo)
    assert report.ok, report.problems
    assert len(repo.names("index")) == 1
    snapshots.restore_into(ws, "alice", repo, made[2], tmp_path / "r2")
    assert (tmp_path / "r2" / "artifacts" / "model-2.skops").read_bytes() == bytes([2]) * 1_000_000
    listed = {s["snapshot"] for s in snapshots.list_snapshots(ws, repo)["snapshots"]}
    assert listed == set(made[2:])
    states = dict(ws.conn.execute("SELECT snapshot, state FROM backups").fetchall())
    assert states[made[0]] == "forgotten"
    assert states[made[3]] == "ok"


def test_forget_and_roles(ws: Workspace, repo: Repository) -> None:
    first = create.create_snapshot(ws, "alice", repo)["snapshot"]
    (ws.root / "docs" / "new.md").write_text("more", "utf-8")
    second = create.create_snapshot(ws, "alice", repo)["snapshot"]
    ws.set_role("alice", "olga", "operator")
    with pytest.raises(PermissionDenied):
        prune.forget(ws, "olga", repo, first[:8])
    with pytest.raises(PermissionDenied):
        prune.prune(ws, "olga", repo, prune.Policy())
    result = prune.forget(ws, "alice", repo, first[:8], prune_now=True)
    assert result["snapshot"] == first
    assert repo.names("snapshots") == [second]
    assert verify.check(repo)[0].ok
    audit = ws.conn.execute("SELECT action, outcome FROM audit WHERE action LIKE 'backup.%'")
    assert ("backup.forget", "ok") in [tuple(r) for r in audit]


def test_export_key_opens_the_repository_without_the_keyring(
    ws: Workspace, repo: Repository, tmp_path: Path
) -> None:
    summary = create.create_snapshot(ws, "alice", repo)
    key = tmp_path / "safe" / "recovery.json"
    key.parent.mkdir()
    locations.export_key(ws, "alice", repo, key, "a different safe passphrase")
    assert PASSPHRASE not in key.read_text()
    with pytest.raises(BadInput, match="already exists"):
        locations.export_key(ws, "alice", repo, key, "a different safe passphrase")
    opened = Repository.open(repo.path, "a different safe passphrase", key_file=key)
    from console.core.backup import restore

    restore.restore_to(opened, summary["snapshot"], tmp_path / "elsewhere")
    assert "artifacts/model.skops" in tree(tmp_path / "elsewhere")
    with pytest.raises(BadInput, match="wrong passphrase"):
        Repository.open(repo.path, PASSPHRASE + "x", key_file=key)
    ws.set_role("alice", "olga", "operator")
    with pytest.raises(PermissionDenied):
        locations.export_key(ws, "olga", repo, tmp_path / "k2.json", "another passphrase")
    assert keys.KEY_FORMAT in key.read_text()
