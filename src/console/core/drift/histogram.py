"""The display histogram of a numeric column: both sides in 30 equal bins over their
central 98 %, for the Drift page's overlay.

The bins' range comes from the 1 % and 99 % points of every k-th value (a display needs
no exact quantile). A value's bin is ``ceil((x - lo) * 30 / (hi - lo))`` clipped to
1 .. 30, a non-decreasing function of x, so a bin count is a difference of "how many
values fall in bins <= j" for the 29 inner boundaries j, and that is found without
evaluating every value where the comparison already has more structure:

- a side that is **sorted** (the tie-heavy and small columns): a bisection over its
  positions per boundary (about 20 evaluations each);
- a side **counted into the reference's bucket grid** (:mod:`ecdf`; bucket numbers are
  non-decreasing in x too): the buckets wholly below a boundary come from the bucket
  counts, and only the values of the one or two buckets a boundary falls in are
  evaluated.

Both give exactly the counts of evaluating every value (the tests compare them); any
other side is evaluated value by value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from console.core.drift import ecdf, stats

HIST_BINS = 30
#: a boundary's buckets are those of x_j -/+ this share of the range (x_j: where the
#: bin formula reaches j); checked: the bin formula must be <= j and > j at those ends
_MARGIN = 1e-9


@dataclass(frozen=True)
class Side:
    """One side of a column as the histogram reads it: its values in the column's order
    (for the range), and where available the same values sorted, or counted into the
    reference's grid (each value's bucket, and the values in buckets < k)."""

    values: stats.FloatArray
    sorted_values: stats.FloatArray | None = None
    grid: ecdf.Grid | None = None
    idx: npt.NDArray[np.integer[Any]] | None = None
    before: stats.IntArray | None = None


def numeric_hist(ref: Side, cur: Side) -> dict[str, Any]:
    """Both sides' shares in the 30 bins, and the bins' edges."""
    lo_r, hi_r = _rough_range(ref.values)
    lo_c, hi_c = _rough_range(cur.values)
    lo, hi = min(lo_r, lo_c), max(hi_r, hi_c)
    if hi <= lo:
        hi = lo + 1.0
    return {
        "edges": np.linspace(lo, hi, HIST_BINS + 1).tolist(),
        "reference": stats.proportions(bin_counts(ref, lo, hi)).tolist(),
        "current": stats.proportions(bin_counts(cur, lo, hi)).tolist(),
    }


def _rough_range(values: stats.FloatArray) -> tuple[float, float]:
    """The 1 % and 99 % points of about 20 000 evenly spaced values."""
    sample = values[:: max(1, values.size // 20_000)]
    ranks = [int(0.01 * (sample.size - 1)), int(0.99 * (sample.size - 1))]
    low, high = np.partition(sample, ranks)[ranks]  # the same two values a sort would give
    return float(low), float(high)


def bins_of(values: stats.FloatArray, lo: float, hi: float) -> stats.FloatArray:
    """Each value's bin, 1 .. HIST_BINS (as floats): the one formula every path uses."""
    scaled = (values - lo) * (HIST_BINS / (hi - lo))
    np.ceil(scaled, out=scaled)
    np.clip(scaled, 1, HIST_BINS, out=scaled)
    return scaled


def bin_counts(side: Side, lo: float, hi: float) -> stats.IntArray:
    """The side's count in each of the HIST_BINS bins over [lo, hi] (values outside go
    to the end bins)."""
    n = side.values.size
    at_most = None
    if n and side.sorted_values is not None:
        at_most = _at_most_sorted(side.sorted_values, lo, hi)
    elif n and side.grid is not None:
        at_most = _at_most_counted(side, lo, hi)
    if at_most is None:
        return _counts_by_value(side.values, lo, hi)
    return np.diff(np.concatenate([[0], at_most, [n]])).astype(np.int64)


def _counts_by_value(values: stats.FloatArray, lo: float, hi: float) -> stats.IntArray:
    scaled = bins_of(values, lo, hi)
    scaled -= 1
    return np.bincount(scaled.astype(np.intp), minlength=HIST_BINS).astype(np.int64)


def _at_most_sorted(values: stats.FloatArray, lo: float, hi: float) -> stats.IntArray:
    """How many values fall in bins <= j, j = 1 .. HIST_BINS - 1, of sorted values:
    the first position whose bin exceeds j, by bisection (all boundaries at once)."""
    j = np.arange(1, HIST_BINS, dtype=np.float64)
    first, last = np.zeros(j.size, np.intp), np.full(j.size, values.size, np.intp)
    while np.any(first < last):
        mid = (first + last) // 2
        probe = np.minimum(mid, values.size - 1)
        above = bins_of(values[probe], lo, hi) > j
        searching = first < last
        last = np.where(searching & above, mid, last)
        first = np.where(searching & ~above, mid + 1, first)
    return first.astype(np.int64)


def _at_most_counted(side: Side, lo: float, hi: float) -> stats.IntArray | None:
    """The same for values counted into a grid: buckets wholly below a boundary from
    the counts, the values of the bucket(s) it falls in evaluated; None when a boundary
    cannot be placed safely (the caller then evaluates every value)."""
    grid, idx, before = side.grid, side.idx, side.before
    assert grid is not None
    assert idx is not None
    assert before is not None
    j = np.arange(1, HIST_BINS, dtype=np.float64)
    x = lo + j * ((hi - lo) / HIST_BINS)
    margin = _MARGIN * (hi - lo)
    below, above = x - margin, x + margin
    # the bin formula is non-decreasing: everything <= below is in bins <= j, everything
    # >= above in bins > j; check it holds at these points, else give up
    if not (np.all(bins_of(below, lo, hi) <= j) and np.all(bins_of(above, lo, hi) > j)):
        return None
    k_lo, k_hi = grid.index(below), grid.index(above)
    # buckets are non-decreasing in x too: buckets < k_lo hold only values < below,
    # buckets > k_hi only values > above; the buckets k_lo .. k_hi are evaluated
    edge = np.zeros(grid.buckets + 2, dtype=bool)
    for a, b in zip(k_lo.tolist(), k_hi.tolist(), strict=True):
        edge[a : b + 1] = True
    at = np.flatnonzero(ecdf.mark(edge, idx))
    bucket = idx[at]
    bins = bins_of(side.values[at], lo, hi)
    out = before[k_lo].astype(np.int64)
    for i in range(j.size):
        inside = (bucket >= k_lo[i]) & (bucket <= k_hi[i])
        out[i] += int(np.count_nonzero(inside & (bins <= j[i])))
    return out
