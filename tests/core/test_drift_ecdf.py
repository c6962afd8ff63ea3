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
        ref = np.sort(a)
        grid = ecdf.make_grid(ref)
        assert grid is not None
        found = ecdf.ks_wasserstein(ref, grid, b)
        assert found is not None, "continuous data must not need the sorting fallback"
        ks, w = found
        assert ks == sps.ks_2samp(a, b).statistic  # bit for bit
        assert w == pytest.approx(sps.wasserstein_distance(a, b), rel=1e-9)
        got = stats.ks_and_wasserstein_unsorted(ref, grid, b)
        assert got.p_value == pytest.approx(sps.ks_2samp(a, b).pvalue, rel=1e-9, abs=1e-12)


def test_skewed_one_sign_data_uses_the_logarithmic_grid() -> None:
    ref = np.sort(np.random.default_rng(1).lognormal(0, 2.5, size=50_000))
    grid = ecdf.make_grid(ref)
    assert grid is not None
    assert grid.keyed


def test_signed_zeros_are_one_value() -> None:
    rng = np.random.default_rng(2)
    a = np.concatenate([rng.normal(size=30_000), np.zeros(300), -np.zeros(300)])
    b = np.concatenate([rng.normal(size=20_000), -np.zeros(500)])
    ref = np.sort(a)
    grid = ecdf.make_grid(ref)
    assert grid is not None
    found = ecdf.ks_wasserstein(ref, grid, b)
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
    ref = np.sort(a)
    assert ecdf.make_grid(ref) is None
    got = stats.ks_and_wasserstein_unsorted(ref, None, b)
    want = sps.ks_2samp(a, b)
    assert got.ks == want.statistic
    assert got.p_value == pytest.approx(want.pvalue, rel=1e-9, abs=1e-12)
    assert got.wasserstein == pytest.approx(sps.wasserstein_distance(a, b), rel=1e-9, abs=1e-15)


def test_a_large_point_mass_falls_back_to_sorting() -> None:
    rng = np.random.default_rng(4)
    a = np.where(rng.random(80_000) < 0.5, 0.0, rng.lognormal(size=80_000))
    b = np.where(rng.random(80_000) < 0.6, 0.0, rng.lognormal(size=80_000))
    ref = np.sort(a)
    grid = ecdf.make_grid(ref)
    assert grid is not None
    assert ecdf.ks_wasserstein(ref, grid, b) is None  # half the data sits in one bucket
    got = stats.ks_and_wasserstein_unsorted(ref, grid, b)
    assert got.ks == sps.ks_2samp(a, b).statistic
    assert got.wasserstein == pytest.approx(sps.wasserstein_distance(a, b), rel=1e-9)
