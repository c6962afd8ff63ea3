"""Classification metrics per group (time window or segment), vectorised with numpy.

:func:`group_metrics` takes a group index per row and returns one value per group for
each metric, equal to scikit-learn's on the same rows. A metric that is undefined on a
group (no labels, one class only, nothing flagged) is NaN and the group's ``status``
says why; a group with fewer than ``min_labels`` labelled rows is "too_few_labels" and
its label-based metrics are NaN rather than a misleading number.

ROC AUC and average precision (PR AUC) use no full sort: per group the few positive
scores are sorted and each negative is placed among them with ``searchsorted``.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt

from console.core.monitoring.windows import F64, I64, LoggedRows, bincount

LABEL_METRICS: Final = ("f1", "precision", "recall", "fpr", "accuracy", "roc_auc", "pr_auc")
COUNTS: Final = ("n", "labelled", "tp", "fp", "fn", "tn", "skewed", "nan_scores")
STATUS_TEXT: Final = {
    "ok": "",
    "no_rows": "no predictions in this window",
    "no_labels": "no labels have arrived for this window yet",
    "too_few_labels": "too few labels for a reliable figure",
    "one_class": "labels are all one class: F1, recall and AUC are undefined",
}


def _ratio(num: npt.NDArray[Any], den: npt.NDArray[Any]) -> F64:
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def group_metrics(
    groups: I64,
    n_groups: int,
    rows: LoggedRows,
    *,
    min_labels: int = 1,
) -> dict[str, npt.NDArray[np.float64] | list[str]]:
    """Counts, metrics and a status per group (see the module docstring)."""
    n = bincount(groups, minlength=n_groups).astype(np.float64)
    usable = rows.labelled & ~rows.skewed
    g = groups[usable]
    y = rows.label[usable].astype(np.int64)
    d = rows.decision[usable].astype(np.int64)
    cells = bincount(g * 4 + y * 2 + d, minlength=n_groups * 4).reshape(n_groups, 4)
    tn, fp, fn, tp = (cells[:, i].astype(np.float64) for i in range(4))
    labelled = tn + fp + fn + tp
    out: dict[str, npt.NDArray[np.float64] | list[str]] = {
        "n": n,
        "labelled": labelled,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "skewed": bincount(groups[rows.skewed], minlength=n_groups).astype(np.float64),
        "nan_scores": bincount(groups[np.isnan(rows.score)], minlength=n_groups).astype(np.float64),
    }
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    out["precision"] = precision
    out["recall"] = recall
    out["f1"] = _ratio(2 * tp, 2 * tp + fp + fn)
    out["fpr"] = _ratio(fp, fp + tn)
    out["accuracy"] = _ratio(tp + tn, labelled)
    out["positive_rate"] = _ratio(bincount(groups, rows.decision, n_groups), n)
    out["fraud_rate"] = _ratio(tp + fn, labelled)
    out["label_coverage"] = _ratio(labelled, n)
    timed = usable if rows.delay_known is None else usable & rows.delay_known
    delay_h = (rows.labelled_at[timed] - rows.ts[timed]) / 3.6e9
    timed_n = bincount(groups[timed], minlength=n_groups)
    out["label_delay_h"] = _ratio(bincount(groups[timed], delay_h, n_groups), timed_n)
    scored = ~np.isnan(rows.score[usable])
    roc, ap = _ranking_metrics(g[scored], n_groups, rows.score[usable][scored], y[scored])
    out["roc_auc"], out["pr_auc"] = roc, ap
    status = []
    for i in range(n_groups):
        if n[i] == 0:
            status.append("no_rows")
        elif labelled[i] == 0:
            status.append("no_labels")
        elif labelled[i] < min_labels:
            status.append("too_few_labels")
        elif tp[i] + fn[i] == 0 or fp[i] + tn[i] == 0:
            status.append("one_class")
        else:
            status.append("ok")
    withheld = np.array([s in ("too_few_labels", "no_labels", "no_rows") for s in status], bool)
    no_fraud = (tp + fn == 0) & ~withheld
    for name in LABEL_METRICS:
        values = out[name]
        assert isinstance(values, np.ndarray)
        values[withheld] = np.nan
        if name in ("f1", "recall"):  # without any fraud they are undefined, not 0
            values[no_fraud] = np.nan
    out["status"] = status
    return out


def _ranking_metrics(
    groups: I64, n_groups: int, score: F64, label: npt.NDArray[np.int64]
) -> tuple[F64, F64]:
    """ROC AUC and average precision per group (NaN where a group lacks a class)."""
    roc = np.full(n_groups, np.nan)
    ap = np.full(n_groups, np.nan)
    if len(groups) == 0:
        return roc, ap
    order = np.argsort(groups, kind="stable") if np.any(np.diff(groups) < 0) else None
    if order is not None:
        groups, score, label = groups[order], score[order], label[order]
    bounds = np.searchsorted(groups, np.arange(n_groups + 1))
    for i in range(n_groups):
        lo, hi = bounds[i], bounds[i + 1]
        if hi - lo < 2:
            continue
        s, y = score[lo:hi], label[lo:hi]
        pos = np.sort(s[y == 1])
        neg = s[y == 0]
        if len(pos) == 0 or len(neg) == 0:
            continue
        roc[i], ap[i] = _auc_pair(pos, neg)
    return roc, ap


def _auc_pair(pos: F64, neg: F64) -> tuple[float, float]:
    """ROC AUC (ties count half) and average precision from sorted positives."""
    uniq, counts = np.unique(pos, return_counts=True)
    k = len(uniq)
    right = np.searchsorted(uniq, neg, side="right")
    left = np.searchsorted(uniq, neg, side="left")
    per_bin = bincount(right, minlength=k + 1)
    pos_above = np.concatenate([np.cumsum(counts[::-1])[::-1], [0]])  # positives >= uniq[j]
    greater = float(np.dot(per_bin, pos_above))  # positives strictly above each negative
    tie = right != left
    ties = float(np.dot(counts, bincount(right[tie] - 1, minlength=k)[:k])) if tie.any() else 0
    roc = (greater + 0.5 * ties) / (len(pos) * len(neg))
    neg_at_or_above = np.cumsum(per_bin[::-1])[::-1][1:]  # negatives >= uniq[j]
    tp = pos_above[:k].astype(np.float64)
    precision = tp / (tp + neg_at_or_above)
    ap = float(np.sum(counts / len(pos) * precision))
    return float(roc), ap


def column_rows(table: dict[str, npt.NDArray[np.float64] | list[str]]) -> list[dict[str, object]]:
    """A metric table as one dict per group (NaN as None), e.g. for JSON."""
    names = list(table)
    count = len(table["status"])
    rows: list[dict[str, object]] = []
    for i in range(count):
        row: dict[str, object] = {}
        for name in names:
            value = table[name][i]
            if name in COUNTS:
                row[name] = int(value)
            elif isinstance(value, float | np.floating):
                row[name] = None if np.isnan(value) else float(value)
            else:
                row[name] = value
        rows.append(row)
    return rows
