"""After a rollback, alerts whose evidence predates it say so, with the new estimate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.core.alerts import engine, evidence
from console.core.base import clock
from console.core.base.workspace import Workspace
from console.core.data import ingest, store
from console.core.models import deploy
from console.core.models import deploy_checks as verification
from console.core.monitoring.checks import Check, CheckReport
from tests.conftest import make_predictions
from tests.core.registry_helpers import copy_of, shared_template


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """1.0.0 in production, then 1.1.0 promoted; no service."""
    monkeypatch.setattr(deploy, "_running_service", lambda _ws: None)
    monkeypatch.setattr(verification, "LATENCY_CALLS", 5)
    monkeypatch.setattr(verification, "LATENCY_P99_MS", 10_000.0)
    workspace = copy_of(shared_template(), tmp_path / "ws")
    deploy.promote(workspace, "alice", "1.1.0", reason="retrained")
    yield workspace
    workspace.close()


def f1_report(day: dt.date, *, estimate_day: dt.date | None = None) -> CheckReport:
    checks = [Check("f1", 0.55, 0.7, "critical", "F1 of the last labelled day", 900, str(day))]
    if estimate_day is not None:
        checks.append(Check("f1_estimated", 0.742, 0.7, "ok", "estimated", 400, str(estimate_day)))
    return CheckReport(1, clock.iso(clock.now() - dt.timedelta(minutes=10)), checks)


def test_an_alert_on_evidence_from_before_the_rollback_says_so(ws: Workspace) -> None:
    today = clock.now().date()
    report = f1_report(today - dt.timedelta(days=2))
    engine.evaluate(ws, "alice", report, now=clock.now() - dt.timedelta(minutes=5))
    # the promotion happened today, after the evidence window: that evidence is about 1.0.0
    before = evidence.stale_evidence(ws, engine.open_alerts(ws), report)
    assert before["f1_critical"].note.startswith("evidence from before the promotion of 1.1.0")
    deploy.rollback(ws, "alice", reason="F1 critical since the promotion")
    stale = evidence.stale_evidence(ws, engine.open_alerts(ws), report)
    assert "f1_critical" in stale
    note = stale["f1_critical"].note
    assert note.startswith("evidence from before the rollback to 1.0.0 at ")
    assert note.endswith(" UTC; awaiting labels")
    assert stale["f1_critical"].estimate == "no estimate for 1.0.0 yet"
    # scores of the new model arrive: their estimate is shown beside the old evidence
    later = f1_report(today - dt.timedelta(days=2), estimate_day=today)
    stale = evidence.stale_evidence(ws, engine.open_alerts(ws), later)
    assert stale["f1_critical"].estimate == (
        f"estimated F1 0.742 for 1.0.0 (scores of {today}, before labels)"
    )
    # labelled evidence from after the rollback: the alert is judged on it as usual
    tomorrow = str(today + dt.timedelta(days=1))
    fresh = CheckReport(
        2, clock.iso(clock.now()), [Check("f1", 0.81, 0.7, "ok", "F1", 900, tomorrow)]
    )
    engine.evaluate(ws, "alice", fresh)
    assert "f1_critical" not in evidence.stale_evidence(ws, engine.open_alerts(ws), fresh)


def test_no_deployment_on_record_marks_nothing(workspace: Workspace) -> None:
    report = f1_report(clock.now().date() - dt.timedelta(days=3))
    engine.evaluate(workspace, "alice", report, now=clock.now() - dt.timedelta(minutes=5))
    assert evidence.stale_evidence(workspace, engine.open_alerts(workspace), report) == {}
    assert evidence.evidence_day("2026-11-22..2026-11-28") == dt.date(2026, 11, 28)
    assert evidence.evidence_day("since start") is None


def log_scored_by(ws: Workspace, folder: Path, version: str, day: dt.date) -> None:
    """Predictions of ``day`` in the log, scored by ``version`` (as the service writes)."""
    frame = make_predictions(days=1, per_day=50, start=str(day))
    frame[store.MODEL_VERSION] = version
    path = folder / f"predictions-{version}-{day}.parquet"
    frame[[*ws.config.data_schema.prediction_columns, store.MODEL_VERSION]].to_parquet(path)
    ingest.ingest_file(ws, "alice", "predictions", path)


def test_evidence_scored_by_the_version_in_production_is_current_whatever_its_date(
    ws: Workspace, tmp_path: Path
) -> None:
    """The promotion was recorded today, yet the logged rows of two days ago say 1.1.0
    scored them (a history replayed later, or a clock behind): they judge production."""
    day = clock.now().date() - dt.timedelta(days=2)
    log_scored_by(ws, tmp_path, "1.1.0", day)
    assert evidence.scored_by(ws, day) == "1.1.0"
    report = f1_report(day, estimate_day=day)
    engine.evaluate(ws, "alice", report, now=clock.now() - dt.timedelta(minutes=5))
    assert evidence.stale_evidence(ws, engine.open_alerts(ws), report) == {}
    deploy.rollback(ws, "alice", reason="F1 critical since the promotion")
    stale = evidence.stale_evidence(ws, engine.open_alerts(ws), report)
    assert stale["f1_critical"].note.startswith("evidence from before the rollback to 1.0.0 at ")
    assert stale["f1_critical"].scored_by == "1.1.0"
    # the estimate was computed on 1.1.0's scores too: none yet for 1.0.0
    assert stale["f1_critical"].estimate == "no scores of 1.0.0 estimated yet"


def test_evidence_scored_by_the_version_rolled_back_to_is_not_stale(
    ws: Workspace, tmp_path: Path
) -> None:
    """An alert on days that 1.0.0 scored (before 1.1.0) judges the version in production
    again after the rollback: nothing marks it as old evidence."""
    day = clock.now().date() - dt.timedelta(days=5)
    log_scored_by(ws, tmp_path, "1.0.0", day)
    report = f1_report(day)
    engine.evaluate(ws, "alice", report, now=clock.now() - dt.timedelta(minutes=5))
    assert "f1_critical" in evidence.stale_evidence(ws, engine.open_alerts(ws), report)
    deploy.rollback(ws, "alice", reason="back to 1.0.0")
    assert evidence.stale_evidence(ws, engine.open_alerts(ws), report) == {}
