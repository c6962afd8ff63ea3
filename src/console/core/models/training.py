"""Baseline training recipe for the fraud-scoring model.

One recipe, deliberately plain, so every model the console trains is comparable
and can be stored safely:

* **Split** - if the frame has a ``ts`` column the newest 25 % of rows (by
  ``ts``) are the holdout, which mimics scoring the future; otherwise a random
  stratified 25 % holdout.
* **Pipeline** - ``ColumnTransformer`` (numbers and integers: median
  ``SimpleImputer``; categories: ``OrdinalEncoder`` mapping unseen and missing
  values to NaN) followed by a ``HistGradientBoostingClassifier`` that treats the
  encoded columns as native categoricals and NaN as missing. Only standard
  scikit-learn/numpy types are used so the pipeline round-trips through
  ``skops.io`` without custom code.
* **Threshold** - chosen on the holdout as the lowest score threshold whose
  false-positive rate is at most ``max_fpr`` (see :func:`choose_threshold`):
  the alert budget is the constraint, and within it we catch as much fraud as
  possible.
* **Metrics** - computed on the holdout with ``sklearn.metrics``.

scikit-learn is imported lazily so importing ``console.core`` stays fast.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

__all__ = ["FEATURE_TYPES", "TrainedModel", "choose_threshold", "score", "train_baseline"]

FEATURE_TYPES = frozenset({"number", "integer", "category"})
"""Allowed values of a ``features`` mapping."""

HOLDOUT_FRACTION = 0.25
"""Share of rows kept out of training to choose the threshold and report metrics."""

Progress = Callable[[float, str], None]

# Model size: enough capacity for tabular fraud signals, small enough that
# 150,000 rows train in a few seconds on two cores.
_MAX_ITER = 200
_ITER_CHUNK = 50
_HGB_PARAMS: dict[str, Any] = {
    "learning_rate": 0.08,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
    "max_bins": 255,
    "early_stopping": False,
}


@dataclass(frozen=True)
class TrainedModel:
    """A fitted pipeline with its operating threshold and holdout evidence.

    ``metrics`` (all floats, on the holdout at ``threshold``): ``roc_auc``,
    ``pr_auc`` (average precision), ``f1``, ``precision``, ``recall``, ``fpr``,
    ``accuracy``, ``positive_rate`` (share of holdout rows flagged, i.e. the
    alert rate), ``n_rows`` and ``n_positives`` (actual positives in the
    holdout). ``holdout`` holds the holdout rows' feature columns, as given,
    plus ``score`` (predicted probability of class 1); it is the reference the
    monitoring compares live data and scores against.
    """

    pipeline: Pipeline
    threshold: float
    metrics: dict[str, float]
    features: dict[str, str]
    holdout: pd.DataFrame = field(repr=False)


def train_baseline(
    frame: pd.DataFrame,
    features: dict[str, str],
    label: str,
    *,
    max_fpr: float = 0.01,
    seed: int = 0,
    progress: Progress | None = None,
) -> TrainedModel:
    """Train the baseline pipeline on ``frame`` and evaluate it on a holdout.

    ``features`` maps column name to ``"number"``, ``"integer"`` or
    ``"category"``; only those columns are used. ``label`` must be 0/1 (or
    boolean) with both classes present. ``progress(fraction, message)`` is
    called with fractions from 0.0 to 1.0; it may raise (for example
    ``JobCancelled``) to abort training, and the exception propagates.

    Raises ``ValueError`` with a one-line message when the frame is empty, a
    feature or the label column is missing, a feature type is unknown, the
    label is not binary or has only one class, or a split lacks a class.
    """
    report = progress or _no_progress
    report(0.0, "checking data")
    _check_features(frame, features)
    if frame.empty:
        raise ValueError("cannot train: the frame has no rows")
    if label not in frame.columns:
        raise ValueError(f"cannot train: label column {label!r} is missing")
    if not 0.0 <= max_fpr <= 1.0:
        raise ValueError(f"max_fpr must be between 0 and 1, got {max_fpr}")
    y_all = _binary_label(frame[label], label)
    if np.unique(y_all).size < 2:
        raise ValueError(
            f"cannot train: label {label!r} has only one class ({int(y_all[0])}); "
            "need both fraud and non-fraud rows"
        )

    report(0.05, "splitting train and holdout")
    train_idx, hold_idx = _split(frame, y_all, seed)
    x_all = _feature_frame(frame, features)
    x_train, y_train = x_all.iloc[train_idx], y_all[train_idx]
    x_hold, y_hold = x_all.iloc[hold_idx], y_all[hold_idx]
    for part, y_part in (("training", y_train), ("holdout", y_hold)):
        if np.unique(y_part).size < 2:
            raise ValueError(
                f"cannot train: the {part} split has only one class; add more rows or positives"
            )

    report(0.1, "encoding features")
    preprocess, model = _make_steps(features, seed)
    with _thread_limit():
        xt_train = preprocess.fit_transform(x_train)
        # Grow the ensemble in chunks (warm start) so the caller sees real
        # progress and can cancel between chunks; the result equals one fit.
        for n_iter in range(_ITER_CHUNK, _MAX_ITER + 1, _ITER_CHUNK):
            model.set_params(max_iter=n_iter)
            model.fit(xt_train, y_train)
            report(0.1 + 0.75 * n_iter / _MAX_ITER, f"boosting {n_iter}/{_MAX_ITER} trees")
        model.set_params(warm_start=False)

        from sklearn.pipeline import Pipeline

        pipeline = Pipeline([("preprocess", preprocess), ("model", model)])
        report(0.9, "scoring holdout")
        hold_scores = _predict(pipeline, x_hold)
    threshold = choose_threshold(y_hold, hold_scores, max_fpr)
    metrics = _metrics(y_hold, hold_scores, threshold)

    holdout = frame.iloc[hold_idx].loc[:, list(features)].reset_index(drop=True)
    holdout["score"] = hold_scores
    report(1.0, f"done: holdout ROC AUC {metrics['roc_auc']:.3f}")
    return TrainedModel(
        pipeline=pipeline,
        threshold=threshold,
        metrics=metrics,
        features=dict(features),
        holdout=holdout,
    )


def score(
    pipeline: Pipeline, frame: pd.DataFrame, features: dict[str, str]
) -> npt.NDArray[np.float64]:
    """Return float64 probabilities of class 1 for every row of ``frame``.

    Selects and normalises the ``features`` columns exactly as training did, so
    ``score(model.pipeline, frame, model.features)`` is the one way to score.
    Raises ``ValueError`` when a feature column is missing.
    """
    _check_features(frame, features)
    if frame.empty:
        return np.empty(0, dtype=np.float64)
    x = _feature_frame(frame, features)
    with _thread_limit():
        return _predict(pipeline, x)


def feature_frame(frame: pd.DataFrame, features: dict[str, str]) -> pd.DataFrame:
    """The ``features`` columns of ``frame`` as the pipeline reads them (see :func:`score`)."""
    _check_features(frame, features)
    return _feature_frame(frame, features)


def choose_threshold(
    y_true: npt.NDArray[np.int8], scores: npt.NDArray[np.float64], max_fpr: float
) -> float:
    """The threshold with the best F1 among those whose false-positive rate is <= ``max_fpr``.

    A row is flagged when ``score >= threshold``. The candidates are the distinct
    scores (``sklearn.metrics.precision_recall_curve`` / ``roc_curve`` without
    dropping points). The FPR budget is a ceiling, not a target: spending all of it
    at ~1 % prevalence would add about as many false alarms as there are frauds and
    halve precision, so within the budget the threshold that balances precision and
    recall best (highest F1) is taken. If even the single highest score would exceed
    the budget, the threshold is set just above the highest score so nothing is
    flagged.
    """
    from sklearn.metrics import roc_curve

    fpr, tpr, thresholds = roc_curve(y_true, scores, drop_intermediate=False)
    allowed = np.isfinite(thresholds) & (fpr <= max_fpr)
    if not allowed.any():
        return float(np.nextafter(np.max(scores), np.inf))
    positives = float(np.sum(y_true == 1))
    negatives = float(len(y_true)) - positives
    true_pos = tpr * positives
    false_pos = fpr * negatives
    f1 = np.divide(
        2 * true_pos,
        true_pos + false_pos + positives,
        out=np.zeros_like(true_pos),
        where=(true_pos + false_pos + positives) > 0,
    )
    f1[~allowed] = -1.0
    return float(thresholds[int(np.argmax(f1))])


def _metrics(
    y_true: npt.NDArray[np.int8], scores: npt.NDArray[np.float64], threshold: float
) -> dict[str, float]:
    """Holdout metrics at ``threshold`` (see :class:`TrainedModel`)."""
    from sklearn.metrics import (
        accuracy_score,
        average_precision_score,
        confusion_matrix,
        f1_score,
        precision_score,
        recall_score,
        roc_auc_score,
    )

    y_pred = (scores >= threshold).astype(np.int8)
    tn, fp, _fn, _tp = confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()
    negatives = tn + fp
    return {
        "roc_auc": float(roc_auc_score(y_true, scores)),
        "pr_auc": float(average_precision_score(y_true, scores)),
        "f1": float(f1_score(y_true, y_pred, zero_division=0)),
        "precision": float(precision_score(y_true, y_pred, zero_division=0)),
        "recall": float(recall_score(y_true, y_pred, zero_division=0)),
        "fpr": float(fp / negatives) if negatives else 0.0,
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "positive_rate": float(y_pred.mean()),
        "n_rows": float(y_true.size),
        "n_positives": float(y_true.sum()),
    }


def make_steps(features: dict[str, str], seed: int) -> tuple[Any, Any]:
    """The recipe's unfitted preprocessing and classifier (the retraining searches around it)."""
    return _make_steps(features, seed)


