"""Behaviour of the baseline training recipe (console.core.models.training)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.metrics import f1_score, roc_auc_score

from console.core.demo.data import FEATURES, DriftSpec, generate_transactions
from console.core.models.training import TrainedModel, choose_threshold, score, train_baseline

START = dt.date(2024, 5, 6)
LATER = START + dt.timedelta(days=14)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """14 days x 6,000 rows without drift."""
    return generate_transactions(START, 14, 6_000, seed=3)


@pytest.fixture(scope="module")
def trained(frame: pd.DataFrame) -> TrainedModel:
    return train_baseline(frame, FEATURES, "is_fraud", seed=0)


def _holdout_labels(frame: pd.DataFrame, model: TrainedModel) -> np.ndarray:
    """Labels of the holdout: the newest rows (the frame is sorted by ts)."""
    n_hold = len(model.holdout)
    return frame["is_fraud"].to_numpy()[-n_hold:]


def test_metrics_and_holdout_layout(frame: pd.DataFrame, trained: TrainedModel) -> None:
    assert set(trained.metrics) == {
        "roc_auc",
        "pr_auc",
        "f1",
        "precision",
        "recall",
        "fpr",
        "accuracy",
        "positive_rate",
        "n_rows",
        "n_positives",
    }
    assert all(isinstance(v, float) for v in trained.metrics.values())
    assert trained.metrics["n_rows"] == math.ceil(len(frame) * 0.25)
    assert trained.metrics["n_positives"] == _holdout_labels(frame, trained).sum()
    assert list(trained.holdout.columns) == [*FEATURES, "score"]
    assert trained.features == FEATURES
    assert 0.0 < trained.threshold < 1.0


def test_reaches_auc_above_0_9(trained: TrainedModel) -> None:
    assert trained.metrics["roc_auc"] >= 0.9
    assert trained.metrics["pr_auc"] > 0.3
    assert 0.4 <= trained.metrics["f1"] <= 0.85


def test_holdout_is_the_newest_quarter_and_scores_match(
    frame: pd.DataFrame, trained: TrainedModel
) -> None:
    n_hold = len(trained.holdout)
    newest = frame.iloc[-n_hold:].reset_index(drop=True)
    pd.testing.assert_frame_equal(trained.holdout.drop(columns="score"), newest[list(FEATURES)])
    np.testing.assert_array_equal(
        trained.holdout["score"].to_numpy(), score(trained.pipeline, newest, FEATURES)
    )


def test_threshold_has_best_f1_within_the_fpr_budget(
    frame: pd.DataFrame, trained: TrainedModel
) -> None:
    y = _holdout_labels(frame, trained)
    s = trained.holdout["score"].to_numpy()
    negatives = s[y == 0]
    fpr = float((negatives >= trained.threshold).mean())
    assert fpr <= 0.01
    assert trained.metrics["fpr"] == pytest.approx(fpr)
    # Brute force over every candidate: none within the budget has a better F1.
    best = max(f1_score(y, s >= t) for t in np.unique(s) if float((negatives >= t).mean()) <= 0.01)
    predicted = s >= trained.threshold
    assert trained.metrics["f1"] == pytest.approx(f1_score(y, predicted))
    assert trained.metrics["f1"] == pytest.approx(best)
    assert trained.metrics["positive_rate"] == pytest.approx(predicted.mean())


def test_choose_threshold_on_small_examples() -> None:
    y = np.array([0, 0, 1, 1], dtype=np.int8)
    s = np.array([0.1, 0.4, 0.35, 0.8])
    assert choose_threshold(y, s, 0.0) == 0.8
    assert choose_threshold(y, s, 0.5) == 0.35
    # 0.1 would flag everything (F1 0.67); 0.35 catches both frauds with one false alarm
    assert choose_threshold(y, s, 1.0) == 0.35
    # A negative outranks everything and no false positive is allowed: flag nothing.
    top_negative = np.array([0.9, 0.1, 0.5, 0.6])
    threshold = choose_threshold(y, top_negative, 0.0)
    assert threshold > 0.9
    assert not (top_negative >= threshold).any()


def test_skops_round_trip_reproduces_scores(frame: pd.DataFrame, trained: TrainedModel) -> None:
    data = sio.dumps(trained.pipeline)
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    fresh = generate_transactions(LATER, 1, 2_000, seed=99)
    np.testing.assert_array_equal(
        score(loaded, fresh, FEATURES), score(trained.pipeline, fresh, FEATURES)
    )


def test_score_selects_features_and_accepts_any_category_dtype(
    frame: pd.DataFrame, trained: TrainedModel
) -> None:
    sample = frame.iloc[:500]
    expected = score(trained.pipeline, sample, FEATURES)
    assert expected.dtype == np.float64
    assert expected.shape == (500,)
    assert ((expected >= 0) & (expected <= 1)).all()
    shuffled = sample[[*reversed(sample.columns)]].assign(extra=1)
    np.testing.assert_array_equal(score(trained.pipeline, shuffled, FEATURES), expected)
    categories = [name for name, kind in FEATURES.items() if kind == "category"]
    as_category = sample.astype(dict.fromkeys(categories, "category"))
    as_object = sample.astype(dict.fromkeys(categories, object))
    np.testing.assert_array_equal(score(trained.pipeline, as_category, FEATURES), expected)
    np.testing.assert_array_equal(score(trained.pipeline, as_object, FEATURES), expected)
    assert score(trained.pipeline, sample.iloc[:0], FEATURES).shape == (0,)


def test_unseen_category_and_missing_values_are_scored(trained: TrainedModel) -> None:
    drifted = generate_transactions(LATER, 2, 3_000, seed=5, drift=DriftSpec(data_drift_from=LATER))
    drifted.loc[drifted.index[:10], "merchant_category"] = None
    s = score(trained.pipeline, drifted, FEATURES)
    assert np.isfinite(s).all()
    # Mechanism unchanged: the model still ranks fraud well after data drift.
    assert roc_auc_score(drifted["is_fraud"], s) >= 0.9


def test_concept_drift_lowers_f1_at_the_threshold(trained: TrainedModel) -> None:
    def f1_on(drift: DriftSpec | None) -> float:
        later = generate_transactions(LATER, 5, 6_000, seed=8, drift=drift)
        flagged = score(trained.pipeline, later, FEATURES) >= trained.threshold
        return float(f1_score(later["is_fraud"], flagged))

    before = f1_on(None)
    after = f1_on(DriftSpec(concept_drift_from=LATER))
    assert before >= 0.4
    assert after < 0.35
    assert after < before - 0.2


def test_random_stratified_split_without_ts() -> None:
    small = generate_transactions(START, 5, 3_000, seed=1).drop(columns="ts")
    model = train_baseline(small, FEATURES, "is_fraud", seed=2)
    positives = small["is_fraud"].sum()
    assert model.metrics["n_rows"] == math.ceil(len(small) * 0.25)
    assert abs(model.metrics["n_positives"] - 0.25 * positives) <= 1
    assert model.metrics["roc_auc"] >= 0.85


def test_training_accepts_category_columns_and_bool_label_and_reports_progress() -> None:
    small = generate_transactions(START, 5, 3_000, seed=6)
    categories = [name for name, kind in FEATURES.items() if kind == "category"]
    small = small.astype(dict.fromkeys(categories, "category"))
    small["is_fraud"] = small["is_fraud"].astype(bool)
    seen: list[tuple[float, str]] = []
    model = train_baseline(small, FEATURES, "is_fraud", progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0
    assert fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert all(isinstance(m, str) and m for _, m in seen)
    assert model.metrics["roc_auc"] >= 0.85


def test_progress_callback_can_cancel() -> None:
    small = generate_transactions(START, 2, 2_000, seed=6)

    class Stop(Exception):
        pass

    def cancel(fraction: float, _message: str) -> None:
        if fraction > 0.2:
            raise Stop

    with pytest.raises(Stop):
        train_baseline(small, FEATURES, "is_fraud", progress=cancel)


@pytest.fixture(scope="module")
def tiny() -> pd.DataFrame:
    return generate_transactions(START, 1, 2_000, seed=1)


def test_empty_frame_is_rejected(tiny: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="no rows"):
        train_baseline(tiny.iloc[:0], FEATURES, "is_fraud")


def test_single_class_is_rejected(tiny: pd.DataFrame) -> None:
    legit = tiny[tiny["is_fraud"] == 0]
    with pytest.raises(ValueError, match="only one class"):
        train_baseline(legit, FEATURES, "is_fraud")


def test_missing_feature_column_is_rejected(tiny: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"missing feature column.*amount"):
        train_baseline(tiny.drop(columns="amount"), FEATURES, "is_fraud")
    with pytest.raises(ValueError, match=r"missing feature column.*country"):
        score(object(), tiny.drop(columns="country"), FEATURES)  # type: ignore[arg-type]


def test_other_bad_inputs_are_rejected(tiny: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="label column 'label' is missing"):
        train_baseline(tiny, FEATURES, "label")
    with pytest.raises(ValueError, match="unknown feature type"):
        train_baseline(tiny, {"amount": "float"}, "is_fraud")
    with pytest.raises(ValueError, match="0/1"):
        train_baseline(tiny.assign(is_fraud=tiny["is_fraud"] * 2), FEATURES, "is_fraud")
    with pytest.raises(ValueError, match="not numeric"):
        train_baseline(tiny.assign(amount="lots"), FEATURES, "is_fraud")
    with pytest.raises(ValueError, match="max_fpr"):
        train_baseline(tiny, FEATURES, "is_fraud", max_fpr=1.5)


@pytest.mark.parametrize("case", ["empty", "single", "missing"])
def test_error_messages_are_one_line(tiny: pd.DataFrame, case: str) -> None:
    bad = {
        "empty": tiny.iloc[:0],
        "single": tiny[tiny["is_fraud"] == 0],
        "missing": tiny.drop(columns="hour"),
    }[case]
    with pytest.raises(ValueError) as caught:  # noqa: PT011 - any message, one line
        train_baseline(bad, FEATURES, "is_fraud")
    assert str(caught.value)
    assert "\n" not in str(caught.value)
