"""The daily check report: every check present, stored, audited, refused for viewers."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.base.errors import PermissionDenied
from console.core.base.workspace import Workspace
from console.core.monitoring import checks, report_html, system
from console.core.monitoring.checks import Check, CheckReport
from tests.core.monitoring_helpers import FakeService, at, fake_partners, fill

REQUIRED = {
    "f1", "fpr", "precision", "recall", "roc_auc", "f1_drop", "missing_values",
    "schema_violations", "ingest_overdue", "refused_batches", "volume", "cpu", "memory",
    "disk", "latency_p99", "error_rate", "backup_age", "data_drift", "f1_estimated",
    "fpr_estimated", "duplicate_ids", "out_of_range", "unseen_categories", "clock_skew",
    "backup_failed", "unlogged_records",
}  # fmt: skip


def count_reports(ws: Workspace) -> int:
    return int(ws.conn.execute("SELECT COUNT(*) FROM check_reports").fetchone()[0])


def test_report_has_every_check_and_is_stored(workspace: Workspace, monkeypatch) -> None:
    fake_partners(monkeypatch, drift="warning")
    fill(workspace, days=10, per_day=300, label_days=8)
    report = checks.run_daily_checks(workspace, "alice", now=at(10))
    assert {c.name for c in report.checks} >= REQUIRED
    assert all(c.status in checks.STATUSES for c in report.checks)
    assert report.get("f1").window == "2026-11-08"  # newest labelled complete day
    assert report.get("f1_estimated").window == "2026-11-10"
    assert report.get("data_drift").status == "warning"
    assert report.get("backup_age").explanation.startswith("no backup")
    stored = checks.latest_report(workspace)
    assert stored == report
    assert stored.id == 1
    row = workspace.conn.execute("SELECT action, details FROM audit ORDER BY seq DESC").fetchone()
    assert row["action"] == "check.run"
    assert '"report": 1' in row["details"]


def test_empty_store_gives_no_data_not_errors(workspace: Workspace, monkeypatch) -> None:
    fake_partners(monkeypatch)
    report = checks.run_daily_checks(workspace, "alice")
    for name in ("f1", "fpr", "f1_drop", "missing_values", "ingest_overdue", "volume"):
        assert report.get(name).status == "no_data", name
    assert "no predictions" in report.get("f1").explanation


def test_critical_f1_makes_the_report_critical(workspace: Workspace, monkeypatch) -> None:
    fake_partners(monkeypatch)
    frame = fill(workspace, days=3, per_day=400, label_days=0)
    import pandas as pd

    from tests.core.monitoring_helpers import ingest_frame

    flipped = pd.DataFrame(
        {
            "transaction_id": frame["transaction_id"],
            "label": 1 - frame["decision"].astype("int64"),  # every decision wrong
            "labelled_at": frame["ts"] + pd.Timedelta(hours=1),
        }
    )
    ingest_frame(workspace, "labels", flipped, "test:flipped")
    report = checks.run_daily_checks(workspace, "alice", now=at(3))
    assert report.get("f1").status == "critical"
    assert report.get("fpr").status == "critical"
    assert report.status == "critical"


def test_viewer_is_refused_and_nothing_is_stored(workspace: Workspace, monkeypatch) -> None:
    fake_partners(monkeypatch)
    workspace.set_role("alice", "bob", "viewer")
    with pytest.raises(PermissionDenied):
        checks.run_daily_checks(workspace, "bob")
    assert count_reports(workspace) == 0
    assert checks.latest_report(workspace) is None


def test_service_numbers_come_from_its_health(workspace: Workspace, monkeypatch) -> None:
    fake_partners(monkeypatch, service=FakeService())
    health = {"model_version": "1.0.0", "requests": 1000, "errors": 80, "p99_ms": 400.0}
    monkeypatch.setattr(system, "fetch_health", lambda ws, info: health)
    report = checks.run_daily_checks(workspace, "alice")
    assert report.get("latency_p99").status == "warning"
    assert report.get("error_rate").value == pytest.approx(0.08)
    assert report.get("error_rate").status == "critical"


def test_unanswered_health_is_critical(workspace: Workspace, monkeypatch) -> None:
    fake_partners(monkeypatch, service=FakeService())
    monkeypatch.setattr(system, "fetch_health", lambda ws, info: None)
    report = checks.run_daily_checks(workspace, "alice")
    assert report.get("latency_p99").status == "critical"


def test_check_round_trips_through_a_dict() -> None:
    check = Check("f1", 0.8, 0.75, "ok", "fine", 10, "2026-11-01")
    assert Check.from_dict(check.as_dict()) == check
    assert CheckReport(None, "t", [check]).as_dict()["status"] == "ok"


def test_html_export_is_one_self_contained_file(
    workspace: Workspace, monkeypatch, tmp_path: Path
) -> None:
    fake_partners(monkeypatch)
    fill(workspace, days=5, per_day=300)
    report = checks.run_daily_checks(workspace, "alice", now=at(5))
    path = report_html.export_html(workspace, "alice", report, tmp_path / "daily.html")
    text = path.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert text.count("<svg") == 3
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "f1_drop" in text
    assert "polyline" in text


def test_html_export_refused_for_a_viewer(workspace: Workspace, monkeypatch, tmp_path) -> None:
    fake_partners(monkeypatch)
    report = checks.run_daily_checks(workspace, "alice")
    workspace.set_role("alice", "bob", "viewer")
    with pytest.raises(PermissionDenied):
        report_html.export_html(workspace, "bob", report, tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


def test_cancelled_check_stores_nothing(workspace: Workspace, monkeypatch) -> None:
    from console.core.base.errors import JobCancelled
    from console.core.base.jobs import JobContext

    fake_partners(monkeypatch)
    fill(workspace, days=2, per_day=100)
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(JobCancelled):
        checks.run_daily_checks(workspace, "alice", ctx=ctx)
    assert count_reports(workspace) == 0
