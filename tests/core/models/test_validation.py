"""Weekly validation: same-rows backtest, metrics review sentences, threshold rule, adoption."""

from __future__ import annotations

import numpy as np
import pytest

from console.core.base.errors import BadInput, PermissionDenied
from console.core.base.workspace import Workspace
from console.core.maintenance import runner
from console.core.models import registry, tradeoff, validation
from tests.core.monitoring_helpers import fill
from tests.core.registry_helpers import register


def test_the_threshold_rule_takes_the_highest_recall_within_the_fpr_limit() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(20_000) < 0.05).astype(np.int8)
    s = np.clip(rng.normal(0.3 + 0.3 * y, 0.15), 0, 1)
    chosen = tradeoff.threshold_for_recall(y, s, 0.01)
    at = tradeoff.metrics_at(y, s, chosen)
    assert at["fpr"] <= 0.01
    more_recall = np.max(s[(s < chosen) & (y == 1)])  # the next fraud it would catch ...
    assert tradeoff.metrics_at(y, s, more_recall)["fpr"] > 0.01  # ... breaks the limit
    same_recall = np.max(s[s < chosen])  # of equal recall, the fewest false alarms
    assert tradeoff.metrics_at(y, s, same_recall)["recall"] == at["recall"]
    assert tradeoff.metrics_at(y, s, same_recall)["fpr"] > at["fpr"]
    line = tradeoff.curve(y, s)
    assert 0 < len(line["threshold"]) <= tradeoff.CURVE_POINTS
    assert line["fpr"] == sorted(line["fpr"])


@pytest.fixture
def validated_ws(workspace: Workspace) -> Workspace:
    register(workspace, "1.0.0", stage="production")
    register(workspace, "1.1.0", seed=2)
    fill(workspace, days=4, per_day=500)
    return workspace


def test_validation_backtests_every_model_on_the_same_rows(validated_ws: Workspace) -> None:
    report = validation.run_validation(validated_ws, "alice")
    assert [m["version"] for m in report.models] == ["1.0.0", "1.1.0"]
    assert report.rows == 1905
    assert report.start == "2026-11-01"
    assert report.end == "2026-11-04"
    for model in report.models:
        assert model["overall"]["n_rows"] == report.rows  # the same rows for every model
        assert [d["day"] for d in model["per_day"]] == [f"2026-11-0{i}" for i in range(1, 5)]
        assert sum(d["n_rows"] for d in model["per_day"]) == report.rows
        assert sum(w["n_rows"] for w in model["per_week"]) == report.rows
        assert set(model["per_segment"]) == {"channel", "country"}
    for sentence in report.findings[:2]:
        assert sentence.endswith(".")
        assert "beyond the" in sentence or "within tolerance" in sentence
    threshold = report.threshold
    assert threshold["version"] == "1.0.0"
    assert threshold["proposed_point"]["fpr"] <= 0.01
    assert threshold["proposed_point"]["recall"] >= threshold["current_point"]["recall"] or (
        threshold["current_point"]["fpr"] > 0.01
    )
    assert len(threshold["curve"]["threshold"]) > 2


def test_metrics_review_says_what_moved_beyond_tolerance() -> None:
    result = {"version": "1.0.0", "stage": "production",
              "card": {"recall": 0.80, "fpr": 0.004, "f1": 0.7},
              "overall": {"recall": 0.60, "fpr": 0.012, "f1": 0.68}}  # fmt: skip
    said = validation.review(result, "2026-11-01..2026-11-28", 0.05, 0.005)
    assert len(said) == 2  # f1 moved 0.02 only
    assert said[0].startswith("1.0.0 (production): recall fell from 0.800 on its card to 0.600")
    assert "fpr rose from 0.004" in said[1]
    assert "worse" in said[1]


def test_adopting_the_threshold_registers_a_patch_candidate(validated_ws: Workspace) -> None:
    done = runner.run_job(validated_ws, "alice", "validation")
    assert done.state == "done"
    assert done.report is not None
    validated_ws.set_role("alice", "olga", "operator")
    with pytest.raises(PermissionDenied):
        validation.adopt_threshold(validated_ws, "olga", done.report, reason="x")
    model = validation.adopt_threshold(
        validated_ws, "alice", done.report, reason="FPR headroom", run_id=done.id
    )
    assert model.version == "1.1.1"
    assert model.stage == "candidate"
    assert model.threshold == done.report["threshold"]["proposed"]
    assert model.card["derived_from"] == "1.0.0"
    assert model.card["validation_run"] == done.id
    production = registry.production(validated_ws)
    assert production is not None
    assert production.version == "1.0.0"
    assert model.golden_rows == production.golden_rows  # the same pipeline, a new threshold
    before = registry.load_golden(validated_ws, production)[registry.EXPECTED_SCORE]
    after = registry.load_golden(validated_ws, model)[registry.EXPECTED_SCORE]
    assert np.array_equal(before.to_numpy(), after.to_numpy())


def test_validation_without_production_or_labels_is_refused(workspace: Workspace) -> None:
    with pytest.raises(BadInput, match="no model is in production"):
        validation.run_validation(workspace, "alice")
    register(workspace, "1.0.0", stage="production")
    with pytest.raises(BadInput, match="log is empty"):
        validation.run_validation(workspace, "alice")
