"""The drift statistics, computed from sorted arrays and bin counts so the reference side
can be prepared once.

Every function here returns what scipy returns for the same data (the tests compare them
to 1e-9): :func:`ks_and_wasserstein` equals ``scipy.stats.ks_2samp`` (statistic and
p-value) and ``scipy.stats.wasserstein_distance``; :func:`js_distance` equals
``scipy.spatial.distance.jensenshannon`` (natural log); :func:`chi2_two_sample` is
``scipy.stats.chi2_contingency`` on the 2 x k table of reference and current counts.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from console.core.drift import buffers, ecdf, kolmogorov

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: scipy's ks_2samp computes an exact p-value up to this sample size ("auto" mode)
EXACT_KS_MAX_N = 10_000
#: floor for empty bins in PSI and Jensen-Shannon, so a bin seen on one side only is
#: a large but finite contribution
BIN_FLOOR = 1e-4


@dataclass(frozen=True)
class KsWasserstein:
    ks: float
    p_value: float
    wasserstein: float


def ks_and_wasserstein(ref_sorted: FloatArray, cur_sorted: FloatArray) -> KsWasserstein:
    """Two-sample KS (two-sided, scipy's "auto" p-value) and the Wasserstein-1 distance.

    Both inputs are sorted, finite and non-empty.
    """
    n1, n2 = ref_sorted.size, cur_sorted.size
    if max(n1, n2) <= EXACT_KS_MAX_N:
        from scipy import stats

        res = stats.ks_2samp(ref_sorted, cur_sorted)
        w = float(stats.wasserstein_distance(ref_sorted, cur_sorted))
        return KsWasserstein(float(res.statistic), float(res.pvalue), w)
    few = _few_distinct(ref_sorted)
    if few is not None:
        other = _few_distinct(cur_sorted)
        if other is not None:
            d, w = _ks_w_distinct(few, other, n1, n2)
            return KsWasserstein(d, ks_asymptotic_p(d, n1, n2), w)
    n = n1 + n2
    merged = np.concatenate([ref_sorted, cur_sorted])
    merged.sort(kind="stable")
    # c1[i]: reference values among the first i + 1 merged values (int32: n < 2**31)
    c1 = np.zeros(n, dtype=np.int32)
    c1[np.arange(n1) + np.searchsorted(cur_sorted, ref_sorted, side="left")] = 1
    np.cumsum(c1, out=c1)
    # cdf_diff = c1 / n1 - c2 / n2 with c2 = (i + 1) - c1: the same operations as scipy
    cdf_diff = c1.astype(np.float64)
    cdf_diff /= n1
    c2 = np.arange(1, n + 1, dtype=np.float64)
    c2 -= c1
    del c1
    c2 /= n2
    cdf_diff -= c2
    del c2
    # the CDFs are evaluated after the last of equal values, as searchsorted "right" does
    group_end = np.empty(n, dtype=bool)
    np.not_equal(merged[1:], merged[:-1], out=group_end[:-1])
    group_end[-1] = True
    ends = cdf_diff[group_end]
    del group_end
    d = max(float(ends.max()), float(np.clip(-ends.min(), 0, 1)))
    deltas = np.diff(merged)
    del merged
    diffs = np.abs(cdf_diff[:-1], out=cdf_diff[:-1])
    np.multiply(diffs, deltas, out=deltas)
    wasserstein = float(np.sum(deltas))
    return KsWasserstein(d, ks_asymptotic_p(d, n1, n2), wasserstein)


#: a side with at most one distinct value per this many values is compared by value
TIES = 16


def _few_distinct(sorted_values: FloatArray) -> tuple[FloatArray, IntArray] | None:
    """(distinct values, how many values are <= each) of a tie-heavy sorted sample."""
    ends = np.flatnonzero(sorted_values[1:] != sorted_values[:-1])
    if ends.size + 1 > sorted_values.size // TIES:
        return None
    ends = np.append(ends, sorted_values.size - 1)
    return sorted_values[ends], ends + 1


def _ks_w_distinct(
    ref: tuple[FloatArray, IntArray], cur: tuple[FloatArray, IntArray], n1: int, n2: int
) -> tuple[float, float]:
    """KS and Wasserstein from distinct values and cumulative counts: the same CDF
    differences scipy evaluates (after the last of equal values), without the ties."""
    values = np.union1d(ref[0], cur[0])
    cdfs = []
    for distinct, at_most, n in ((*ref, n1), (*cur, n2)):
        pos = np.searchsorted(distinct, values, side="right")
        counts = np.where(pos > 0, at_most[np.maximum(pos - 1, 0)], 0)
        cdfs.append(counts / n)
    diff = cdfs[0] - cdfs[1]
    d = max(float(diff.max()), float(np.clip(-diff.min(), 0, 1)))
    return d, float(np.sum(np.abs(diff[:-1]) * np.diff(values)))


def ks_and_wasserstein_unsorted(
    reference: FloatArray,
    grid: ecdf.Grid | None,
    current: FloatArray,
    *,
    ref_sorted: bool,
    cur_sorted: bool = False,
    counted: ecdf.Counted | None = None,
) -> KsWasserstein:
    """:func:`ks_and_wasserstein` of samples in any order: counted into the reference's
    bucket grid where that is exact and cheaper (``counted``: the current already
    counted into it), sorted otherwise."""
    n1, n2 = reference.size, current.size
    if grid is not None and max(n1, n2) > EXACT_KS_MAX_N:
        found = ecdf.ks_wasserstein(reference, grid, current, counted)
        if found is not None:
            d, w = found
            return KsWasserstein(d, ks_asymptotic_p(d, n1, n2), w)
    return ks_and_wasserstein(
        reference if ref_sorted else sorted_copy(reference),
        current if cur_sorted else sorted_copy(current),
    )


#: whole numbers spanning fewer values than this are sorted by counting them
COUNT_SORT_SPAN = 1 << 16
#: below this many values a plain sort is as quick
COUNT_SORT_MIN = 1 << 15


def sorted_copy(values: FloatArray) -> FloatArray:
    """``np.sort(values)`` of finite values, the same array bit for bit. Whole numbers
    over a short span (counts, ages, codes: the tie-heavy columns) are counted instead of
    sorted, three times quicker: the sorted array is each whole number repeated its count.
    A -0.0 among them (which a sort keeps) sends them to the plain sort."""
    n = values.size
    sample = values[:: max(1, n // 4096)]
    if n < COUNT_SORT_MIN or not np.array_equal(sample, np.rint(sample)):
        return np.sort(values)
    lo, hi = float(values.min()), float(values.max())
    if not (hi - lo < COUNT_SORT_SPAN and lo > -(2.0**52) and hi < 2.0**52):
        return np.sort(values)
    whole = np.rint(values, out=buffers.take("sort_keys", n, np.float64))
    mask = buffers.take("mask", n, np.bool_)
    if not np.equal(whole, values, out=mask).all():
        return np.sort(values)
    whole -= lo  # exact: whole numbers below 2**52
    keys = buffers.take("sort_index", n, np.intp)
    np.copyto(keys, whole, casting="unsafe")
    counts = np.bincount(keys, minlength=int(hi - lo) + 1)
    if lo <= 0 <= hi:  # every zero must be +0.0 (its bits all clear)
        plus_zeros = np.count_nonzero(np.equal(values.view(np.int64), 0, out=mask))
        if plus_zeros != counts[int(-lo)]:
            return np.sort(values)
    out: FloatArray = np.repeat(lo + np.arange(counts.size, dtype=np.float64), counts)
    return out


def ks_asymptotic_p(d: float, n1: int, n2: int) -> float:
    """scipy's two-sided asymptotic p-value for ks_2samp (used past EXACT_KS_MAX_N)."""
    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = m * n / (m + n)
    return kolmogorov.ks_sf(d, int(np.round(en)))


def quantile_edges(reference_sorted: FloatArray, bins: int) -> FloatArray:
    """Inner bin edges at the quantiles of a sorted reference (duplicates removed)."""
    if reference_sorted.size == 0:
        return np.empty(0)
    return np.unique(sorted_quantiles(reference_sorted, np.linspace(0, 1, bins + 1)[1:-1]))


def sorted_quantiles(sorted_values: FloatArray, qs: FloatArray) -> FloatArray:
    """``np.quantile(sorted_values, qs)`` (linear method, ``qs`` in [0, 1]) of a sorted,
    non-empty array: numpy's arithmetic step by step, with the order statistics read off
    by index instead of partitioning a copy (which costs tens of ms on tie-heavy data)."""
    n = sorted_values.size
    virtual = (n - 1) * np.asarray(qs, dtype=np.float64)
    below = np.floor(virtual)
    gamma = virtual - below
    last = virtual >= n - 1  # numpy takes the last value for both neighbours there
    at = below.astype(np.intp)
    at[last] = n - 1
    nxt = np.minimum(at + 1, n - 1)
    a, b = sorted_values[at], sorted_values[nxt]
    diff = b - a
    out: FloatArray = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


def bin_counts(values: FloatArray, edges: FloatArray) -> IntArray:
    """Counts in the bins (-inf, e0], (e0, e1], ..., (ek, inf) of finite values in any
    order (one comparison pass per edge)."""
    below = buffers.take("mask", values.size, np.bool_)  # one buffer for every edge
    at_most = [0]
    at_most += [int(np.count_nonzero(np.less_equal(values, e, out=below))) for e in edges]
    at_most.append(values.size)
    return np.array([b - a for a, b in itertools.pairwise(at_most)], dtype=np.int64)


def std(values: FloatArray, scratch: FloatArray) -> float:
    """``values.std()`` with numpy's arithmetic step by step, the deviations written into
    ``scratch`` (as large as ``values``) instead of a fresh array."""
    n = values.size
    mean = np.add.reduce(values, keepdims=True)
    np.true_divide(mean, n, out=mean)
    deviations = np.subtract(values, mean, out=scratch)
    np.square(deviations, out=deviations)
    return float(np.sqrt(np.add.reduce(deviations) / n))


def proportions(counts: npt.NDArray[np.int64] | FloatArray) -> FloatArray:
    total = float(np.sum(counts))
    if total == 0:
        return np.zeros(len(counts))
    return np.asarray(counts, dtype=np.float64) / total


def psi(ref_counts: IntArray, cur_counts: IntArray) -> float:
    """Population stability index over matching bins; empty bins floored at BIN_FLOOR."""
    p = np.maximum(proportions(ref_counts), BIN_FLOOR)
    q = np.maximum(proportions(cur_counts), BIN_FLOOR)
    return float(np.sum((q - p) * np.log(q / p)))


def js_distance(ref_counts: IntArray, cur_counts: IntArray) -> float:
    """Jensen-Shannon distance (natural log), as scipy's jensenshannon of the counts."""
    p = proportions(ref_counts)
    q = proportions(cur_counts)
    m = (p + q) / 2.0
    left = _rel_entr(p, m)
    right = _rel_entr(q, m)
    js = (np.sum(left) + np.sum(right)) / 2.0
    return float(np.sqrt(max(js, 0.0)))


def _rel_entr(x: FloatArray, y: FloatArray) -> FloatArray:
    out = np.zeros_like(x)
    pos = x > 0
    out[pos] = x[pos] * np.log(x[pos] / y[pos])
    return out


@dataclass(frozen=True)
class ChiSquare:
    statistic: float
    p_value: float
    dof: int


def chi2_two_sample(ref_counts: IntArray, cur_counts: IntArray) -> ChiSquare:
    """Chi-square test of homogeneity on the 2 x k table (categories seen on either side).

    The same arithmetic as ``scipy.stats.chi2_contingency`` (Yates' correction when there
    is one degree of freedom), with the p-value from ``scipy.special.chdtrc``.
    """
    from scipy.special import chdtrc

    table = np.vstack([ref_counts, cur_counts]).astype(np.float64)
    table = table[:, table.sum(axis=0) > 0]
    rows = table.sum(axis=1)
    if table.shape[1] < 2 or not np.all(rows > 0):
        return ChiSquare(0.0, 1.0, 0)
    expected = np.multiply(rows[:, None], table.sum(axis=0)[None, :]) / table.sum()
    dof = table.shape[1] - 1
    if dof == 1:
        diff = expected - table
        table = table + np.minimum(0.5, np.abs(diff)) * np.sign(diff)
    statistic = float(((table - expected) ** 2 / expected).sum(axis=None))
    return ChiSquare(statistic, float(chdtrc(dof, statistic)), dof)


def adjust_p_values(p_values: list[float], method: str) -> list[float]:
    """Correct p-values across columns: "none", "bonferroni" or "holm" (step-down)."""
    m = len(p_values)
    if method == "none" or m == 0:
        return list(p_values)
    if method == "bonferroni":
        return [min(1.0, p * m) for p in p_values]
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None
