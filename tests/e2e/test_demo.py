"""The demo workspace end to end: `console init --demo`, then the CLI reads it back."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import f1_score

from console import cli
from console.core.base import audit
from console.core.base.workspace import Workspace
from console.core.data import datasets, store
from console.core.demo import build as demo
from console.core.models import deploy, registry
from console.core.models import deploy_checks as verification


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("demo") / "ws"
    settings = demo.DemoSettings(
        days=12, per_day=4000, training_days=10, end=pd.Timestamp("2026-11-29").date()
    )
    ws = Workspace.create(
        root, "alice", populate=lambda w: demo.build_demo(w, "alice", settings=settings)
    )
    yield ws
    ws.close()


def _daily_f1(ws: Workspace) -> pd.Series:
    schema = ws.config.data_schema
    preds = store.read(
        ws, "predictions", [schema.id, schema.timestamp, schema.decision]
    ).to_pandas()
    labels = store.read(ws, "labels", [schema.id, schema.label]).to_pandas()
    joined = preds.merge(labels, on=schema.id)
    return joined.groupby(joined[schema.timestamp].dt.date).apply(
        lambda g: f1_score(g[schema.label], g[schema.decision])
    )


def test_demo_has_a_model_in_production_with_its_training_data(demo_ws: Workspace) -> None:
    model = registry.production(demo_ws)
    assert model is not None
    assert model.version == "1.0.0"
    assert model.dataset is not None
    assert model.metrics["roc_auc"] > 0.95
    assert 0 < model.threshold < 1
    pipeline = registry.load(demo_ws, "1.0.0")
    assert hasattr(pipeline, "predict_proba")
    assert model.golden_rows == 1_000


def test_demo_candidate_promotes_and_rolls_back_verified(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy, "_running_service", lambda _ws: None)  # no service here
    monkeypatch.setattr(verification, "LATENCY_P99_MS", 10_000.0)  # a busy test box
    candidate = registry.require(demo_ws, "1.1.0")
    assert candidate.stage == "candidate"
    assert candidate.golden_rows == 1_000
    assert candidate.threshold != registry.require(demo_ws, "1.0.0").threshold
    lineage = datasets.get(demo_ws, candidate.dataset or "")
    assert lineage is not None
    assert lineage.parent == registry.require(demo_ws, "1.0.0").dataset
    up = deploy.promote(demo_ws, "alice", "1.1.0", reason="demo")
    assert up.outcome == "switched", up.checks
    back = deploy.rollback(demo_ws, "alice", reason="demo")
    assert (back.outcome, back.to_version) == ("switched", "1.0.0")


def test_demo_ingested_every_day_through_the_pipeline(demo_ws: Workspace) -> None:
    summary = store.summary(demo_ws.conn)
    assert summary.predictions > 12 * 3000
    assert 0.5 < summary.label_coverage < 1.0  # the newest labels have not arrived yet
    assert summary.first_ts.startswith("2026-11-18")
    assert summary.last_ts.startswith("2026-11-29")
    batches = demo_ws.conn.execute("SELECT kind, outcome, source FROM batches").fetchall()
    assert {b["outcome"] for b in batches} == {"ok"}
    assert sum(b["kind"] == "predictions" for b in batches) == 12
    assert all(b["source"].startswith("demo-feed/") for b in batches)
    assert (demo_ws.root / batches[0]["source"]).is_file()
    assert audit.verify(demo_ws.conn).ok


def test_demo_drift_shows_in_the_last_days(demo_ws: Workspace) -> None:
    f1 = _daily_f1(demo_ws)
    healthy = f1.iloc[:8].mean()
    drifted = f1.iloc[-3:].mean()
    assert healthy > 0.7, f1
    assert drifted < healthy - 0.3, f1


@pytest.mark.slow
def test_console_init_demo_from_the_command_line(tmp_path: Path, capsys) -> None:
    """The README's path: `console init --demo`, then `console status --json`."""
    root = tmp_path / "demo"
    assert cli.main(["-w", str(root), "init", "--demo", "--json"]) == 0
    made = json.loads(capsys.readouterr().out)["demo"]
    assert made["model"] == "1.0.0"
    assert made["predictions"] > 250_000
    assert cli.main(["-w", str(root), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["production_model"]["version"] == "1.0.0"
    assert status["data"]["predictions"] == made["predictions"]
    assert status["data"]["labels"] == made["labels"]