def _make_steps(features: dict[str, str], seed: int) -> tuple[Any, Any]:
    """Unfitted preprocessing ColumnTransformer and boosting classifier.

    Numbers first, categories last, so the classifier's categorical columns
    are the trailing indices. Unseen or missing categories become NaN, which
    the classifier routes as missing instead of failing.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OrdinalEncoder

    numeric = [name for name, kind in features.items() if kind != "category"]
    categorical = [name for name, kind in features.items() if kind == "category"]
    transformers: list[tuple[str, Any, list[str]]] = []
    if numeric:
        transformers.append(("numeric", SimpleImputer(strategy="median"), numeric))
    if categorical:
        encoder = OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=np.nan,
            encoded_missing_value=np.nan,
            dtype=np.float64,
        )
        transformers.append(("categorical", encoder, categorical))
    preprocess = ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.0)
    categorical_idx = list(range(len(numeric), len(numeric) + len(categorical)))
    model = HistGradientBoostingClassifier(
        **_HGB_PARAMS,
        categorical_features=categorical_idx or None,
        max_iter=_MAX_ITER,
        warm_start=True,
        random_state=seed,
    )
    return preprocess, model


def _predict(pipeline: Pipeline, x: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Probability of class 1 as a contiguous float64 vector."""
    proba = pipeline.predict_proba(x)
    return np.ascontiguousarray(proba[:, 1], dtype=np.float64)


