"""Exact KS and Wasserstein distances, and reference quantiles, without sorting.

Sorting a million values costs ~50 ms; the comparison itself need not. The reference
(profiled once, cached) defines a fine grid of equal-width buckets over its central
99.8 %, reaching half that range further on each side, plus one open bucket at each
end. Values are only *counted* into the buckets (one multiply and a bincount). From
the counts, both empirical CDFs are known exactly at every bucket boundary, which gives

- a lower bound on the KS statistic (the largest difference at a boundary: a value the
  difference really takes) and, per bucket, an upper bound on the difference inside it;
- per bucket, whether ``F_ref - F_cur`` keeps one sign, in which case its integral over
  the bucket (the Wasserstein-1 contribution) follows from the bucket's counts and sums;
- which bucket holds the reference's k-th smallest value, so a quantile needs only
  that bucket's few values sorted (:func:`order_statistics`).

Only the buckets where the KS bound could be beaten or the sign changes are "refined":
their values (typically 1-5 % of the data) are sorted and merged exactly as scipy does.
If refinement would touch more than :data:`MAX_REFINED_SHARE` of the data, the caller
sorts everything instead; a reference whose values pile up in one bucket (ties) gets
no grid. The KS statistic is bit-for-bit the one of ``scipy.stats.ks_2samp`` (the same
integer counts divided the same way); the Wasserstein distance equals
``scipy.stats.wasserstein_distance`` up to summation order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from console.core.drift import buffers

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: buckets over the reference's central range: BUCKETS_PER_ROOT * sqrt(n), at most n / 2
#: (the share of buckets a sign change makes ambiguous falls as the buckets per value
#: grow like sqrt(n): ~2 % at any n; more buckets would only cost counting time)
BUCKETS_PER_ROOT = 64
MAX_BUCKETS = 1 << 18
#: the grid reaches this share of the central range beyond it on each side, so a
#: current sample that moved or spread out still lands in buckets, not in the open ends
REACH = 0.5
#: above this share of refined values the plain sort-and-merge is cheaper
MAX_REFINED_SHARE = 0.25
#: the grid spans the reference between these quantiles; the rest go to the open buckets
TAIL = 0.001
#: the grid's ends are read off every k-th value, k chosen for about this many
SAMPLE = 65_536
#: a bucket holding more than this share of the reference means ties: no grid
CROWDED = 0.002
#: a bucket holding more than this share of the reference's sample: ties, surely
SAMPLE_CROWDED = 4 * CROWDED


@dataclass(frozen=True)
class Grid:
    """Buckets ``0`` (below the grid), ``1..buckets`` (equal width in ``u``), ``buckets +
    1`` (above), and the reference's count and sum of ``x - lo`` in each.

    ``u`` is x itself, or for skewed data of one sign the float's bit pattern read as an
    integer: exactly monotone, and about logarithmic, so amounts spread over many orders
    of magnitude still fill the buckets evenly.
    """

    lo: float  # x at the grid's lower end; sums are of x - lo
    u_lo: float
    scale: float  # buckets per unit of u
    buckets: int
    keyed: bool
    ref_before: IntArray  # reference values in buckets < k, for k = 0 .. buckets + 2
    ref_tsum: FloatArray  # sum of (x - lo) per bucket
    t_min: float  # smallest and largest reference x - lo
    t_max: float
    ref_idx: npt.NDArray[np.int32]  # each reference value's bucket, in its order

    def index(
        self,
        x: FloatArray,
        scratch: FloatArray | None = None,
        out: npt.NDArray[np.intp] | None = None,
    ) -> npt.NDArray[np.intp]:
        """The bucket of each value: monotone in x, so every bucket is an interval.

        ``scratch`` (as large as ``x``) is used for the arithmetic, and is garbage after;
        ``out`` (as large as ``x``) receives the buckets.
        """
        u = _key(x) if self.keyed else x
        scaled = np.subtract(u, self.u_lo, out=scratch, dtype=np.float64)
        scaled *= self.scale
        np.floor(scaled, out=scaled)
        np.clip(scaled, -1, self.buckets, out=scaled)
        if out is None:
            out = scaled.astype(np.intp)
        else:
            np.copyto(out, scaled, casting="unsafe")  # whole numbers: exact, as astype
        out += 1
        return out

    def starts(self) -> FloatArray:
        """Where each bucket starts, as x - lo (bucket 0: minus infinity)."""
        u = np.arange(self.buckets + 2, dtype=np.float64)
        u -= 1.0
        u /= self.scale
        u += self.u_lo
        if self.keyed:
            np.round(u, out=u)
            u = _unkey(u.astype(np.int64))
        u[0] = -np.inf
        u -= self.lo
        return u


def _key(x: FloatArray) -> npt.NDArray[np.int64]:
    """Integers ordered as the floats are (-0.0 is +0.0)."""
    bits = (x + 0.0).view(np.int64)
    flip = bits >> 63
    flip &= np.int64(0x7FFFFFFFFFFFFFFF)
    bits ^= flip
    return bits


def _unkey(keys: npt.NDArray[np.int64]) -> FloatArray:
    bits = keys ^ ((keys >> 63) & np.int64(0x7FFFFFFFFFFFFFFF))
    return bits.view(np.float64)


def make_grid(reference: FloatArray, scratch: FloatArray | None = None) -> Grid | None:
    """The grid for a finite reference in any order; None when
    the reference's centre is a single value or a few values hold much of it (ties:
    buckets cannot split a value, and such data sorts quickly). ``scratch``: a buffer
    as large as the reference, garbage after."""
    n = reference.size
    if n == 0:
        return None
    sample = reference[:: max(1, n // SAMPLE)]
    ranks = [int(TAIL * (sample.size - 1)), int(np.ceil((1 - TAIL) * (sample.size - 1)))]
    lo, hi = (float(v) for v in np.partition(sample, ranks)[ranks])
    if not hi > lo or not np.isfinite(hi - lo):
        return None
    central = int(min(MAX_BUCKETS, n // 2, max(64, BUCKETS_PER_ROOT * np.sqrt(n))))
    buckets = int(central * (1 + 2 * REACH))
    scale = central / (hi - lo)
    plain = _empty(lo, lo - REACH * central / scale, scale, buckets, keyed=False)
    one_sign = lo >= 0 or hi <= 0
    if _crowds(plain, sample):
        if not one_sign:
            return None
        k_lo, k_hi = (float(k) for k in _key(np.array([lo, hi])))
        k_scale = central / (k_hi - k_lo)
        if _crowds(_empty(lo, k_lo - REACH * central / k_scale, k_scale, buckets, True), sample):
            return None  # ties: no grid would do, so spare building both
    scratch = np.empty_like(reference) if scratch is None else scratch
    built = _build(reference, plain, scratch)
    fullest = _fullest(built)
    if fullest > 0.01 * n and one_sign:  # skewed, one sign: logarithmic grid
        k_lo, k_hi = (float(k) for k in _key(np.array([lo, hi])))
        scale = central / (k_hi - k_lo)
        geometry = _empty(lo, k_lo - REACH * central / scale, scale, buckets, True)
        keyed = _build(reference, geometry, scratch)
        if _fullest(keyed) < fullest:
            built, fullest = keyed, _fullest(keyed)
    return None if fullest > CROWDED * n else built


def _crowds(grid: Grid, sample: FloatArray) -> bool:
    """Whether one bucket of ``grid`` holds more than SAMPLE_CROWDED of ``sample``: then
    (ties) the whole reference would crowd it too, and building it would be wasted."""
    fullest = int(np.bincount(grid.index(sample), minlength=grid.buckets + 2).max())
    return fullest > SAMPLE_CROWDED * sample.size


def _fullest(grid: Grid) -> int:
    before = grid.ref_before
    counts = buffers.take("counts1", before.size - 1, np.int64)
    return int(np.subtract(before[1:], before[:-1], out=counts).max())


def _empty(lo: float, u_lo: float, scale: float, buckets: int, keyed: bool) -> Grid:
    """A grid's geometry without any counts (enough for :meth:`Grid.index`)."""
    none = np.empty(0, np.int32)
    return Grid(lo, u_lo, scale, buckets, keyed, none.astype(np.int64), np.empty(0), 0, 0, none)


