"""Monthly retraining: a reproducible candidate, compared on the held-out period; refusals
and cancel leave nothing registered."""

from __future__ import annotations

import multiprocessing
import threading
import time
from typing import Any

import pytest

from console.core.base.errors import BadInput, JobCancelled
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.core.data import datasets, derivations
from console.core.models import registry, retraining, training
from tests.conftest import make_predictions
from tests.core.monitoring_helpers import fill
from tests.core.registry_helpers import FEATURES

SMALL = {"candidates": 4, "folds": 2, "holdout_days": 1, "factor": 3, "gap_days": 0.5,
         "rounds": [10, 20]}  # fmt: skip


def _small(ws: Workspace, **extra: Any) -> None:
    ws.config = ws.config.model_copy(
        update={"retraining": ws.config.retraining.model_copy(update={**SMALL, **extra})}
    )


def _production(ws: Workspace, *, frame: Any = None) -> str:
    """Production 1.0.0 trained on six days; its dataset version is ``frame`` if given."""
    train = make_predictions(days=6, per_day=700, seed=5, start="2026-10-20")
    train = train.drop(columns=["score", "decision"])
    stored = train if frame is None else frame.drop(columns=["score", "decision"])
    dataset = datasets.register_frame(ws, "alice", "training", stored)
    model = training.train_baseline(train, FEATURES, "is_fraud", seed=1)
    registry.register_pipeline(
        ws, "alice", model.pipeline, version="1.0.0", threshold=model.threshold,
        features=FEATURES, metrics=model.metrics, notes="baseline", stage="production",
        dataset=dataset.sha256, golden=model.holdout.head(200),
    )  # fmt: skip
    return dataset.sha256


@pytest.fixture
def retrain_ws(workspace: Workspace) -> Workspace:
    _production(workspace)
    fill(workspace, days=4, per_day=500)
    _small(workspace)
    return workspace


def test_retraining_registers_a_reproducible_candidate(retrain_ws: Workspace) -> None:
    report = retraining.retrain(retrain_ws, "alice")
    candidate = registry.require(retrain_ws, report.candidate)
    assert candidate.stage == "candidate"
    assert candidate.version == "1.1.0"
    production = registry.production(retrain_ws)
    assert production is not None
    assert production.version == "1.0.0"
    data = datasets.get(retrain_ws, candidate.dataset or "")
    assert data is not None
    assert data.parent == production.dataset
    assert data.rows == report.dataset["rows"]
    assert report.dataset["log_rows"] > 1800
    assert report.holdout["span"] == "2026-11-04..2026-11-04"
    assert {r["metric"] for r in report.comparison} >= {"recall", "fpr", "pr_auc"}
    assert set(report.per_segment) == {"channel", "country"}
    assert report.search["cv"].startswith("TimeSeriesSplit(n_splits=2, gap=")
    assert report.threshold == candidate.threshold
    assert candidate.metrics["fpr"] <= retrain_ws.config.validation.max_fpr
    repro = candidate.card["reproducibility"]
    assert repro["seed"] == 0
    assert repro["training_dataset"] == production.dataset
    assert repro["libraries"]["scikit-learn"]
    assert repro["console_version"]
    # the lineage: an assembled training set (production's data + a log window), retrained
    (made,) = derivations.of_output(retrain_ws.conn, "dataset", data.sha256)
    assert made.kind == "assembly"
    assert [i.kind for i in made.inputs] == ["dataset", "log"]
    (trained,) = derivations.of_output(retrain_ws.conn, "model", candidate.version)
    assert trained.kind == "retraining"
    assert trained.inputs[0].ref == data.sha256
    assert trained.parameters["reproducibility"]["seed"] == 0
    again = retraining.retrain(retrain_ws, "alice")  # the same inputs ...
    assert again.candidate == "1.2.0"
    assert again.dataset["sha256"] == report.dataset["sha256"]  # ... one dataset version
    assert again.reproducibility["model_fingerprint"] == repro["model_fingerprint"]
    assert multiprocessing.active_children() == []