def _check_features(frame: pd.DataFrame, features: dict[str, str]) -> None:
    """Raise ``ValueError`` for an empty mapping, unknown types or missing columns."""
    if not features:
        raise ValueError("no features given")
    unknown = {name: kind for name, kind in features.items() if kind not in FEATURE_TYPES}
    if unknown:
        raise ValueError(
            f"unknown feature type(s) {unknown}; expected one of {sorted(FEATURE_TYPES)}"
        )
    missing = [name for name in features if name not in frame.columns]
    if missing:
        raise ValueError(f"missing feature column(s): {', '.join(missing)}")


def _feature_frame(frame: pd.DataFrame, features: dict[str, str]) -> pd.DataFrame:
    """Exactly the feature columns, in ``features`` order, in canonical dtypes.

    Numbers and integers become float64 (missing = NaN); categories become
    object columns of ``str`` with missing = NaN, whatever they arrived as
    (``object``, ``str``, ``category``, even integer codes). Training and
    scoring both go through here, so they always agree on the encoding.
    """
    columns: dict[str, Any] = {}
    for name, kind in features.items():
        col = frame[name]
        if kind == "category":
            missing = col.isna().to_numpy()
            text = col.astype(str).to_numpy(dtype=object)
            text[missing] = np.nan
            columns[name] = text
        else:
            try:
                columns[name] = pd.to_numeric(col).to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"feature {name!r} is declared {kind} but is not numeric") from exc
    return pd.DataFrame(columns, index=frame.index)


