"""Estimated precision, recall, F1 and FPR from scores alone, before labels arrive.

Confidence-based performance estimation (as NannyML's CBPE): on a calibrated model a
row with probability ``p`` and decision ``d`` contributes ``p·d`` expected true
positives, ``(1-p)·d`` false positives, ``p·(1-d)`` false negatives and
``(1-p)·(1-d)`` true negatives. Scores are first calibrated by isotonic regression (as
CBPE does) on a labelled reference, the windows whose labels have mostly arrived, so a
model whose scores are not probabilities still gives sensible estimates. Every figure
from here is an *estimate* and is named ``est_*``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from console.core.monitoring.windows import F64, I64, LoggedRows, bincount

ESTIMATED: Final = ("est_precision", "est_recall", "est_f1", "est_fpr")
MIN_REFERENCE: Final = 1000
BINS: Final = 1000
QUANTILE_SAMPLE: Final = 200_000


@dataclass(frozen=True)
class Calibration:
    """Isotonic calibration: score knots (bin means) and the fraud rate at each,
    interpolated linearly between them."""

    knots: F64
    rates: F64
    reference_rows: int

    def apply(self, score: F64) -> F64:
        if len(self.knots) == 0:
            return np.clip(score, 0.0, 1.0)
        return np.interp(score, self.knots, self.rates)


def fit_calibration(score: F64, label: npt.NDArray[np.int8]) -> Calibration:
    """Isotonic regression of label on score over labelled reference rows; the identity
    when there are too few rows or one class only.

    The scores are first grouped into at most ``BINS`` quantile bins (ties kept
    together), then pool-adjacent-violators runs on the bins' fraud rates: the same
    step function as a full isotonic fit up to the bin resolution, in numpy time.
    """
    ok = ~np.isnan(score)
    score, label = score[ok], label[ok]
    if len(score) < MIN_REFERENCE or label.min(initial=0) == label.max(initial=0):
        return Calibration(np.zeros(0), np.zeros(0), len(score))
    step = max(len(score) // QUANTILE_SAMPLE, 1)  # bin edges from a systematic sample
    edges = np.unique(np.quantile(score[::step], np.linspace(0.0, 1.0, BINS + 1)))
    edges[0], edges[-1] = min(edges[0], score.min()), max(edges[-1], score.max())
    bins = np.clip(np.searchsorted(edges, score, side="right") - 1, 0, max(len(edges) - 2, 0))
    size = max(len(edges) - 1, 1)
    weight = bincount(bins, minlength=size).astype(np.float64)
    hits = bincount(bins, label.astype(np.float64), minlength=size)
    centre = bincount(bins, score, minlength=size)
    used = weight > 0
    rates = pool_adjacent_violators(hits[used] / weight[used], weight[used])
    return Calibration(centre[used] / weight[used], rates, len(score))


def pool_adjacent_violators(values: F64, weights: F64) -> F64:
    """The non-decreasing sequence closest to ``values`` in weighted least squares."""
    means: list[float] = []
    sizes: list[float] = []
    counts: list[int] = []
    for value, weight in zip(values.tolist(), weights.tolist(), strict=True):
        means.append(value)
        sizes.append(weight)
        counts.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            total = sizes[-2] + sizes[-1]
            merged = (means[-2] * sizes[-2] + means[-1] * sizes[-1]) / total
            means[-2:] = [merged]
            sizes[-2:] = [total]
            counts[-2:] = [counts[-2] + counts[-1]]
    return np.repeat(np.array(means), counts)


def estimate(
    groups: I64, n_groups: int, rows: LoggedRows, calibration: Calibration
) -> dict[str, F64]:
    """Expected confusion counts per group and the estimated metrics from them."""
    ok = ~np.isnan(rows.score)
    g = groups[ok]
    p = calibration.apply(rows.score[ok])
    d = rows.decision[ok].astype(np.float64)
    etp = bincount(g, p * d, n_groups)
    efp = bincount(g, (1 - p) * d, n_groups)
    efn = bincount(g, p * (1 - d), n_groups)
    etn = bincount(g, (1 - p) * (1 - d), n_groups)

    def ratio(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> F64:
        out = np.full(n_groups, np.nan)
        np.divide(a, b, out=out, where=b > 0)
        return out

    return {
        "est_precision": ratio(etp, etp + efp),
        "est_recall": ratio(etp, etp + efn),
        "est_f1": ratio(2 * etp, 2 * etp + efp + efn),
        "est_fpr": ratio(efp, efp + etn),
    }


def reference_mask(
    groups: I64, coverage: F64, rows: LoggedRows, min_coverage: float
) -> npt.NDArray[np.bool_]:
    """Labelled rows of windows whose labels have (mostly) arrived: the reference."""
    mature = np.nan_to_num(coverage, nan=0.0) >= min_coverage
    return mature[groups] & rows.labelled & ~rows.skewed
