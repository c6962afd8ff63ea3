"""KS and Wasserstein from the reference's bucket grid equal scipy's, without sorting."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from console.core.drift import ecdf, stats


def _samples(kind: str, rng: np.random.Generator, n1: int, n2: int) -> tuple:
    if kind == "normal-null":
        return rng.normal(size=n1) * 3, rng.normal(size=n2) * 3
    if kind == "normal-shift":
        return rng.normal(size=n1), rng.normal(0.03, 1, size=n2)
    if kind == "scale-change":
        return rng.normal(size=n1), rng.normal(0, 4, size=n2)  # most current in the tails
    if kind == "lognormal":  # amounts over orders of magnitude: the logarithmic grid
        return rng.lognormal(0, 2, size=n1), rng.lognormal(0.05, 2, size=n2)
    if kind == "negative-skew":
        return -rng.lognormal(0, 2, size=n1), -rng.lognormal(0, 2, size=n2)
    if kind == "offset":  # large values, small spread
        return rng.normal(1e9, 1e3, size=n1), rng.normal(1e9 + 10, 1e3, size=n2)
    if kind == "outliers":
        a, b = rng.normal(size=n1), rng.normal(size=n2)
        a[:5], b[:3] = 1e12, -1e12
        return a, b
    raise AssertionError(kind)


KINDS = [
    "normal-null", "normal-shift", "scale-change", "lognormal", "negative-skew", "offset",
    "outliers",
]  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_grid_equals_scipy(kind: str) -> None:
    rng = np.random.default_rng(len(kind))
    for n1, n2 in [(60_000, 40_000), (15_000, 90_000)]:
        a, b = _samples(kind, rng, n1, n2)
        grid = _grid(a)  # neither side sorted
        found = ecdf.ks_wasserstein(a, grid, b)
        assert found is not None, "continuous data must not need the sorting fallback"
        ks, w = found
        assert ks == sps.ks_2samp(a, b).statistic  # bit for bit
        assert w == pytest.approx(sps.wasserstein_distance(a, b), rel=1e-9)
        got = stats.ks_and_wasserstein_unsorted(a, grid, b, ref_sorted=False)
        assert got.p_value == pytest.approx(sps.ks_2samp(a, b).pvalue, rel=1e-9, abs=1e-12)


def test_skewed_one_sign_data_uses_the_logarithmic_grid() -> None:
    assert _grid(np.random.default_rng(1).lognormal(0, 2.5, size=50_000)).keyed


def test_signed_zeros_are_one_value() -> None:
    rng = np.random.default_rng(2)
    a = np.concatenate([rng.normal(size=30_000), np.zeros(20), -np.zeros(20)])
    b = np.concatenate([rng.normal(size=20_000), -np.zeros(40)])
    found = ecdf.ks_wasserstein(a, _grid(a), b)
    assert found is not None
    assert found[0] == sps.ks_2samp(a, b).statistic
    assert found[1] == pytest.approx(sps.wasserstein_distance(a, b), rel=1e-9)


@pytest.mark.parametrize(
    "values",
    [
        lambda rng: rng.poisson(4, 50_000).astype(float),  # few distinct values
        lambda rng: np.round(rng.normal(size=50_000), 1),
        lambda rng: np.full(50_000, 7.0),  # constant
    ],
)
def test_tie_heavy_references_skip_the_grid_and_still_equal_scipy(values) -> None:
    rng = np.random.default_rng(3)
    a, b = values(rng), values(rng) + np.where(rng.random(50_000) < 0.02, 1.0, 0.0)
    assert ecdf.make_grid(a) is None
    got = stats.ks_and_wasserstein_unsorted(a, None, b, ref_sorted=False)
    want = sps.ks_2samp(a, b)
    assert got.ks == want.statistic
    assert got.p_value == pytest.approx(want.pvalue, rel=1e-9, abs=1e-12)
    assert got.wasserstein == pytest.approx(sps.wasserstein_distance(a, b), rel=1e-9, abs=1e-15)


def test_a_large_point_mass_falls_back_to_sorting() -> None:
    rng = np.random.default_rng(4)
    a = rng.normal(size=80_000)
    b = np.where(rng.random(80_000) < 0.6, 0.0, rng.normal(size=80_000))
    grid = _grid(a)
    assert ecdf.ks_wasserstein(a, grid, b) is None  # 60 % of the current in one bucket
    got = stats.ks_and_wasserstein_unsorted(a, grid, b, ref_sorted=False)
    assert got.ks == sps.ks_2samp(a, b).statistic
    assert got.wasserstein == pytest.approx(sps.wasserstein_distance(a, b), rel=1e-9)
    assert ecdf.make_grid(b) is None  # as a reference, such a column gets no grid


@pytest.mark.parametrize("kind", ["normal-null", "lognormal", "negative-skew", "outliers"])
def test_quantiles_from_the_grid_equal_numpy(kind: str) -> None:
    a, _ = _samples(kind, np.random.default_rng(7), 120_001, 10)
    grid = _grid(a)
    qs = np.array([0.0005, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.9995])
    got = ecdf.quantiles(a, grid, qs)
    assert got == pytest.approx(np.quantile(a, qs), rel=1e-12, abs=1e-300)
    ranks = np.array([0, 17, 60_000, 120_000])
    assert ecdf.order_statistics(a, grid, ranks).tolist() == np.sort(a)[ranks].tolist()


def _grid(values: np.ndarray) -> ecdf.Grid:
    grid = ecdf.make_grid(values)
    assert grid is not None
    return grid
