"""Planted changes an operator wants flagged (and ones they do not), at several magnitudes.

Each case makes a (reference, current) pair of one column from a seed and a magnitude;
the tests run every case over several seeds and ``benchmarks/drift_detection.py``
prints the detection rates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from console.core.drift.report import analyze_frames
from console.core.drift.settings import DriftSettings

ROWS = 100_000
SEEDS = (0, 1, 2, 3, 4)
Pair = tuple[pd.DataFrame, pd.DataFrame]


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # number | category
    magnitudes: tuple[float, ...]
    make: Callable[[np.random.Generator, float, int], Pair]
    should_drift: bool
    unit: str


def _shares(rng: np.random.Generator, shares: list[float], n: int) -> np.ndarray:
    return rng.choice(np.array(["a", "b", "c", "d", "e"][: len(shares)]), n, p=shares)


def category_share(rng: np.random.Generator, points: float, n: int) -> Pair:
    """A 3-category column; ``points`` percentage points move from 'a' to 'b'."""
    ref = _shares(rng, [0.5, 0.3, 0.2], n)
    move = points / 100
    cur = _shares(rng, [0.5 - move, 0.3 + move, 0.2], n)
    return pd.DataFrame({"v": ref}), pd.DataFrame({"v": cur})


def missing_rate(rng: np.random.Generator, percent: float, n: int) -> Pair:
    """A number that was (almost) never missing is missing in ``percent`` % of rows."""
    ref = rng.lognormal(3, 1, n)
    ref[rng.random(n) < 0.001] = np.nan
    cur = rng.lognormal(3, 1, n)
    cur[rng.random(n) < percent / 100] = np.nan
    return pd.DataFrame({"v": ref}), pd.DataFrame({"v": cur})


def spread(rng: np.random.Generator, factor: float, n: int) -> Pair:
    """Same mean, standard deviation times ``factor``."""
    return pd.DataFrame({"v": rng.normal(10, 2, n)}), pd.DataFrame(
        {"v": rng.normal(10, 2 * factor, n)}
    )


def new_category(rng: np.random.Generator, percent: float, n: int) -> Pair:
    """A category never seen in the reference takes ``percent`` % of the current rows."""
    ref = _shares(rng, [0.4, 0.3, 0.2, 0.1], n)
    cur = _shares(rng, [0.4, 0.3, 0.2, 0.1], n).astype(object)
    cur[rng.random(n) < percent / 100] = "new"
    return pd.DataFrame({"v": ref}), pd.DataFrame({"v": cur})


def mean_shift(rng: np.random.Generator, sds: float, n: int) -> Pair:
    """The mean moves by ``sds`` standard deviations (0.02: practically nothing)."""
    return pd.DataFrame({"v": rng.normal(0, 1, n)}), pd.DataFrame({"v": rng.normal(sds, 1, n)})


def many_categories(rng: np.random.Generator, count: float, n: int) -> Pair:
    """``count`` categories with uneven shares, the same distribution on both sides."""
    k = int(count)
    weights = np.random.default_rng(99).dirichlet(np.ones(k))
    names = np.array([f"m{i:03d}" for i in range(k)])
    return (
        pd.DataFrame({"v": rng.choice(names, n, p=weights)}),
        pd.DataFrame({"v": rng.choice(names, n, p=weights)}),
    )


def unchanged_number(rng: np.random.Generator, _: float, n: int) -> Pair:
    return pd.DataFrame({"v": rng.lognormal(3, 1, n)}), pd.DataFrame({"v": rng.lognormal(3, 1, n)})


CASES = (
    Case("category share moved", "category", (3, 5, 10), category_share, True, "points"),
    Case("missing rate from ~0", "number", (3, 5, 10), missing_rate, True, "% missing"),
    Case("spread at the same mean", "number", (1.1, 1.25, 1.5), spread, True, "x SD"),
    Case("new category", "category", (3, 5, 10), new_category, True, "% of rows"),
    Case("negligible mean shift", "number", (0.02,), mean_shift, False, "SD"),
    Case("unchanged, many categories", "category", (50, 300), many_categories, False, "categories"),
    Case("unchanged number", "number", (0,), unchanged_number, False, ""),
)


def detection_rate(
    case: Case, magnitude: float, *, seeds: tuple[int, ...] = SEEDS, rows: int = ROWS,
    settings: DriftSettings | None = None,
) -> float:  # fmt: skip
    """Share of seeds at which the column is flagged at default settings."""
    settings = settings or DriftSettings(multivariate=False)
    flagged = 0
    for seed in seeds:
        rng = np.random.default_rng([seed, int(magnitude * 1000)])
        ref, cur = case.make(rng, magnitude, rows)
        column = analyze_frames(ref, cur, {"v": case.kind}, settings).columns[0]
        flagged += bool(column.drifted)
    return flagged / len(seeds)