def _build(reference: FloatArray, empty: Grid, scratch: FloatArray) -> Grid:
    """The grid of geometry ``empty`` with the reference's counts and sums."""
    lo, u_lo, scale, buckets, keyed = empty.lo, empty.u_lo, empty.scale, empty.buckets, empty.keyed
    idx = empty.index(reference, scratch, buffers.take("index", reference.size, np.intp))
    t = np.subtract(reference, lo, out=scratch)  # one buffer for both: fewer fresh pages
    before = np.zeros(buckets + 3, dtype=np.int64)
    np.cumsum(np.bincount(idx, minlength=buckets + 2), out=before[1:])
    tsum: FloatArray = np.bincount(idx, weights=t, minlength=buckets + 2).astype(
        np.float64, copy=False
    )
    t_min, t_max = float(t.min()), float(t.max())
    return Grid(lo, u_lo, scale, buckets, keyed, before, tsum, t_min, t_max, idx.astype(np.int32))


def order_statistics(reference: FloatArray, grid: Grid, ranks: npt.NDArray[np.intp]) -> FloatArray:
    """The reference's ``ranks``-th smallest values (0-based): found through the bucket
    counts, with only the buckets that hold them sorted."""
    where = np.searchsorted(grid.ref_before, ranks, side="right") - 1
    wanted = np.zeros(grid.buckets + 2, dtype=bool)
    wanted[where] = True
    # buckets are intervals: the chosen values sorted are sorted by bucket too
    values = np.sort(reference[mark(wanted, grid.ref_idx)])
    buckets = np.flatnonzero(wanted)  # the few chosen buckets, in order
    sizes = grid.ref_before[buckets + 1] - grid.ref_before[buckets]
    chosen_before = np.cumsum(sizes) - sizes  # chosen values in the chosen buckets before
    at = np.searchsorted(buckets, where)
    out: FloatArray = values[chosen_before[at] + ranks - grid.ref_before[where]]
    return out