def _binary_label(column: pd.Series, label: str) -> npt.NDArray[np.int8]:
    """Label as an int8 0/1 vector; ``ValueError`` unless it is binary 0/1 or bool."""
    if column.isna().any():
        raise ValueError(f"cannot train: label {label!r} has missing values")
    try:
        values = np.asarray(column.to_numpy(dtype=np.float64), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot train: label {label!r} must be 0/1 or boolean") from exc
    if not np.isin(values, (0.0, 1.0)).all():
        raise ValueError(f"cannot train: label {label!r} must be 0/1 or boolean")
    return values.astype(np.int8)


def _split(
    frame: pd.DataFrame, y: npt.NDArray[np.int8], seed: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Positional indices of training and holdout rows.

    With a ``ts`` column: the newest ``HOLDOUT_FRACTION`` of rows by time
    (stable sort, so ties keep frame order) are the holdout. Without: a random
    split stratified on the label, reproducible through ``seed``.
    """
    n = len(frame)
    n_hold = math.ceil(n * HOLDOUT_FRACTION)
    if n_hold < 1 or n - n_hold < 1:
        raise ValueError(f"cannot train: {n} row(s) are too few to split train and holdout")
    if "ts" in frame.columns:
        order = np.argsort(frame["ts"].to_numpy(), kind="stable")
        return np.sort(order[: n - n_hold]), np.sort(order[n - n_hold :])

    from sklearn.model_selection import train_test_split

    positions = np.arange(n)
    try:
        train_idx, hold_idx = train_test_split(
            positions, test_size=n_hold, stratify=y, random_state=seed
        )
    except ValueError as exc:
        raise ValueError(f"cannot train: stratified split failed ({exc})") from exc
    return np.sort(train_idx), np.sort(hold_idx)


def thread_limit() -> contextlib.AbstractContextManager[Any]:
    """OpenMP threads capped as for training (see :func:`_thread_limit`)."""
    return _thread_limit()


def _thread_limit() -> contextlib.AbstractContextManager[Any]:
    """Cap scikit-learn's OpenMP threads at one less than the usable CPUs.

    The boosting code synchronises its OpenMP threads many times per tree. When
    every core is busy (the GUI thread, another job, a neighbour process) a
    thread that loses its core stalls the others, and training time became
    erratic in measurements (6 s to 80 s for 150,000 rows on two cores). One
    thread fewer than the CPUs keeps it steady and leaves a core for the GUI;
    on two cores that means one thread, which measured about as fast anyway.
    """
    # threadpoolctl is a scikit-learn dependency without type information.
    threadpoolctl = importlib.import_module("threadpoolctl")
    limiter: contextlib.AbstractContextManager[Any] = threadpoolctl.threadpool_limits(
        limits=_worker_threads(), user_api="openmp"
    )
    return limiter


def _worker_threads() -> int:
    """Usable CPUs (respecting affinity where the OS reports it) minus one, at least 1."""
    if hasattr(os, "sched_getaffinity"):
        available = len(os.sched_getaffinity(0))
    else:
        available = os.cpu_count() or 1
    return max(1, available - 1)


def _no_progress(_fraction: float, _message: str) -> None:
    """Default progress callback: ignore."""
