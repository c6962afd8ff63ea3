"""The drift sentence's p-value clause."""

from __future__ import annotations

from console.core.drift.explain import _p, explain


def test_a_p_value_that_underflowed_reads_p_below() -> None:
    assert _p(0.0) == "p < 1e-300"
    assert _p(0.00312) == "p = 0.00312"
    assert _p(None) == "p = -"


def test_the_sentence_never_says_p_equals_less_than() -> None:
    column = {
        "name": "amount", "method": "ks", "statistic": 0.4, "p_value": 0.0, "drifted": True,
        "metrics": {"wasserstein_norm": 1.0},
    }  # fmt: skip
    sentence = explain(column)
    assert "(p < 1e-300)" in sentence
    assert "p = <" not in sentence
