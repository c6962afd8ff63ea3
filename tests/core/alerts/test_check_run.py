"""One check run followed by alert evaluation; live re-checks see the service as it is."""

from __future__ import annotations

import pytest

from console.core.alerts import check_run, engine
from console.core.base.workspace import Workspace
from console.core.monitoring import checks, system
from tests.core.monitoring_helpers import FakeService, fake_partners

HEALTH = {"model_version": "1.0.0", "requests": 1000, "errors": 0, "p99_ms": 12.0}


def test_a_check_run_stores_a_report_and_evaluates_it(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_partners(monkeypatch, drift="warning")
    run = check_run.check_and_evaluate(workspace, "alice")
    assert checks.latest_report(workspace) == run.report
    drift = next(a for a in engine.all_alerts(workspace) if a.rule == "data_drift")
    assert drift.state in ("pending", "firing")
    assert not run.live_only
    assert run.summary().startswith("Ran the daily checks; report")


def test_evaluate_now_rechecks_the_service_before_judging_it(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_partners(monkeypatch, service=None)
    first = check_run.check_and_evaluate(workspace, "alice")
    assert first.report.get("latency_p99").explanation == "no scoring service is running"
    # the service starts after the first check (the demo's case)
    fake_partners(monkeypatch, service=FakeService())
    monkeypatch.setattr(system, "fetch_health", lambda ws, info: HEALTH)
    again = check_run.recheck_and_evaluate(workspace, "alice")
    assert again.live_only
    assert again.report.id != first.report.id
    service = again.report.get("latency_p99")
    assert service.status == "ok"
    assert "12.0 ms" in service.explanation
    # the expensive checks are carried over from the full run, not recomputed
    assert again.report.get("f1") == first.report.get("f1")
    assert [c.name for c in again.report.checks] == [c.name for c in first.report.checks]
    assert "Re-checked the pipeline, the machine and the scoring service" in again.summary()
    assert "p99 response time 12.0 ms" in again.summary()


def test_evaluate_now_without_any_report_runs_the_full_checks(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_partners(monkeypatch)
    run = check_run.recheck_and_evaluate(workspace, "alice")
    assert not run.live_only
    assert run.report.get("f1") is not None
