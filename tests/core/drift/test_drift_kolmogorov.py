"""The large-sample KS p-value equals scipy's kstwo.sf, without its cost."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from scipy.stats import kstwo

from console.core.drift import kolmogorov


@pytest.mark.parametrize("n", [50, 141, 5_000, 60_000, 2_000_000])
def test_ks_sf_equals_scipy_over_a_grid(n: int) -> None:
    # from "no change" through the smirnov range to far past the negligible bound
    for nd2 in (0.01, 0.1, 0.5, 1.0, 2.0, 2.19, 2.2, 3.0, 8.0, 14.0, 14.5, 30.0, 400.0):
        d = float(np.sqrt(nd2 / n))
        if d >= 1:
            continue
        got = kolmogorov.ks_sf(d, n)
        want = float(np.clip(kstwo.sf(d, n), 0, 1))
        assert got == pytest.approx(want, rel=1e-9, abs=kolmogorov.NEGLIGIBLE), (n, nd2)


def test_ks_sf_edges_match_scipy() -> None:
    for d, n in [(0.0, 1000), (1.0, 1000), (0.0004, 1000), (0.6, 1000), (0.999, 1000)]:
        assert kolmogorov.ks_sf(d, n) == pytest.approx(float(kstwo.sf(d, n)), abs=1e-12)


def test_negligible_p_values_are_zero_and_skip_the_slow_sum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # n d^2 = 50: scipy's O(n) smirnov sum is below 1e-43; it must not run at all
    import scipy.special

    def refuse(*args: object) -> float:
        raise AssertionError("smirnov called for a negligible p-value")

    monkeypatch.setattr(scipy.special, "smirnov", refuse)
    n = 500_000
    assert kolmogorov.ks_sf(float(np.sqrt(50 / n)), n) == 0.0


def test_common_cases_do_not_import_scipy_stats() -> None:
    import subprocess

    code = (
        "import sys; from console.core.drift import kolmogorov as k;"
        "k.ks_sf(0.001, 500000); k.ks_sf(0.01, 500000); k.ks_sf(0.003, 500000);"
        "print('scipy.stats' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("n", [3_000, 40_000, 200_000])
def test_smirnov_sum_equals_scipy(n: int) -> None:
    from scipy.special import smirnov

    for nd2 in (2.2, 6.0, 14.0):
        x = float(np.sqrt(nd2 / n))
        assert kolmogorov.smirnov_sum(n, x) == pytest.approx(float(smirnov(n, x)), rel=1e-11)


def test_smirnov_sum_where_n_times_one_minus_x_rounds_up() -> None:
    """n(1 - x) = 49449.0 in floating point although it is a hair below: the last term is
    zero, not NaN (it was NaN, and so was the p-value of a real analysis)."""
    from scipy.special import smirnov

    x = 0.01102000000000003
    got = kolmogorov.smirnov_sum(50_000, x)
    assert got == pytest.approx(float(smirnov(50_000, x)), rel=1e-9)
