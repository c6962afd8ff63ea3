"""Concept drift detectors on streams with a known change point, and segment flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from console.core.drift import concept, segments

CHANGE = 4000


def abrupt(seed: int, n: int = 8000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    p = np.where(np.arange(n) < CHANGE, 0.05, 0.25)
    return (rng.random(n) < p).astype(float)


def gradual(seed: int, n: int = 10_000, width: int = 2000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ramp = np.clip((np.arange(n) - CHANGE) / width, 0, 1)
    return (rng.random(n) < 0.05 + 0.25 * ramp).astype(float)


def first_drift(found: list[concept.Detection], detector: str) -> int | None:
    points = [d.index for d in found if d.detector == detector and d.kind == "drift"]
    return points[0] if points else None


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("detector", concept.DETECTORS)
def test_abrupt_change_is_found_quickly_and_nothing_before(detector: str, seed: int) -> None:
    found = concept.detect(abrupt(seed), (detector,))
    first = first_drift(found, detector)
    assert first is not None
    assert first >= CHANGE, f"false alarm at {first}, before the change at {CHANGE}"
    assert first - CHANGE <= 400  # detection delay


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("detector", concept.DETECTORS)
def test_gradual_change_is_found_within_its_ramp(detector: str, seed: int) -> None:
    found = concept.detect(gradual(seed), (detector,))
    first = first_drift(found, detector)
    assert first is not None
    assert first >= CHANGE
    assert first - CHANGE <= 2000


@pytest.mark.parametrize("detector", concept.DETECTORS)
def test_stable_stream_raises_no_drift(detector: str) -> None:
    rng = np.random.default_rng(11)
    stream = (rng.random(20_000) < 0.05).astype(float)
    assert first_drift(concept.detect(stream, (detector,)), detector) is None


def test_ddm_ignores_a_stream_without_errors_and_refuses_nan() -> None:
    assert concept.detect(np.zeros(5000)) == []
    with pytest.raises(ValueError, match="finite"):
        concept.detect(np.array([0.0, np.nan, 1.0]))


def test_segments_flag_the_one_that_degraded() -> None:
    rng = np.random.default_rng(5)
    days = pd.date_range("2026-11-01", periods=10, freq="D", tz="UTC")
    rows = []
    for i, day in enumerate(days):
        for seg in ("a", "b"):
            label = (rng.random(3000) < 0.05).astype(int)
            wrong = 0.02 if (seg == "b" and i >= 7) else 0.002
            flip = rng.random(3000) < wrong
            decision = np.where(flip, 1 - label, label)
            # recent days of b: also miss half of the positives
            if seg == "b" and i >= 7:
                decision = np.where((label == 1) & (rng.random(3000) < 0.5), 0, decision)
            rows.append(pd.DataFrame({"ts": day, "seg": seg, "decision": decision, "label": label}))
    frame = pd.concat(rows, ignore_index=True)
    result = segments.by_segment(frame, "ts", ["seg"], recent_days=3)
    flagged = {s.value: s for s in result}
    assert flagged["b"].flagged
    assert "F1" in flagged["b"].reason
    assert "FPR" in flagged["b"].reason
    assert not flagged["a"].flagged
    assert len(flagged["b"].series) == 10
    assert result[0].value == "b"  # flagged first


def test_rates_match_their_definitions() -> None:
    r = segments.rates([1, 1, 0, 0, 1], [1, 0, 1, 0, 1])
    assert (r.n, r.positives) == (5, 3)
    assert r.precision == pytest.approx(2 / 3)
    assert r.recall == pytest.approx(2 / 3)
    assert r.f1 == pytest.approx(2 / 3)
    assert r.fpr == pytest.approx(1 / 2)
