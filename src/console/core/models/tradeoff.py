"""Metrics at a threshold, the precision/recall/FPR trade-off curve, and the threshold rule.

The rule the guide sets: a false positive blocks a good customer, so the false positive
rate must stay at or below a limit (1 % by default); within it, catch as much fraud
as possible. :func:`threshold_for_recall` is the lowest threshold (highest recall) whose
FPR is within the limit. A row is flagged when ``score >= threshold``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
CURVE_POINTS = 200


def metrics_at(y: npt.NDArray[Any], scores: F64, threshold: float) -> dict[str, float]:
    """Counts and rates at ``threshold``; rank metrics when both classes are present."""
    y = np.asarray(y, dtype=np.int8)
    flagged = scores >= threshold
    tp = float(np.sum(flagged & (y == 1)))
    fp = float(np.sum(flagged & (y == 0)))
    positives = float(np.sum(y == 1))
    negatives = float(len(y)) - positives
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / positives if positives else 0.0
    out = {
        "n_rows": float(len(y)),
        "n_positives": positives,
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "fpr": fp / negatives if negatives else 0.0,
        "positive_rate": float(np.mean(flagged)) if len(y) else 0.0,
    }
    if positives and negatives:
        from sklearn.metrics import average_precision_score, roc_auc_score

        out["roc_auc"] = float(roc_auc_score(y, scores))
        out["pr_auc"] = float(average_precision_score(y, scores))
    return out


def _roc(y: npt.NDArray[Any], scores: F64) -> tuple[F64, F64, F64, float, float]:
    from sklearn.metrics import roc_curve

    fpr, tpr, thresholds = roc_curve(y, scores, drop_intermediate=False)
    positives = float(np.sum(y == 1))
    return fpr, tpr, thresholds, positives, float(len(y)) - positives


def threshold_for_recall(y: npt.NDArray[Any], scores: F64, max_fpr: float) -> float:
    """The threshold with the highest recall whose FPR is at most ``max_fpr``.

    Among thresholds of equal recall the highest (fewest false alarms) is taken. When
    even the top score exceeds the limit, the threshold is set just above it.
    """
    y = np.asarray(y, dtype=np.int8)
    if np.unique(y).size < 2:
        raise ValueError("both classes are needed to choose a threshold")
    fpr, tpr, thresholds, _, _ = _roc(y, scores)
    allowed = np.isfinite(thresholds) & (fpr <= max_fpr)
    if not allowed.any():
        return float(np.nextafter(np.max(scores), np.inf))
    best = np.max(tpr[allowed])
    candidates = np.flatnonzero(allowed & (tpr == best))
    return float(thresholds[candidates[0]])  # thresholds decrease: the first is the highest


def curve(y: npt.NDArray[Any], scores: F64, points: int = CURVE_POINTS) -> dict[str, list[float]]:
    """Precision, recall and FPR along thresholds (at most ``points`` of them)."""
    y = np.asarray(y, dtype=np.int8)
    if np.unique(y).size < 2:
        return {"threshold": [], "precision": [], "recall": [], "fpr": []}
    fpr, tpr, thresholds, positives, negatives = _roc(y, scores)
    keep = np.isfinite(thresholds)
    fpr, tpr, thresholds = fpr[keep], tpr[keep], thresholds[keep]
    if len(thresholds) > points:
        # more points where the FPR is small: the region the operator chooses in
        grid = np.unique(
            np.concatenate([np.geomspace(1e-5, 1, points // 2), np.linspace(0, 1, points // 2)])
        )
        idx = np.unique(np.clip(np.searchsorted(fpr, grid), 0, len(fpr) - 1))
        fpr, tpr, thresholds = fpr[idx], tpr[idx], thresholds[idx]
    tp = tpr * positives
    fp = fpr * negatives
    precision = np.divide(tp, tp + fp, out=np.ones_like(tp), where=(tp + fp) > 0)
    return {
        "threshold": [float(v) for v in thresholds],
        "precision": [float(v) for v in precision],
        "recall": [float(v) for v in tpr],
        "fpr": [float(v) for v in fpr],
    }
