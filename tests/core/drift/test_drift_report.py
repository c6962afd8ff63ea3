"""Drift analyses on a workspace: specs, storage with audit, roles, summaries, multivariate."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier

from console.core.base import audit
from console.core.base.errors import BadInput, JobCancelled, PermissionDenied
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.core.data import datasets, ingest
from console.core.demo.data import DriftSpec, generate_transactions
from console.core.drift import concept_run, multivariate, reference, report, summary
from console.core.models import registry

START = dt.date(2026, 11, 1)
DAYS = 6
UNLABELLED = 100


def _ingest(ws: Workspace, frame: pd.DataFrame, tmp: Path) -> None:
    rng = np.random.default_rng(0)
    score = np.clip(rng.beta(1, 30, len(frame)) + 0.5 * frame["is_fraud"], 0, 1)
    pred = frame.drop(columns=["is_fraud"]).assign(
        score=score, decision=(score >= 0.3).astype("int8")
    )
    pred.to_parquet(tmp / "pred.parquet", index=False)
    ingest.ingest_file(ws, "alice", "predictions", tmp / "pred.parquet")
    labels = frame[["transaction_id", "is_fraud"]].rename(columns={"is_fraud": "label"})
    labels = labels.iloc[:-UNLABELLED]  # the newest outcomes are not confirmed yet
    labels.to_parquet(tmp / "labels.parquet", index=False)
    ingest.ingest_file(ws, "alice", "labels", tmp / "labels.parquet")


@pytest.fixture
def drift_ws(workspace: Workspace, tmp_path: Path) -> Workspace:
    """Training data in production, then 6 days of log whose last 2 days drift."""
    reference.CACHE.clear()
    train = generate_transactions(START - dt.timedelta(days=7), 3, 600, seed=3)
    version = datasets.register_frame(workspace, "alice", "train", train)
    x = train[["amount"]]
    registry.register_pipeline(
        workspace, "alice", DummyClassifier().fit(x, train["is_fraud"]), version="1.0.0",
        threshold=0.5, features={"amount": "number"}, metrics={}, notes="t",
        dataset=version.sha256, stage="production",
    )  # fmt: skip
    live = generate_transactions(
        START, DAYS, 600, seed=4, drift=DriftSpec(data_drift_from=START + dt.timedelta(days=4))
    )
    _ingest(workspace, live, tmp_path)
    return workspace


def test_run_drift_on_windows_stores_result_and_audit(drift_ws: Workspace) -> None:
    calm = report.run_drift(drift_ws, "alice", "production", "window:2026-11-01..2026-11-03")
    assert not calm.dataset_drift
    drifted = report.run_drift(drift_ws, "alice", "production", "last:2")
    assert drifted.dataset_drift
    assert drifted.id is not None
    assert len(drifted.windows) == 2
    assert set(drifted.windows[0]["scores"]) == set(drift_ws.config.data_schema.features)
    latest = summary.latest_drift(drift_ws)
    assert latest is not None
    assert latest["id"] == drifted.id
    assert latest["dataset_drift"] is True
    assert latest["drifted_columns"] == drifted.drifted_columns
    entry = audit.entries(drift_ws.conn, action="drift.run")[0]
    assert entry.details["drifted_columns"] == drifted.drifted_columns
    doc = report.stored_runs(drift_ws)[0]
    json.dumps(doc, allow_nan=False)  # strict JSON
    assert doc["columns"][0]["method"] in ("ks", "chi2")


def test_drift_check_for_the_daily_checks(drift_ws: Workspace) -> None:
    check = summary.drift_check(drift_ws)
    assert set(check) == {"name", "value", "threshold", "status", "explanation", "n", "window"}
    assert check["name"] == "data_drift"
    assert check["status"] == "warning"
    assert check["window"] == "2026-11-06"
    early = summary.drift_check(drift_ws, now=dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC))
    assert early["status"] == "ok"
    assert early["window"] == "2026-11-02"
    before = summary.drift_check(drift_ws, now=dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
    assert before["status"] == "no_data"
    assert summary.latest_drift(drift_ws) is None  # checks store nothing


def test_drift_check_without_production_model(workspace: Workspace) -> None:
    check = summary.drift_check(workspace)
    assert check["status"] == "no_data"
    assert "production" in check["explanation"]


@pytest.mark.parametrize(
    ("ref", "cur", "message"),
    [
        ("dataset:nope", "last:1", "'nope' is not a stored dataset version"),
        ("production", "window:2026-11-05..2026-11-01", "ends before it starts"),
        ("production", "window:2026-13-01..2026-13-02", "window:"),
        ("production", "window:last", "window:YYYY-MM-DD..YYYY-MM-DD"),
        ("production", "missing.csv", "file not found"),
        ("production", "data.txt", "not a dataset:VERSION"),
        ("production", "production", "only a reference"),
    ],
)
def test_bad_specs_are_refused_and_change_nothing(
    drift_ws: Workspace, ref: str, cur: str, message: str
) -> None:
    before = drift_ws.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    with pytest.raises(BadInput, match=message):
        report.run_drift(drift_ws, "alice", ref, cur)
    assert drift_ws.conn.execute("SELECT COUNT(*) FROM drift_runs").fetchone()[0] == 0
    assert drift_ws.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == before


def test_file_sides_and_an_unreadable_file(drift_ws: Workspace, tmp_path: Path) -> None:
    cur = generate_transactions(START, 1, 400, seed=9).drop(columns=["country"])
    cur.to_csv(tmp_path / "cur.csv", index=False)
    result = report.run_drift(
        drift_ws, "alice", "production", str(tmp_path / "cur.csv"), store_result=False
    )
    cols = {c.name: c for c in result.columns}
    assert cols["country"].status == "missing_column"
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(BadInput, match=r"bad\.parquet: cannot read"):
        report.run_drift(drift_ws, "alice", "production", str(tmp_path / "bad.parquet"))


def test_viewer_may_not_run_drift(drift_ws: Workspace) -> None:
    drift_ws.set_role("alice", "bob", "viewer")
    with pytest.raises(PermissionDenied):
        report.run_drift(drift_ws, "bob", "production", "last:1")
    with pytest.raises(PermissionDenied):
        concept_run.run_concept(drift_ws, "bob")
    assert drift_ws.conn.execute("SELECT COUNT(*) FROM drift_runs").fetchone()[0] == 0


def test_cancel_stores_nothing(drift_ws: Workspace) -> None:
    ctx = JobContext()
    seen: list[float] = []

    def on_progress(fraction: float, message: str) -> None:
        seen.append(fraction)
        if fraction > 0.4:
            ctx.cancel()

    ctx._on_progress = on_progress
    with pytest.raises(JobCancelled):
        report.run_drift(drift_ws, "alice", "production", "last:3", ctx=ctx)
    assert drift_ws.conn.execute("SELECT COUNT(*) FROM drift_runs").fetchone()[0] == 0


def test_reference_is_profiled_once_for_window_after_window(drift_ws: Workspace) -> None:
    reference.CACHE.clear()
    for day in ("2026-11-01", "2026-11-02", "2026-11-03"):
        report.run_drift(
            drift_ws, "alice", "production", f"window:{day}..{day}", store_result=False
        )
    assert reference.CACHE.misses == 1
    assert reference.CACHE.hits == 2


def test_concept_run_stores_detections_and_segments(drift_ws: Workspace) -> None:
    result = concept_run.run_concept(drift_ws, "alice")
    logged = drift_ws.conn.execute("SELECT SUM(rows) FROM parts WHERE kind = 'predictions'")
    assert result.n == logged.fetchone()[0] - UNLABELLED
    assert result.unlabelled == UNLABELLED  # counted, not fed to the detectors
    assert len(result.timeline) == DAYS
    assert {s.column for s in result.segments} == {"channel", "country"}
    stored = report.stored_runs(drift_ws, "concept")[0]
    assert stored["n"] == result.n
    assert stored["id"] == result.id


def test_multivariate_catches_a_joint_only_change() -> None:
    """Same marginals, broken correlation: no single feature drifts, PCA error does."""
    rng = np.random.default_rng(8)
    n = 20_000
    a = rng.normal(size=n)
    ref = pd.DataFrame({"a": a, "b": 0.95 * a + np.sqrt(1 - 0.95**2) * rng.normal(size=n)})
    cur = pd.DataFrame({"a": rng.normal(size=5000), "b": rng.normal(size=5000)})
    result = report.analyze_frames(ref, cur, {"a": "number", "b": "number"})
    assert not any(c.drifted for c in result.columns)
    assert result.multivariate is not None
    assert result.multivariate.drifted is True
    same = pd.DataFrame(
        {
            "a": (s := rng.normal(size=5000)),
            "b": 0.95 * s + np.sqrt(1 - 0.95**2) * rng.normal(size=5000),
        }
    )
    calm = report.analyze_frames(ref, same, {"a": "number", "b": "number"})
    assert calm.multivariate is not None
    assert calm.multivariate.drifted is False


def test_multivariate_needs_two_varying_numeric_columns() -> None:
    frame = pd.DataFrame({"a": np.arange(500.0), "b": np.ones(500)})
    assert multivariate.fit(frame, ["a", "b"]) is None
    assert multivariate.compare(None, frame).score is None
