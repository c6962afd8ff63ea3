"""Access monitoring reaches the operator: repeated permission denials become a daily
check finding, and the alert rules fire on it."""

from __future__ import annotations

import pytest

from console.core.alerts import engine
from console.core.base.errors import PermissionDenied
from console.core.base.workspace import Workspace
from console.core.monitoring import checks


def _denials(ws: Workspace, user: str, n: int) -> None:
    for _ in range(n):
        with pytest.raises(PermissionDenied):
            ws.authorize(user, "model.promote", "model:9.9.9")


def test_quiet_access_is_ok(workspace: Workspace) -> None:
    report = checks.run_daily_checks(workspace, "alice")
    access = report.get("access")
    assert access is not None
    assert (access.status, access.value) == ("ok", 0.0)


def test_a_burst_of_denials_is_a_finding_and_fires_an_alert(workspace: Workspace) -> None:
    _denials(workspace, "mallory", 6)
    report = checks.run_daily_checks(workspace, "alice")
    access = report.get("access")
    assert access is not None
    assert access.status == "warning"
    assert "mallory" in access.explanation
    engine.evaluate(workspace, "alice", report)
    firing = {a.rule: a for a in engine.open_alerts(workspace) if a.state == "firing"}
    assert "access" in firing
    assert "access_burst" not in firing


def test_twice_the_threshold_is_critical(workspace: Workspace) -> None:
    _denials(workspace, "mallory", 12)
    report = checks.run_daily_checks(workspace, "alice")
    assert report.get("access").status == "critical"  # type: ignore[union-attr]
    engine.evaluate(workspace, "alice", report)
    firing = {a.rule for a in engine.open_alerts(workspace) if a.state == "firing"}
    assert "access_burst" in firing
