"""The demo workspace end to end: `console init --demo`, then the CLI reads it back."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import f1_score

from console import cli
from console.core.alerts import engine, evidence
from console.core.base import audit, clock
from console.core.base.workspace import Workspace
from console.core.data import datasets, store
from console.core.demo import build as demo
from console.core.models import backtest, deploy, registry
from console.core.monitoring import checks


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("demo") / "ws"
    settings = demo.DemoSettings(
        days=12, per_day=4000, training_days=10, end=pd.Timestamp("2026-11-29").date()
    )
    ws = Workspace.create(
        root, "alice", populate=lambda w: demo.build_demo(w, "alice", settings=settings)
    )
    morning = clock.parse_moment("2026-11-30T06:00")  # the morning after the last day
    report = checks.run_daily_checks(ws, "alice", now=morning)
    engine.evaluate(ws, "alice", report, now=morning)  # judged then, not days later
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


def test_demo_has_1_1_0_in_production_with_1_0_0_before_it(demo_ws: Workspace) -> None:
    model = registry.production(demo_ws)
    assert model is not None
    assert model.version == "1.1.0"
    assert "amount" in model.card["defect"]  # the planted defect is on its model card
    assert "Known defect" in registry.model_card(demo_ws, "1.1.0")["changes"]
    baseline = registry.require(demo_ws, "1.0.0")
    assert baseline.stage == "archived"
    assert baseline.dataset is not None
    assert baseline.metrics["roc_auc"] > 0.95
    assert 0 < baseline.threshold < 1
    assert hasattr(registry.load(demo_ws, "1.0.0"), "predict_proba")
    assert baseline.golden_rows == 1_000
    assert model.golden_rows == 1_000
    assert model.threshold != baseline.threshold
    lineage = datasets.get(demo_ws, model.dataset or "")
    assert lineage is not None
    assert lineage.parent == baseline.dataset
    assert "cents" in lineage.transform
    promoted = deploy.history(demo_ws)[0]
    assert (promoted.kind, promoted.from_version, promoted.to_version, promoted.outcome) == (
        "promote",
        "1.0.0",
        "1.1.0",
        "switched",
    )
    assert "2026-11-26" in promoted.reason  # 4 days before the end
    assert deploy.previous_production(demo_ws) == "1.0.0"
    assert deploy.preverified(demo_ws, "1.0.0") is not None  # ready for a quick rollback


def test_demo_rollback_to_1_0_0_visibly_helps_on_the_last_days(demo_ws: Workspace) -> None:
    newer, older = backtest.recent(demo_ws, ["1.1.0", "1.0.0"], days=4)
    assert (newer.first_day, newer.last_day) == ("2026-11-26", "2026-11-29")
    assert newer.rows == older.rows > 1000
    assert newer.in_production
    assert not older.in_production
    assert older.f1 is not None
    assert newer.f1 is not None
    assert older.f1 > newer.f1 + 0.1, (older, newer)
    assert older.recall is not None
    assert newer.recall is not None
    assert older.recall > newer.recall


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


def test_demo_raises_the_f1_alerts_of_its_worse_model(demo_ws: Workspace) -> None:
    firing = {a.rule for a in engine.open_alerts(demo_ws) if a.state == "firing"}
    assert "f1_critical" in firing


def test_a_fresh_demo_judges_1_1_0_on_the_days_it_scored(demo_ws: Workspace) -> None:
    """The demo's story: 1.1.0 scored the last days and caused the drop. Its deployment
    is recorded at the build's time, after those days, yet the log says who scored them."""
    assert evidence.scored_by(demo_ws, dt.date(2026, 11, 29)) == "1.1.0"
    assert evidence.scored_by(demo_ws, dt.date(2026, 11, 25)) == "1.0.0"
    opened = engine.open_alerts(demo_ws)
    assert evidence.stale_evidence(demo_ws, opened) == {}
    assert not any("before the promotion" in a.summary for a in opened)


def test_demo_rolls_back_to_1_0_0_from_its_preverified_checks(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy, "_running_service", lambda _ws: None)  # no service here
    loads: list[str] = []
    real = registry.load_bytes
    monkeypatch.setattr(registry, "load_bytes", lambda m, d: loads.append(m.version) or real(m, d))
    back = deploy.rollback(demo_ws, "alice", reason="1.1.0 misses fraud since it went live")
    assert (back.outcome, back.from_version, back.to_version) == ("switched", "1.1.0", "1.0.0")
    assert loads == []  # pre-verified: the switch re-hashed but did not load it again
    assert registry.production(demo_ws) is not None
    assert registry.require(demo_ws, "1.0.0").stage == "production"


def test_after_the_demo_rollback_the_alert_says_its_evidence_predates_it(
    demo_ws: Workspace,
) -> None:
    """Runs after the rollback above (same workspace): 1.1.0's evidence is now old."""
    assert registry.production(demo_ws).version == "1.0.0"  # type: ignore[union-attr]
    stale = evidence.stale_evidence(demo_ws, engine.open_alerts(demo_ws))
    assert stale["f1_critical"].note.startswith("evidence from before the rollback to 1.0.0 at ")
    assert stale["f1_critical"].note.endswith("awaiting labels")
    assert stale["f1_critical"].scored_by == "1.1.0"


@pytest.mark.slow
def test_console_init_demo_from_the_command_line(tmp_path: Path, capsys) -> None:
    """The README's path: `console init --demo`, then `console status --json`."""
    root = tmp_path / "demo"
    assert cli.main(["-w", str(root), "init", "--demo", "--json"]) == 0
    made = json.loads(capsys.readouterr().out)["demo"]
    assert (made["model"], made["previous"]) == ("1.1.0", "1.0.0")
    assert made["predictions"] > 250_000
    assert cli.main(["-w", str(root), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["production_model"]["version"] == "1.1.0"
    assert status["data"]["predictions"] == made["predictions"]
    assert status["data"]["labels"] == made["labels"]
