"""Restore in place: previewed, built beside, swapped in one step, the old one kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.backup import create, in_place
from console.core.backup.repository import Repository
from console.core.base import events
from console.core.base.errors import BadInput, PermissionDenied
from console.core.base.workspace import Workspace
from tests.core.backup.conftest import tree


def test_preview_then_restore_in_place(ws: Workspace, repo: Repository) -> None:
    summary = create.create_snapshot(ws, "alice", repo)
    before = tree(ws.root, skip=("console.db", "logs/", "backups/"))
    (ws.folder("artifacts") / "model.skops").write_bytes(b"a newer model")
    (ws.root / "docs" / "after.md").write_text("written after the snapshot", "utf-8")
    toml = ws.root / "console.toml"
    toml.write_text(toml.read_text().replace("f1_warning = 0.75", "f1_warning = 0.8"), "utf-8")
    ws.set_role("alice", "olga", "operator")
    preview = in_place.preview(ws, repo, summary["snapshot"][:8])
    assert preview["config_keys"] == ["thresholds.f1_warning"]
    assert preview["audit_entries_since"] >= 1
    assert any("thresholds.f1_warning" in line for line in preview["lines"])
    with pytest.raises(PermissionDenied):
        in_place.restore_in_place(ws, "olga", repo, summary["snapshot"], reason="test")
    with pytest.raises(BadInput, match="--reason"):
        in_place.restore_in_place(ws, "alice", repo, summary["snapshot"], reason=" ")
    seen: list[str] = []
    events.subscribe("backup_verified", lambda e: seen.append(e.details["state"]))
    result = in_place.restore_in_place(
        ws, "alice", repo, summary["snapshot"], reason="disk corruption drill"
    )
    kept = Path(result["kept_at"])
    assert kept.name.startswith("ws.before-restore-")
    assert tree(ws.root, skip=("console.db", "logs/", "backups/")) == before
    assert (kept / "docs" / "after.md").exists()  # the replaced workspace, whole
    assert (kept / "artifacts" / "model.skops").read_bytes() == b"a newer model"
    assert ws.config.thresholds.f1_warning == 0.75  # the object now reads the restored one
    assert ws.role_of("olga") == "viewer"  # the restored database predates her role
    last = ws.conn.execute("SELECT action, details FROM audit ORDER BY seq DESC").fetchone()
    assert last["action"] == "backup.restore"
    assert "disk corruption drill" in last["details"]
    assert seen == ["restored"]
    rows = ws.conn.execute("SELECT snapshot FROM backups WHERE state = 'ok'").fetchall()
    assert [r[0] for r in rows] == [summary["snapshot"]]  # the table learns the repository
    assert not [p for p in ws.root.parent.iterdir() if ".restoring-" in p.name]


def test_damaged_snapshot_leaves_the_live_workspace_alone(ws: Workspace, repo: Repository) -> None:
    summary = create.create_snapshot(ws, "alice", repo)
    (ws.root / "docs" / "after.md").write_text("kept", "utf-8")
    pack = repo.pack_names()[0]
    data = bytearray(repo.pack_path(pack).read_bytes())
    data[len(data) // 2] ^= 1
    repo.pack_path(pack).write_bytes(bytes(data))
    with pytest.raises(BadInput, match="could not be restored"):
        in_place.restore_in_place(ws, "alice", repo, summary["snapshot"], reason="drill")
    assert (ws.root / "docs" / "after.md").read_text() == "kept"
    assert sorted(p.name for p in ws.root.parent.iterdir()) == ["repo", "ws"]


def test_the_service_restarts_on_the_restored_production_model(
    ws: Workspace,
    repo: Repository,
    shared_keyring: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from console.core.serving import control, state
    from tests.core.serving_models import switch_production, with_models

    for name, value in shared_keyring.items():  # the service process reads its token
        monkeypatch.setenv(name, value)
    with_models(ws)  # 1.0.0 in production
    summary = create.create_snapshot(ws, "alice", repo)
    switch_production(ws, "1.1.0")
    control.start_service(ws, "alice", port=0)
    try:
        result = in_place.restore_in_place(
            ws, "alice", repo, summary["snapshot"], reason="bad promotion"
        )
        assert result["service_restarted"] is True
        info = state.running_service(ws)
        assert info is not None
        health = state.fetch_health(info, 5.0, True)
        assert health["model_version"] == "1.0.0"
    finally:
        if state.running_service(ws) is not None:
            control.stop_service(ws, "alice")
