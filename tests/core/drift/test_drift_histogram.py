"""The display histogram read from sorted or grid-counted sides equals evaluating every
value, bin for bin."""

from __future__ import annotations

import numpy as np
import pytest

from console.core.drift import ecdf, histogram


def _cases(rng: np.random.Generator) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    n = 40_000
    return {
        "normal": (rng.normal(size=n), rng.normal(0.2, 1.3, size=n)),
        "far-shift": (rng.normal(size=n), rng.normal(50, 1, size=n)),
        "lognormal": (rng.lognormal(0, 2, size=n), rng.lognormal(0.1, 2, size=n)),
        "offset": (rng.normal(1e9, 1e3, size=n), rng.normal(1e9, 1e3, size=n)),
        "signed-zeros": (
            np.concatenate([rng.normal(size=n), np.zeros(50), -np.zeros(50)]),
            np.concatenate([rng.normal(size=n), -np.zeros(80)]),
        ),
        "ties": (np.round(rng.normal(size=n), 1), np.round(rng.normal(size=n), 1)),
    }


@pytest.mark.parametrize(
    "case", ["normal", "far-shift", "lognormal", "offset", "signed-zeros", "ties"]
)
def test_sorted_and_counted_sides_give_the_counts_of_every_value(case: str) -> None:
    ref, cur = _cases(np.random.default_rng(len(case)))[case]
    grid = ecdf.make_grid(ref)
    for lo, hi in [(-1.0, 1.0), (float(np.quantile(ref, 0.01)), float(np.quantile(cur, 0.99)))]:
        for values in (ref, cur):
            want = histogram.bin_counts(histogram.Side(values), lo, hi)
            assert want.sum() == values.size
            ordered = histogram.Side(values, sorted_values=np.sort(values))
            assert histogram.bin_counts(ordered, lo, hi).tolist() == want.tolist()
            if grid is not None:
                counted = ecdf.count(grid, values)
                side = histogram.Side(values, grid=grid, idx=counted.idx, before=counted.before)
                assert histogram.bin_counts(side, lo, hi).tolist() == want.tolist()
                if case == "normal":  # read off the counts, not evaluated value by value
                    assert histogram._at_most_counted(side, lo, hi) is not None
        if grid is not None:  # the reference as the profile holds it
            side = histogram.Side(ref, grid=grid, idx=grid.ref_idx, before=grid.ref_before)
            want = histogram.bin_counts(histogram.Side(ref), lo, hi)
            assert histogram.bin_counts(side, lo, hi).tolist() == want.tolist()


def test_bins_are_the_ceiling_of_the_scaled_value_clipped_to_the_ends() -> None:
    values = np.array([-5.0, 0.0, 0.05, 1 / 30, 0.5, 1.0, 7.0])
    assert histogram.bins_of(values, 0.0, 1.0).tolist() == [1, 1, 2, 1, 15, 30, 30]
    counts = histogram.bin_counts(histogram.Side(values), 0.0, 1.0)
    assert counts.sum() == values.size
    assert counts[0] == 3
    assert counts[-1] == 2
