"""Windowed metrics equal scikit-learn's on the same rows; undefined figures say so."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from console.core.base.errors import BadInput
from console.core.base.workspace import Workspace
from console.core.monitoring import estimation, performance
from console.core.monitoring.metrics import group_metrics
from console.core.monitoring.settings import MonitoringSettings
from console.core.monitoring.windows import NO_TIME, US, LoggedRows, window_ids
from tests.core.monitoring_helpers import fill

HOUR = 3600 * US


def random_rows(seed: int, n: int = 3000, hours: int = 6) -> LoggedRows:
    rng = np.random.default_rng(seed)
    label = (rng.random(n) < 0.1).astype(np.int8)
    score = np.round(np.clip(rng.random(n) * 0.7 + 0.3 * label, 0, 1), 2)  # ties on purpose
    decision = (score >= 0.5).astype(np.int8)
    ts = np.sort(rng.integers(0, hours * HOUR, n)).astype(np.int64)
    label[rng.random(n) < 0.2] = -1  # some unlabelled
    labelled_at = np.where(label >= 0, ts + HOUR, NO_TIME)
    return LoggedRows(ts, score, decision, label, labelled_at)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_window_equals_scikit_learn(seed: int) -> None:
    rows = random_rows(seed)
    ids, _, count = window_ids(rows.ts, "hour")
    out = group_metrics(ids, count, rows)
    for w in range(count):
        keep = (ids == w) & (rows.label >= 0)
        y, d, s = rows.label[keep], rows.decision[keep], rows.score[keep]
        tn, fp, fn, tp = skm.confusion_matrix(y, d, labels=[0, 1]).ravel()
        assert (out["tp"][w], out["fp"][w], out["fn"][w], out["tn"][w]) == (tp, fp, fn, tn)
        expected = {
            "f1": skm.f1_score(y, d),
            "precision": skm.precision_score(y, d),
            "recall": skm.recall_score(y, d),
            "accuracy": skm.accuracy_score(y, d),
            "fpr": fp / (fp + tn),
            "roc_auc": skm.roc_auc_score(y, s),
            "pr_auc": skm.average_precision_score(y, s),
        }
        for name, value in expected.items():
            assert abs(out[name][w] - value) < 1e-12, (name, w)
        assert out["label_coverage"][w] == keep.sum() / (ids == w).sum()
        assert out["label_delay_h"][w] == pytest.approx(1.0)


def test_segments_are_groups_too(workspace: Workspace) -> None:
    frame = fill(workspace, days=2, per_day=300)
    tables = performance.segment_metrics(workspace)
    assert set(tables) == {"channel", "country"}
    channel = tables["channel"]
    total = sum(channel.column("n"))
    assert total == len(frame)
    for i, value in enumerate(channel.labels):
        part = frame[frame["channel"] == value]
        assert channel.column("n")[i] == len(part)
        if channel.status[i] == "ok":
            expected = skm.f1_score(part["is_fraud"], part["decision"])
            assert abs(channel.column("f1")[i] - expected) < 1e-12
        else:
            assert np.isnan(channel.column("f1")[i])
    assert "ok" in channel.status


def test_no_labels_too_few_and_one_class_withhold_the_figures() -> None:
    rows = random_rows(5, n=400, hours=4)
    ids, _, count = window_ids(rows.ts, "hour")
    rows.label[ids == 0] = -1  # window 0: no labels
    rows.label[(ids == 1) & (rows.label >= 0)] = 0  # window 1: all genuine
    keep_two = np.flatnonzero((ids == 2) & (rows.label >= 0))[5:]
    rows.label[keep_two] = -1  # window 2: five labels
    out = group_metrics(ids, count, rows, min_labels=10)
    assert out["status"][:3] == ["no_labels", "one_class", "too_few_labels"]
    assert np.isnan(out["f1"][0])
    assert np.isnan(out["f1"][2])
    assert np.isnan(out["f1"][1])  # no positives, nothing flagged correctly: undefined, not 0
    assert np.isnan(out["recall"][1])
    assert np.isnan(out["roc_auc"][1])
    assert out["fpr"][1] >= 0  # defined: there are negatives


def test_nan_scores_are_counted_and_left_out_of_auc() -> None:
    rows = random_rows(7, n=600, hours=1)
    clean = group_metrics(np.zeros(600, np.int64), 1, rows)
    rows.score[:10] = np.nan
    out = group_metrics(np.zeros(600, np.int64), 1, rows)
    assert out["nan_scores"][0] == 10
    keep = (rows.label >= 0) & ~np.isnan(rows.score)
    assert out["roc_auc"][0] == pytest.approx(
        skm.roc_auc_score(rows.label[keep], rows.score[keep]), abs=1e-12
    )
    assert out["f1"][0] == clean["f1"][0]  # decisions are still valid


def test_labels_before_their_prediction_are_ignored_and_counted() -> None:
    rows = random_rows(8, n=500, hours=1)
    labelled = np.flatnonzero(rows.label >= 0)[:20]
    rows.labelled_at[labelled] = rows.ts[labelled] - US
    out = group_metrics(np.zeros(500, np.int64), 1, rows)
    assert out["skewed"][0] == 20
    assert out["labelled"][0] == (rows.label >= 0).sum() - 20


def test_estimates_track_a_calibrated_model() -> None:
    rng = np.random.default_rng(11)
    n = 200_000
    p = rng.beta(1, 20, n)
    label = (rng.random(n) < p).astype(np.int8)
    decision = (p >= 0.15).astype(np.int8)
    ts = np.sort(rng.integers(0, 4 * 86_400 * US, n)).astype(np.int64)
    rows = LoggedRows(ts, p, decision, label, ts + US)
    table = performance.compute(rows, "day", MonitoringSettings(min_labels=10))
    for name in ("precision", "recall", "f1", "fpr"):
        realised, estimated = table.column(name), table.column(f"est_{name}")
        assert np.allclose(realised, estimated, atol=0.03), name


def test_calibration_needs_enough_reference_rows() -> None:
    small = estimation.fit_calibration(np.array([0.2, 0.9]), np.array([0, 1], np.int8))
    assert small.apply(np.array([0.3]))[0] == 0.3  # identity


def test_empty_store_gives_empty_tables(workspace: Workspace) -> None:
    table = performance.windowed_metrics(workspace, window="hour")
    assert len(table) == 0
    assert table.rows() == []


def test_bad_window_or_range_is_refused(workspace: Workspace) -> None:
    with pytest.raises(BadInput, match="window 'month'"):
        performance.windowed_metrics(workspace, window="month")
    import datetime as dt

    with pytest.raises(BadInput, match="before start"):
        performance.windowed_metrics(
            workspace, start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 1)
        )


def test_windows_follow_the_store(workspace: Workspace) -> None:
    fill(workspace, days=3, per_day=200, label_days=2)
    day = performance.windowed_metrics(workspace, window="day")
    assert [r["window"][:10] for r in day.rows()] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert day.status[2] == "no_labels"
    assert np.isnan(day.column("f1")[2])
    assert not np.isnan(day.column("est_f1")[2])
    hour = performance.windowed_metrics(workspace, window="hour")
    assert len(hour) == 72
    assert hour.column("n").sum() == day.column("n").sum()
    week = performance.windowed_metrics(workspace, window="week")
    assert week.start_iso(0).startswith("2026-10-26")  # a Monday