def quantiles(reference: FloatArray, grid: Grid, qs: FloatArray) -> FloatArray:
    """``np.quantile(reference, qs)`` (linear interpolation between order statistics)."""
    n = reference.size
    q = np.asarray(qs, dtype=np.float64)
    h = n * q + (1.0 - q) - 1.0  # numpy's virtual index for the linear method
    below = np.floor(h).astype(np.intp)
    above = np.minimum(below + 1, n - 1)
    stats = order_statistics(reference, grid, np.concatenate([below, above]))
    a, b = stats[: below.size], stats[below.size :]
    frac = h - below
    out: FloatArray = np.where(frac >= 0.5, b - (b - a) * (1 - frac), a + (b - a) * frac)
    return out


@dataclass(frozen=True)
class Counted:
    """A sample counted into a grid: each value's bucket, and the values in buckets < k
    for k = 0 .. buckets + 2 (what the KS test and the display histogram read)."""

    idx: npt.NDArray[np.intp]
    counts: IntArray
    before: IntArray
    t: FloatArray  # each value's x - lo


def count(grid: Grid, values: FloatArray) -> Counted:
    scratch = buffers.take("scratch", values.size, np.float64)
    idx = grid.index(values, scratch, buffers.take("index", values.size, np.intp))
    t = np.subtract(values, grid.lo, out=scratch)  # one buffer for both
    counts = np.bincount(idx, minlength=grid.buckets + 2)
    before = buffers.take("before", grid.buckets + 3, np.int64)
    before[0] = 0
    np.cumsum(counts, out=before[1:])
    return Counted(idx, counts, before, t)


def mark(chosen: npt.NDArray[np.bool_], idx: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.bool_]:
    """``chosen[idx]``: whether each value's bucket is chosen (in the thread's "mask"
    buffer: valid until the next call)."""
    out = buffers.take("mask", idx.size, np.bool_)
    if idx.dtype != np.intp:  # numpy would widen it into a fresh array each time
        wide = buffers.take("wide_index", idx.size, np.intp)
        np.copyto(wide, idx)
        idx = wide
    return np.take(chosen, idx, out=out, mode="clip")  # idx is in range: clip changes nothing


def ks_wasserstein(
    reference: FloatArray, grid: Grid, current: FloatArray, counted: Counted | None = None
) -> tuple[float, float] | None:
    """(KS statistic, Wasserstein-1) of two finite samples in any order, the first with
    its grid (``counted``: the current already counted into it); None when too much
    would need refining (the caller then sorts)."""
    n1, n2 = reference.size, current.size
    b = grid.buckets
    counted = counted or count(grid, current)
    idx, counts2, before2, t = counted.idx, counted.counts, counted.before, counted.t
    tsum2 = np.bincount(idx, weights=t, minlength=b + 2)
    before1 = grid.ref_before
    # bucket-sized arrays come from the thread's buffers (see buffers): fresh ones would
    # cost more in page faults than their arithmetic
    f1, f2, f3, f4, f5 = (buffers.take(f"bucket{i}", b + 3, np.float64) for i in range(1, 6))
    share1 = np.divide(before1, n1, out=f1)
    share2 = np.divide(before2, n2, out=f2)
    # the CDF difference entering bucket k (= after the last value of the buckets before)
    d_in = np.subtract(share1, share2, out=f3)
    ks_low = max(float(d_in.max()), -float(d_in.min()))  # the largest |d_in|
    # the largest difference inside bucket k, and the smallest
    upper = np.subtract(share1[1:], share2[:-1], out=f4[: b + 2])
    lower = np.subtract(share1[:-1], share2[1:], out=f5[: b + 2])
    one_sign = (lower >= 0) | (upper <= 0)
    refine = (upper > ks_low) | (lower < -ks_low) | ~one_sign
    counts1 = np.subtract(before1[1:], before1[:-1], out=buffers.take("counts1", b + 2, np.int64))
    if (
        counts1[refine].sum() > MAX_REFINED_SHARE * n1
        or counts2[refine].sum() > MAX_REFINED_SHARE * n2
    ):
        return None
    # bucket k spans [start_k, start_{k+1}) in t = x - lo; the open buckets end at the data
    starts = grid.starts()
    starts[0] = min(grid.t_min, float(t.min()))
    ends = f1[: b + 2]
    ends[:-1] = starts[1:]
    ends[-1] = max(grid.t_max, float(t.max()))
    # one-sign buckets: the integral of F1 - F2 from counts and sums
    integral = np.subtract(ends, starts, out=f4[: b + 2])  # the width first
    integral *= d_in[:-1]
    term = np.multiply(counts1, ends, out=f2[: b + 2])
    term -= grid.ref_tsum
    term /= n1
    integral += term
    np.multiply(counts2, ends, out=term)
    term -= tsum2
    term /= n2
    integral -= term
    kept = np.compress(~refine, integral, out=f5[: b + 2 - int(np.count_nonzero(refine))])
    wasserstein = float(np.abs(kept, out=kept).sum())
    ks = ks_low
    if refine.any():
        ks_ref, w_ref = _refined(
            reference, grid, (current, t, idx), refine, (before2, d_in), (starts, ends)
        )
        ks = max(ks, ks_ref)
        wasserstein += w_ref
    return ks, wasserstein