def test_cancel_takes_effect_within_a_second_and_registers_nothing(
    retrain_ws: Workspace,
) -> None:
    searching = threading.Event()
    ctx = JobContext(lambda f, m: searching.set() if "Searching" in m else None, min_interval=0)
    outcome: list[str] = []

    def run() -> None:
        try:
            retraining.retrain(Workspace.open(retrain_ws.root), "alice", ctx=ctx)
        except JobCancelled:
            outcome.append("cancelled")

    thread = threading.Thread(target=run)
    thread.start()
    assert searching.wait(30)
    time.sleep(0.5)  # the child is busy fitting
    asked = time.monotonic()
    ctx.cancel()
    thread.join(10)
    assert outcome == ["cancelled"]
    assert time.monotonic() - asked < 1.0
    assert [m.version for m in registry.list_versions(retrain_ws)] == ["1.0.0"]
    assert len(datasets.list_versions(retrain_ws)) == 1
    assert multiprocessing.active_children() == []


def test_one_class_or_too_few_positives_are_refused_with_the_count(workspace: Workspace) -> None:
    frame = make_predictions(days=6, per_day=300, seed=5, start="2026-10-20")
    frame["is_fraud"] = 0
    _production(workspace, frame=frame.assign(is_fraud=[1] * 40 + [0] * (len(frame) - 40)))
    _small(workspace, recent_days=0, holdout_days=1)
    with pytest.raises(BadInput, match=r"the held-out rows \(\d+\) have only one class"):
        retraining.retrain(workspace, "alice")
    _small(workspace, recent_days=0, holdout_days=6, folds=2)
    with pytest.raises(BadInput, match=r"training rows \(\d+\) have only one class"):
        retraining.retrain(workspace, "alice")
    assert [m.version for m in registry.list_versions(workspace)] == ["1.0.0"]


def test_fewer_positives_than_folds_is_refused(workspace: Workspace) -> None:
    frame = make_predictions(days=6, per_day=300, seed=5, start="2026-10-20")
    frame["is_fraud"] = 0
    frame.loc[frame.index[:2], "is_fraud"] = 1  # two frauds on the first day
    frame.loc[frame.index[-30:], "is_fraud"] = 1  # and some in the held-out day
    _production(workspace, frame=frame)
    _small(workspace, recent_days=0, folds=3)
    with pytest.raises(BadInput, match=r"2 positive training row.s., fewer than the 3"):
        retraining.retrain(workspace, "alice")


def test_a_dataset_whose_hash_no_longer_matches_is_refused(workspace: Workspace) -> None:
    sha = _production(workspace)
    version = datasets.get(workspace, sha)
    assert version is not None
    path = workspace.root / version.path
    data = bytearray(path.read_bytes())
    data[-40] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(BadInput, match=r"retraining refused: .*dataset"):
        retraining.retrain(workspace, "alice")


def test_cancel_recorded_by_another_process_stops_the_search_within_a_second(
    retrain_ws: Workspace,
) -> None:
    from console.core.maintenance import runner, runs

    outcome: list[str] = []

    def run() -> None:
        try:
            runner.run_job(Workspace.open(retrain_ws.root), "alice", "retraining")
        except JobCancelled:
            outcome.append("cancelled")

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    found = None
    while time.monotonic() < deadline:
        running = runs.running(retrain_ws)
        if running and running[0].progress > 0.06:  # the search process is at work
            found = running[0]
            break
        time.sleep(0.05)
    assert found is not None
    time.sleep(0.5)
    asked = time.monotonic()
    runs.request_cancel(retrain_ws, "alice", found.id)  # what `console jobs cancel ID` does
    thread.join(10)
    assert outcome == ["cancelled"]
    assert time.monotonic() - asked < 1.0
    assert runs.require(retrain_ws, found.id).state == "cancelled"
    assert [m.version for m in registry.list_versions(retrain_ws)] == ["1.0.0"]
    assert multiprocessing.active_children() == []
