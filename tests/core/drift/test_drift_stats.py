"""The drift statistics equal scipy's for the same data (1e-9), and the tests are honest."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps
from scipy.spatial.distance import jensenshannon

from console.core.drift import stats


@pytest.mark.parametrize(
    ("n1", "n2", "shift", "rounding"),
    [
        (500, 800, 0.0, None),  # exact p-value range
        (9_000, 10_000, 0.1, None),
        (30_000, 20_000, 0.02, None),  # asymptotic range
        (40_000, 25_000, 0.0, 1),  # many ties
        (12_000, 50_000, 0.3, 0),  # integer-like values
    ],
)
def test_ks_and_wasserstein_equal_scipy(
    n1: int, n2: int, shift: float, rounding: int | None
) -> None:
    rng = np.random.default_rng(n1 + n2)
    a = rng.normal(size=n1) * 3
    b = rng.normal(shift, 1, size=n2) * 3
    if rounding is not None:
        a, b = np.round(a, rounding), np.round(b, rounding)
    got = stats.ks_and_wasserstein(np.sort(a), np.sort(b))
    want = sps.ks_2samp(a, b)
    assert got.ks == pytest.approx(want.statistic, abs=1e-12)
    assert got.p_value == pytest.approx(want.pvalue, rel=1e-9, abs=1e-12)
    assert got.wasserstein == pytest.approx(sps.wasserstein_distance(a, b), rel=1e-9)


def test_js_distance_equals_scipy() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        p = rng.integers(0, 50, size=12)
        q = rng.integers(0, 50, size=12)
        p[0], q[1] = 0, 0  # empty bins on either side
        assert stats.js_distance(p, q) == pytest.approx(jensenshannon(p, q), rel=1e-9, abs=1e-12)


def test_chi2_is_the_two_sample_contingency_test() -> None:
    ref = np.array([500, 300, 150, 50, 0])
    cur = np.array([40, 35, 20, 3, 2])  # the last category is unseen in the reference
    got = stats.chi2_two_sample(ref, cur)
    want = sps.chi2_contingency(np.vstack([ref, cur]))
    assert got.statistic == pytest.approx(want.statistic, rel=1e-9)
    assert got.p_value == pytest.approx(want.pvalue, rel=1e-9)
    assert got.dof == 4


def test_psi_of_identical_bins_is_zero_and_grows_with_shift() -> None:
    ref = np.array([100, 100, 100, 100])
    assert stats.psi(ref, ref) == 0.0
    small = stats.psi(ref, np.array([110, 100, 100, 90]))
    big = stats.psi(ref, np.array([200, 100, 60, 40]))
    assert 0 < small < big
    # PSI by hand: sum (q - p) ln(q / p)
    p, q = ref / 400, np.array([200, 100, 60, 40]) / 400
    assert big == pytest.approx(float(np.sum((q - p) * np.log(q / p))), rel=1e-12)


def test_quantile_bins_hold_equal_reference_shares() -> None:
    values = np.sort(np.random.default_rng(1).normal(size=10_000))
    edges = stats.quantile_edges(values, 10)
    counts = stats.bin_counts(values, edges)
    assert len(counts) == 10
    assert counts.sum() == 10_000
    assert set(counts.tolist()) == {1000}


@pytest.mark.parametrize("n", [1, 2, 3, 10, 11, 1_000, 20_001])
def test_quantiles_of_sorted_values_equal_numpy(n: int) -> None:
    rng = np.random.default_rng(n)
    qs = np.concatenate([np.linspace(0, 1, 11), rng.random(30)])
    for values in (rng.normal(size=n), rng.poisson(3, n).astype(float), rng.lognormal(0, 3, n)):
        ordered = np.sort(values)
        got = stats.sorted_quantiles(ordered, qs)
        assert np.array_equal(got, np.quantile(values, qs))  # bit for bit (+0.0 == -0.0)
        assert np.array_equal(
            stats.quantile_edges(ordered, 10), np.unique(np.quantile(values, qs[1:10]))
        )


def test_holm_and_bonferroni_corrections() -> None:
    p = [0.01, 0.04, 0.03, 0.5]
    assert stats.adjust_p_values(p, "none") == p
    assert stats.adjust_p_values(p, "bonferroni") == pytest.approx([0.04, 0.16, 0.12, 1.0])
    # Holm: sorted 0.01*4, 0.03*3, 0.04*2, 0.5*1, made monotone
    assert stats.adjust_p_values(p, "holm") == pytest.approx([0.04, 0.09, 0.09, 0.5])


@pytest.mark.parametrize("k", [2, 3, 7, 30])
def test_chi2_equals_scipy_for_any_table_width(k: int) -> None:
    rng = np.random.default_rng(k)
    for _ in range(10):
        ref = rng.integers(0, 400, size=k)
        cur = rng.integers(0, 60, size=k)
        got = stats.chi2_two_sample(ref, cur)
        table = np.vstack([ref, cur])
        want = sps.chi2_contingency(table[:, table.sum(axis=0) > 0])  # Yates when k == 2
        assert got.statistic == pytest.approx(want.statistic, rel=1e-9, abs=1e-12)
        assert got.p_value == pytest.approx(want.pvalue, rel=1e-9, abs=1e-12)
        assert got.dof == want.dof


def test_std_with_a_scratch_buffer_is_numpys_to_the_bit() -> None:
    rng = np.random.default_rng(11)
    for n in (1, 2, 7, 1_000, 123_457):
        for values in (rng.normal(3e3, 1e-2, n), rng.poisson(4, n).astype(float), np.full(n, 0.1)):
            assert stats.std(values, np.empty_like(values)) == float(values.std())


@pytest.mark.parametrize(
    "make",
    [
        lambda rng, n: rng.poisson(4, n).astype(float),  # counted
        lambda rng, n: rng.integers(-300, 300, n).astype(float),  # counted, negatives
        lambda rng, n: np.where(rng.random(n) < 0.1, -0.0, rng.poisson(2, n).astype(float)),
        lambda rng, n: np.round(rng.normal(size=n), 1),  # not whole: sorted
        lambda rng, n: rng.integers(0, 10**6, n).astype(float),  # too wide a span: sorted
        lambda rng, n: rng.poisson(4, n) + np.where(rng.random(n) < 1e-4, 0.5, 0.0),
        lambda rng, n: np.full(n, 3.0),
    ],
)
def test_sorted_copy_is_numpys_sort_to_the_bit(make) -> None:
    rng = np.random.default_rng(12)
    for n in (10, stats.COUNT_SORT_MIN, 200_001):
        values = np.asarray(make(rng, n), dtype=np.float64)
        got = stats.sorted_copy(values)
        assert got.tobytes() == np.sort(values).tobytes()
