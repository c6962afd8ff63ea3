"""System samples: stored, down-sampled past retention, sampled in a background thread."""

from __future__ import annotations

import time

import numpy as np
import pytest

from console.core.base.workspace import Workspace
from console.core.monitoring import system
from console.core.monitoring.system import ServiceProbe, SystemSampler, mean_sample
from tests.core.monitoring_helpers import FakeService, fake_partners

DAY = 86_400.0


def test_machine_sample_is_fractions(workspace: Workspace) -> None:
    sample = system.machine_sample(workspace)
    for name in ("cpu", "memory", "disk"):
        assert 0.0 <= (sample[name] or 0.0) <= 1.0


def test_compact_folds_old_samples_into_hourly_means(workspace: Workspace) -> None:
    now = 100 * DAY
    old = now - 10 * DAY  # past the 7-day raw retention
    for minute in range(120):
        system.store_sample(workspace, old + 60 * minute, {"cpu": minute / 200})
    system.store_sample(workspace, now - 60, {"cpu": 0.5})
    system.store_sample(workspace, now - 400 * DAY, {"cpu": 0.1}, resolution=3600)
    folded, dropped = system.compact(workspace, now)
    assert folded == 120
    assert dropped == 1
    series = system.stored_series(workspace, 0)
    assert len(series["ts"]) == 3  # two hourly means and the recent sample
    first_hour = np.mean([m / 200 for m in range(60) if (old + 60 * m) // 3600 == old // 3600])
    assert series["cpu"][0] == pytest.approx(first_hour)
    assert series["cpu"][-1] == 0.5
    assert np.isnan(series["p99_ms"]).all()


def test_mean_sample_ignores_missing_values() -> None:
    assert mean_sample([{"cpu": 0.2}, {"cpu": 0.4, "p99_ms": 10.0}]) == pytest.approx(
        {**dict.fromkeys(system.FIELDS), "cpu": 0.3, "p99_ms": 10.0}
    )


def test_sampler_runs_in_the_background_and_stores(workspace: Workspace, monkeypatch) -> None:
    fake_partners(monkeypatch)
    sampler = SystemSampler(workspace, interval=0.02, store_every=0.05)
    sampler.start()
    try:
        deadline = time.monotonic() + 5
        while len(sampler.recent()["ts"]) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        sampler.stop()
    assert not sampler.running
    assert sampler.errors == 0
    assert len(sampler.recent()["cpu"]) >= 5
    assert len(system.stored_series(workspace, 0)["ts"]) >= 1


def test_probe_turns_counters_into_rates(workspace: Workspace, monkeypatch) -> None:
    fake_partners(monkeypatch, service=FakeService())
    answers = iter(
        [
            {"requests": 100, "errors": 0, "p50_ms": 2.0, "p95_ms": 5.0, "p99_ms": 9.0},
            {"requests": 300, "errors": 10, "p50_ms": 2.0, "p95_ms": 5.0, "p99_ms": 9.0},
        ]
    )
    monkeypatch.setattr(system, "fetch_health", lambda ws, info: next(answers))
    probe = ServiceProbe()
    first = probe.read(workspace)
    assert first["p99_ms"] == 9.0
    assert "request_rate" not in first
    second = probe.read(workspace)
    assert second["error_rate"] == pytest.approx(10 / 200)
    assert second["request_rate"] > 0


def test_no_service_gives_no_service_numbers(workspace: Workspace, monkeypatch) -> None:
    fake_partners(monkeypatch)
    assert ServiceProbe().read(workspace) == {}
