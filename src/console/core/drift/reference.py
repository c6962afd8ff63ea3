"""The reference side of a drift analysis, prepared once and cached.

A :class:`ReferenceProfile` holds per column what every comparison needs: for numbers
the finite values with their bucket grid (see :mod:`ecdf`; sorted instead where a grid
would not help), counts of NaN and +/-inf, mean/std and the quantile bin edges with the
reference's bin counts; for categories the count of every category and of missing
values. Profiles are cached in memory by reference key (a dataset's SHA-256, a file's
hash, a window), so a window-after-window analysis only pays for the current side.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from console.core.base.jobs import JobContext
from console.core.drift import buffers, ecdf, stats

if TYPE_CHECKING:
    import pandas as pd

CACHE_SIZE = 4


@dataclass
class NumericSide:
    """One side of a numeric column: its finite values (in the column's order unless
    ``is_sorted``) and what was not finite."""

    values: stats.FloatArray
    n_nan: int
    n_posinf: int
    n_neginf: int
    wrong_type: int = 0
    is_sorted: bool = True

    @property
    def n_total(self) -> int:
        return int(self.values.size) + self.n_nan + self.n_posinf + self.n_neginf

    @property
    def n_nonfinite(self) -> int:
        return self.n_nan + self.n_posinf + self.n_neginf


@dataclass
class CategorySide:
    counts: dict[str, int]
    n_missing: int

    @property
    def n_values(self) -> int:
        return sum(self.counts.values())

    @property
    def n_total(self) -> int:
        return self.n_values + self.n_missing


@dataclass
class ColumnProfile:
    name: str
    kind: str  # "number" | "integer" | "category"
    numeric: NumericSide | None = None
    category: CategorySide | None = None
    mean: float = float("nan")
    std: float = float("nan")
    edges: stats.FloatArray = field(default_factory=lambda: np.empty(0))
    bin_counts: stats.IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    grid: ecdf.Grid | None = None  # None: the values are sorted instead


@dataclass
class ReferenceProfile:
    key: str
    rows: int
    columns: dict[str, ColumnProfile]
    extras: dict[str, Any] = field(default_factory=dict)  # e.g. the multivariate model


def numeric_side(series: pd.Series, *, sort: bool = True) -> NumericSide:
    """Finite values of a column (sorted unless ``sort`` is false) plus counts of NaN,
    +inf, -inf (and unparsable)."""
    import pandas as pd

    wrong = 0
    if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
        converted = pd.to_numeric(series, errors="coerce")
        wrong = int(converted.isna().sum() - series.isna().sum())
        series = converted
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = np.isfinite(values, out=buffers.take("mask", values.size, np.bool_))
    n_finite = int(np.count_nonzero(finite))
    if n_finite == values.size:  # the common case: nothing to count
        return NumericSide(np.sort(values) if sort else values, 0, 0, 0, wrong, sort)
    rest = values[~finite]
    n_nan = int(np.isnan(rest).sum())
    n_pos = int(np.count_nonzero(rest == np.inf))
    n_neg = int(rest.size - n_nan - n_pos)
    kept = values[finite]
    if sort:
        kept.sort()
    return NumericSide(kept, n_nan - wrong, n_pos, n_neg, wrong, sort)


def category_side(series: pd.Series) -> CategorySide:
    counts = series.value_counts(dropna=True, sort=False)
    table: dict[str, int] = {}
    for key, count in zip(counts.index, counts.to_numpy(), strict=True):
        if count:
            name = str(key)
            table[name] = table.get(name, 0) + int(count)
    return CategorySide(table, int(series.isna().sum()))


def profile_column(name: str, kind: str, series: pd.Series, bins: int) -> ColumnProfile:
    if kind == "category":
        return ColumnProfile(name, kind, category=category_side(series))
    side = numeric_side(series, sort=False)
    values = side.values
    column = ColumnProfile(name, kind, numeric=side)
    scratch = buffers.take("scratch", values.size, np.float64)  # for the grid and the std
    grid = ecdf.make_grid(values, scratch) if values.size > stats.EXACT_KS_MAX_N else None
    if grid is None:  # small or tie-heavy: compared by sorting, so sort once, here
        side.values = values = stats.sorted_copy(values)
        side.is_sorted = True
    column.grid = grid
    if values.size:
        column.mean = float(values.mean())
        column.std = stats.std(values, scratch)
        if grid is None:
            column.edges = stats.quantile_edges(values, bins)
        else:
            inner = np.linspace(0, 1, bins + 1)[1:-1]
            column.edges = np.unique(ecdf.quantiles(values, grid, inner))
        column.bin_counts = stats.bin_counts(values, column.edges)
    return column


def build_profile(
    key: str,
    frame: pd.DataFrame,
    kinds: dict[str, str],
    *,
    bins: int = 10,
    ctx: JobContext | None = None,
    threads: int = 2,
) -> ReferenceProfile:
    """Profile the columns named in ``kinds`` that ``frame`` has."""
    present = [n for n in kinds if n in frame.columns]
    columns = run_columns(
        present,
        lambda name: profile_column(name, kinds[name], frame[name], bins),
        ctx=ctx,
        what="Profiling reference column",
        threads=threads,
    )
    return ReferenceProfile(key, len(frame), columns)


T = TypeVar("T")


def run_columns(
    names: list[str],
    work: Callable[[str], T],
    *,
    ctx: JobContext | None,
    what: str,
    threads: int = 2,
) -> dict[str, T]:
    """``work(name)`` for every column, ``threads`` at a time (numpy releases the GIL);
    progress every 50 ms, and a cancel stops between columns."""
    results: dict[str, T] = {}
    if threads <= 1 or len(names) < 2:
        with buffers.reuse():
            for i, name in enumerate(names):
                if ctx is not None:
                    ctx.progress(i / len(names), f"{what} {name}")
                results[name] = work(name)
        return results
    with ThreadPoolExecutor(
        max_workers=threads, thread_name_prefix="drift", initializer=buffers.enter_for_thread
    ) as pool:
        futures = {name: pool.submit(work, name) for name in names}
        try:
            for i, name in enumerate(names):
                while True:
                    if ctx is not None:
                        ctx.progress(i / len(names), f"{what} {name}")
                    try:
                        results[name] = futures[name].result(timeout=0.05)
                        break
                    except TimeoutError:
                        continue
        except BaseException:
            for future in futures.values():
                future.cancel()
            raise
    return results


class ProfileCache:
    """A small LRU of reference profiles, keyed by reference key and settings."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._items: OrderedDict[tuple[Any, ...], ReferenceProfile] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[Any, ...]) -> ReferenceProfile | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: tuple[Any, ...], profile: ReferenceProfile) -> None:
        with self._lock:
            self._items[key] = profile
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0


#: the process-wide cache the workspace-level functions use
CACHE = ProfileCache()


def cached_profile(
    key: str,
    load: Any,
    kinds: dict[str, str],
    *,
    bins: int,
    ctx: JobContext | None = None,
) -> ReferenceProfile:
    """The profile for ``key`` from the cache, or built from ``load()`` (a DataFrame)."""
    cache_key = (key, tuple(sorted(kinds.items())), bins)
    found = CACHE.get(cache_key)
    if found is not None:
        return found
    profile = build_profile(key, load(), kinds, bins=bins, ctx=ctx)
    CACHE.put(cache_key, profile)
    return profile
