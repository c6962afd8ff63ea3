"""console recover: lost log days and a lost dataset version come back through the
normal pipeline, and the report says what reproduced."""

from __future__ import annotations

import json

import pytest

from console import cli
from console.core.backup import create, recovery
from console.core.backup.repository import Repository
from console.core.base.errors import BadInput, PermissionDenied
from console.core.base.workspace import Workspace
from console.core.data import datasets, store
from tests.conftest import make_predictions
from tests.core.monitoring_helpers import fill


def test_lost_and_damaged_log_days_are_reingested_and_reproduce(
    ws: Workspace, repo: Repository, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(ws, days=4, per_day=300)
    rows_before = store.read(ws, "predictions").num_rows
    summary = create.create_snapshot(ws, "alice", repo)
    parts = ws.conn.execute("SELECT kind, day, path FROM parts ORDER BY kind, day").fetchall()
    lost = next(p for p in parts if p["kind"] == "predictions" and p["day"] == "2026-11-03")
    (ws.root / lost["path"]).unlink()  # a part file lost
    damaged = next(p for p in parts if p["kind"] == "labels")
    (ws.root / damaged["path"]).write_bytes(b"garbage")  # a part file damaged
    report = recovery.recover(ws, "alice", repo, summary["snapshot"][:8], window_days=4)
    assert report["reproduced"] is True
    recovered = [i["what"] for i in report["items"] if i["recovered"]]
    assert "day 2026-11-03" in recovered
    assert all(i["rows_reproduced"] and i["metrics_reproduced"] for i in report["items"])
    assert store.read(ws, "predictions").num_rows == rows_before
    assert (ws.root / (damaged["path"] + ".damaged")).exists()
    batches = ws.conn.execute("SELECT source FROM batches WHERE source LIKE 'recovered-%'")
    assert len(batches.fetchall()) == 2  # through the normal ingest, as batches
    ws.set_role("alice", "olga", "operator")
    with pytest.raises(PermissionDenied):
        recovery.recover(ws, "olga", repo, summary["snapshot"], window_days=1)
    with pytest.raises(BadInput, match="exactly one"):
        recovery.recover(ws, "alice", repo, summary["snapshot"])
    code = cli.main(["-w", str(ws.root), "recover", "--from", summary["snapshot"][:8],
                     "--repo", str(repo.path), "--window", "2", "--json"])  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["reproduced"] is True
    assert not any(i["recovered"] for i in out["items"])  # nothing was lost this time


def test_a_lost_dataset_version_comes_back_hash_checked(ws: Workspace, repo: Repository) -> None:
    frame = make_predictions(days=1, per_day=50)
    version = datasets.register_frame(ws, "alice", "training", frame)
    summary = create.create_snapshot(ws, "alice", repo)
    (ws.root / version.path).unlink()
    report = recovery.recover(ws, "alice", repo, summary["snapshot"], dataset=version.sha256)
    item = report["items"][0]
    assert item["before"] == "missing"
    assert item["reproduced"] is True
    assert len(datasets.load(ws, version.sha256)) == len(frame)
    with pytest.raises(BadInput, match="not a dataset version of this snapshot"):
        recovery.recover(ws, "alice", repo, summary["snapshot"], dataset="ab" * 32)


def test_a_damaged_model_artifact_comes_back_through_the_registry(
    ws: Workspace, repo: Repository
) -> None:
    from console.core.models import registry
    from tests.core.registry_helpers import register

    model = register(ws, "1.0.0")
    summary = create.create_snapshot(ws, "alice", repo)
    (ws.root / model.path).write_bytes(b"tampered")
    assert not registry.verify_artifact(ws, "1.0.0")
    report = recovery.recover(ws, "alice", repo, summary["snapshot"], model="1.0.0")
    assert report["items"][0]["before"] == "damaged"
    assert report["reproduced"] is True
    assert registry.verify_artifact(ws, "1.0.0")
    with pytest.raises(BadInput, match="not a model version of this snapshot"):
        recovery.recover(ws, "alice", repo, summary["snapshot"], model="9.9.9")
