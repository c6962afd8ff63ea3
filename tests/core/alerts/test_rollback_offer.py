"""One answer for the banner, the tray menu and the alert detail: is a rollback offered?"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from console.core.alerts import engine
from console.core.alerts.rollback_offer import rollback_offer
from console.core.base import clock
from console.core.models import deploy
from console.core.models import deploy_checks as verification
from console.core.monitoring.checks import Check, CheckReport
from tests.core.alerts.test_alerts_evidence import log_scored_by
from tests.core.registry_helpers import copy_of, shared_template


def test_the_offer_follows_production_the_role_and_the_alerts_evidence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy, "_running_service", lambda _ws: None)
    monkeypatch.setattr(verification, "LATENCY_CALLS", 5)
    monkeypatch.setattr(verification, "LATENCY_P99_MS", 10_000.0)
    ws = copy_of(shared_template(), tmp_path / "ws")
    try:
        first = rollback_offer(ws, "alice")
        assert not first.offered  # only 1.0.0 was ever in production
        assert first.why == "no earlier production version (production is 1.0.0)"
        deploy.promote(ws, "alice", "1.1.0", reason="retrained")
        day = clock.now().date() - dt.timedelta(days=1)
        log_scored_by(ws, tmp_path, "1.1.0", day)  # the evidence judges 1.1.0
        check = Check("f1", 0.4, 0.7, "critical", "F1", 900, str(day))
        report = CheckReport(1, clock.iso(), [check])
        engine.evaluate(ws, "alice", report)
        (alert,) = [a for a in engine.open_alerts(ws) if a.rule == "f1_critical"]
        offer = rollback_offer(ws, "alice", alert)
        assert (offer.target, offer.why) == (
            "1.0.0",
            "put 1.0.0 back in production in place of 1.1.0",
        )
        ws.set_role("alice", "vera", "viewer")
        assert not rollback_offer(ws, "vera", alert).offered
        deploy.rollback(ws, "alice", reason="F1 critical")
        (alert,) = [a for a in engine.open_alerts(ws) if a.rule == "f1_critical"]
        after = rollback_offer(ws, "alice", alert)
        assert after.target is None
        assert after.why.startswith("evidence from before the rollback to 1.0.0 at ")
        assert after.why.endswith("; awaiting labels (alert f1_critical)")
        assert after.stale is not None
        assert not rollback_offer(ws, "alice").offered  # 1.1.0 was rolled back from
    finally:
        ws.close()
