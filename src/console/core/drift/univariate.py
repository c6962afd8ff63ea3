"""Per-column drift: one comparison of a reference column profile with a current column.

:func:`compare_frame` runs every column (two at a time: the numpy kernels release the
GIL), corrects the p-values across columns, and decides with the settings' effect-size
gate. A column that cannot be tested gets a status and a one-sentence note, never an
exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from console.core.base.jobs import JobContext
from console.core.drift import ecdf, histogram, stats
from console.core.drift.decide import decide as decide_results
from console.core.drift.reference import (
    CategorySide,
    ColumnProfile,
    NumericSide,
    ReferenceProfile,
    category_side,
    numeric_side,
    run_columns,
)
from console.core.drift.settings import DriftSettings

if TYPE_CHECKING:
    import pandas as pd

TOP_CATEGORIES = 20
#: column statuses: the tested ones are "ok" and "drifted"
STATUSES = (
    "ok",
    "drifted",
    "too_few_rows",
    "all_missing",
    "missing_column",
    "constant",
    "too_many_categories",
    "wrong_type",
)


@dataclass(frozen=True)
class ColumnDrift:
    name: str
    kind: str
    status: str
    method: str
    statistic: float | None
    p_value: float | None
    threshold: float | None
    drifted: bool | None
    note: str
    score: float | None = None  # PSI: what the page sorts and colours by
    n_reference: int = 0
    n_current: int = 0
    missing_reference: float | None = None  # share of NaN/inf (or missing category)
    missing_current: float | None = None
    inf_reference: int = 0
    inf_current: int = 0
    missing_drift: bool = False
    metrics: dict[str, float | None] = field(default_factory=dict)
    unseen_count: int = 0
    unseen_share: float | None = None
    unseen_top: list[str] = field(default_factory=list)
    histogram: dict[str, Any] = field(default_factory=dict)
    raw_p_value: float | None = None
    test_rejects: bool | None = None  # the test alone at alpha, before correction and gate
    gate: float | None = None  # the main effect gate of a test (0 = off)
    missing_p_value: float | None = None  # the 2 x 2 chi-square test of the missing rate
    signals: list[dict[str, Any]] = field(default_factory=list)  # see decide.signals
    moved_category: str | None = None  # the category whose share changed most

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def compare_column(
    ref: ColumnProfile | None,
    name: str,
    kind: str,
    current: pd.Series | None,
    settings: DriftSettings,
) -> ColumnDrift:
    """Statistics for one column; the decision waits for :func:`decide` (correction)."""
    rule = settings.rule_for(name, kind)
    if ref is None or current is None:
        side = "reference" if ref is None else "current data"
        return ColumnDrift(
            name, kind, "missing_column", rule.method, None, None, rule.threshold, None,
            f"column {name!r} is missing from the {side}; it cannot be compared",
        )  # fmt: skip
    if kind == "category":
        assert ref.category is not None
        return _compare_category(ref.category, name, category_side(current), settings)
    assert ref.numeric is not None
    return _compare_numeric(ref, name, kind, numeric_side(current, sort=False), settings)


@dataclass(frozen=True)
class MissingChange:
    rate_reference: float | None
    rate_current: float | None
    p_value: float | None
    changed: bool  # big enough and significant: drift of the column by itself
    note: str


def _missing(
    n_miss_r: int, n_r: int, n_miss_c: int, n_c: int, *, settings: DriftSettings
) -> MissingChange:
    rate_r = n_miss_r / n_r if n_r else None
    rate_c = n_miss_c / n_c if n_c else None
    if rate_r is None or rate_c is None or (n_miss_r == 0 and n_miss_c == 0):
        return MissingChange(rate_r, rate_c, None, False, "")
    test = stats.chi2_two_sample(
        np.array([n_miss_r, n_r - n_miss_r]), np.array([n_miss_c, n_c - n_miss_c])
    )
    changed = abs(rate_c - rate_r) >= settings.min_missing_change and test.p_value < settings.alpha
    note = f"missing rate {rate_r:.1%} -> {rate_c:.1%}" if changed else ""
    return MissingChange(rate_r, rate_c, test.p_value, changed, note)


def _compare_numeric(
    ref: ColumnProfile, name: str, kind: str, cur: NumericSide, settings: DriftSettings
) -> ColumnDrift:
    r = ref.numeric
    assert r is not None
    rule = settings.rule_for(name, kind)
    n_r, n_c = r.values.size, cur.values.size
    miss = _missing(r.n_nonfinite, r.n_total, cur.n_nonfinite, cur.n_total, settings=settings)
    miss_drift, miss_note = miss.changed, miss.note
    base = ColumnDrift(
        name, kind, "ok", rule.method, None, None, rule.threshold, None, "",
        n_reference=n_r, n_current=n_c, missing_reference=miss.rate_reference,
        missing_current=miss.rate_current, inf_reference=r.n_posinf + r.n_neginf,
        inf_current=cur.n_posinf + cur.n_neginf, missing_drift=miss_drift, gate=rule.gate,
        missing_p_value=miss.p_value,
    )  # fmt: skip
    if cur.wrong_type:
        return replace(
            base, status="wrong_type", drifted=miss_drift or None,
            note=f"{cur.wrong_type:,} current values of {name!r} are not numbers",
        )  # fmt: skip
    untestable = _untestable(
        base, (n_r, n_c), settings, miss_drift, miss_note, "missing or infinite"
    )
    if untestable is not None:
        return untestable
    grid = ref.grid
    # the current side counted into the reference's grid, or sorted: once, for the test
    # and the display histogram alike
    counted = ecdf.count(grid, cur.values) if grid is not None else None
    cur_sorted = stats.sorted_copy(cur.values) if grid is None else None
    kw = stats.ks_and_wasserstein_unsorted(
        r.values, grid, cur.values if cur_sorted is None else cur_sorted,
        ref_sorted=r.is_sorted, cur_sorted=cur_sorted is not None, counted=counted,
    )  # fmt: skip
    if grid is not None:
        ref_side = histogram.Side(r.values, grid=grid, idx=grid.ref_idx, before=grid.ref_before)
    else:
        ref_side = histogram.Side(r.values, sorted_values=r.values if r.is_sorted else None)
    cur_side = histogram.Side(
        cur.values, sorted_values=cur_sorted, grid=grid,
        idx=counted.idx if counted else None, before=counted.before if counted else None,
    )  # fmt: skip
    w_norm = kw.wasserstein / ref.std if ref.std > 0 else (0.0 if kw.wasserstein == 0 else np.inf)
    ref_bins = _with_nonfinite(ref.bin_counts, r)
    cur_bins = _with_nonfinite(stats.bin_counts(cur.values, ref.edges), cur)
    psi = stats.psi(ref_bins, cur_bins)
    js = stats.js_distance(ref_bins, cur_bins)
    metrics: dict[str, float | None] = {
        "ks": kw.ks, "ks_p_value": kw.p_value, "wasserstein": kw.wasserstein,
        "wasserstein_norm": stats.finite_or_none(float(w_norm)), "psi": psi, "js": js,
        "mean_reference": ref.mean, "mean_current": float(cur.values.mean()),
    }  # fmt: skip
    statistic = {"ks": kw.ks, "psi": psi, "wasserstein": float(w_norm), "js": js}[rule.method]
    constant = ref.std == 0 and cur.values.min() == cur.values.max()
    return replace(
        base, status="constant" if constant else "ok",
        statistic=stats.finite_or_none(statistic),
        p_value=kw.p_value if rule.method == "ks" else None,
        raw_p_value=kw.p_value if rule.method == "ks" else None,
        score=psi, metrics=metrics, histogram=histogram.numeric_hist(ref_side, cur_side),
    )  # fmt: skip


def _untestable(  # noqa: PLR0917
    base: ColumnDrift,
    counts: tuple[int, int],
    settings: DriftSettings,
    miss_drift: bool,
    miss_note: str,
    missing: str,
) -> ColumnDrift | None:
    """The result for a column with no values, or too few, on a side; None if testable.

    A change of the missing rate is still drift then, and the note says so.
    """
    n_r, n_c = counts
    if n_r == 0 or n_c == 0:
        side = "reference" if n_r == 0 else "current data"
        note = f"every value of {base.name!r} in the {side} is {missing}"
        note += f" ({miss_note})" if miss_note else "; nothing to compare"
        return replace(base, status="all_missing", drifted=True if miss_drift else None, note=note)
    if min(n_r, n_c) < settings.min_rows:
        note = (
            f"only {min(n_r, n_c)} values on one side (fewer than {settings.min_rows}): "
            "the test is not meaningful"
        ) + (f"; {miss_note}" if miss_note else "")
        status = "drifted" if miss_drift else "too_few_rows"
        return replace(base, status=status, drifted=True if miss_drift else None, note=note)
    return None


def _with_nonfinite(counts: stats.IntArray, side: NumericSide) -> stats.IntArray:
    """Quantile bins plus a NaN bin and an inf bin: missing values are a bin of their own."""
    extra = np.array([side.n_nan, side.n_posinf + side.n_neginf], dtype=np.int64)
    return np.concatenate([counts, extra])


def _compare_category(
    r: CategorySide, name: str, cur: CategorySide, settings: DriftSettings
) -> ColumnDrift:
    rule = settings.rule_for(name, "category")
    miss = _missing(r.n_missing, r.n_total, cur.n_missing, cur.n_total, settings=settings)
    miss_drift, miss_note = miss.changed, miss.note
    unseen = {k: v for k, v in cur.counts.items() if k not in r.counts}
    unseen_count = sum(unseen.values())
    n_r, n_c = r.n_values, cur.n_values
    base = ColumnDrift(
        name, "category", "ok", rule.method, None, None, rule.threshold, None, "",
        n_reference=n_r, n_current=n_c, missing_reference=miss.rate_reference,
        missing_current=miss.rate_current, missing_drift=miss_drift, gate=rule.gate,
        missing_p_value=miss.p_value, unseen_count=unseen_count,
        unseen_share=unseen_count / n_c if n_c else None,
        unseen_top=sorted(unseen, key=lambda k: -unseen[k])[:10],
    )  # fmt: skip
    untestable = _untestable(base, (n_r, n_c), settings, miss_drift, miss_note, "missing")
    if untestable is not None:
        return untestable
    categories = list(r.counts) + list(unseen)
    if len(categories) > settings.max_categories:
        return replace(
            base, status="too_many_categories", drifted=True if miss_drift else None,
            note=f"{len(categories):,} distinct values (limit {settings.max_categories:,}): "
            "too many categories for a meaningful test; is it an identifier?",
        )  # fmt: skip
    ref_counts = np.array([r.counts.get(c, 0) for c in categories] + [r.n_missing])
    cur_counts = np.array([cur.counts.get(c, 0) for c in categories] + [cur.n_missing])
    chi = stats.chi2_two_sample(ref_counts[:-1], cur_counts[:-1])
    psi = stats.psi(ref_counts, cur_counts)
    js = stats.js_distance(ref_counts, cur_counts)
    shares_r = ref_counts[:-1] / n_r
    shares_c = cur_counts[:-1] / n_c
    moved = int(np.argmax(np.abs(shares_c - shares_r)))
    metrics: dict[str, float | None] = {
        "chi2": chi.statistic, "chi2_p_value": chi.p_value, "dof": chi.dof,
        "psi": psi, "js": js, "categories": len(categories),
        "max_share_change": float(abs(shares_c[moved] - shares_r[moved])),
    }  # fmt: skip
    statistic = {"chi2": chi.statistic, "psi": psi, "js": js}[rule.method]
    top = sorted(categories, key=lambda c: -(r.counts.get(c, 0) + cur.counts.get(c, 0)))
    top = top[:TOP_CATEGORIES]
    hist = {
        "categories": top,
        "reference": [r.counts.get(c, 0) / n_r for c in top],
        "current": [cur.counts.get(c, 0) / n_c for c in top],
    }
    notes = []
    if unseen_count:
        notes.append(f"{unseen_count:,} current values in {len(unseen)} unseen categories")
    return replace(
        base, status="constant" if len(categories) == 1 else "ok", statistic=statistic,
        p_value=chi.p_value if rule.method == "chi2" else None,
        raw_p_value=chi.p_value if rule.method == "chi2" else None,
        score=psi, metrics=metrics, histogram=hist, note="; ".join(notes),
        moved_category=str(categories[moved]),
    )  # fmt: skip


decide = decide_results  # the decision lives in console.core.drift.decide


def compare_frame(
    profile: ReferenceProfile,
    current: pd.DataFrame,
    kinds: dict[str, str],
    settings: DriftSettings,
    *,
    ctx: JobContext | None = None,
    threads: int = 2,
) -> list[ColumnDrift]:
    """Compare every column of ``kinds``; progress per column, cancel between columns."""
    names = list(kinds)

    def one(name: str) -> ColumnDrift:
        series = current[name] if name in current.columns else None
        return compare_column(profile.columns.get(name), name, kinds[name], series, settings)

    results = run_columns(names, one, ctx=ctx, what="Comparing", threads=threads)
    return decide([results[n] for n in names], settings)