def _refined(  # noqa: PLR0917
    reference: FloatArray,
    grid: Grid,
    cur: tuple[FloatArray, FloatArray, npt.NDArray[np.intp]],
    refine: npt.NDArray[np.bool_],
    cdf: tuple[IntArray, FloatArray],
    span: tuple[FloatArray, FloatArray],
) -> tuple[float, float]:
    """Exact KS and Wasserstein contributions of the refined buckets (sort and merge).

    ``cur`` is the current values with their ``x - lo`` and buckets, ``cdf`` the current
    counts before each bucket and the CDF difference entering it, ``span`` the buckets'
    starts and ends in ``x - lo``.
    """
    current, t, idx = cur
    before2, d_in = cdf
    starts, ends = span
    n1, n2 = reference.size, current.size
    before1 = grid.ref_before
    # the few refined values by position: one pass over each side, then small gathers
    cur_at = np.flatnonzero(mark(refine, idx))
    ref_idx = grid.ref_idx
    ref_at = np.flatnonzero(mark(refine, ref_idx))
    ref_x = reference[ref_at]
    x = np.concatenate([ref_x, current[cur_at]])
    # buckets are intervals of x, so sorting by value also sorts by bucket. The order
    # among equal values does not matter: KS is read after the last of them, and the
    # Wasserstein term of every value but the last of them is |diff| * 0
    order = np.argsort(x)
    x = x[order]
    ts = np.concatenate([ref_x - grid.lo, t[cur_at]])[order]
    k = np.concatenate([ref_idx[ref_at], idx[cur_at]])[order]
    is_ref = (order < ref_x.size).astype(np.int64)
    # counts up to each value: those before its bucket plus those seen in it so far
    seen1 = np.cumsum(is_ref)
    seen2 = np.arange(1, x.size + 1) - seen1
    first = np.ones(x.size, dtype=bool)
    first[1:] = k[1:] != k[:-1]
    first_at = np.flatnonzero(first)
    lengths = np.diff(np.append(first_at, x.size))
    c1 = before1[k] + seen1 - np.repeat(seen1[first_at] - is_ref[first_at], lengths)
    c2 = before2[k] + seen2 - np.repeat(seen2[first_at] - (1 - is_ref[first_at]), lengths)
    diff = c1 / n1 - c2 / n2
    # KS: the difference after the last of equal values (scipy's searchsorted "right")
    group_end = np.ones(x.size, dtype=bool)
    group_end[:-1] = x[1:] != x[:-1]
    ends_d = diff[group_end]
    ks = max(float(ends_d.max()), float(-ends_d.min()))
    # Wasserstein: |difference| times the gap to the next value (or to the bucket's end),
    # plus the stretch from the bucket's start to its first value
    nxt = np.empty(x.size)
    nxt[:-1] = ts[1:]
    last = np.ones(x.size, dtype=bool)
    last[:-1] = first[1:]
    nxt[last] = ends[k[last]]
    w = float(np.sum(np.abs(diff) * (nxt - ts)))
    w += float(np.sum(np.abs(d_in[k[first_at]]) * (ts[first_at] - starts[k[first_at]])))
    return ks, w
