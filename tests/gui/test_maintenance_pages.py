"""The Jobs and Validation pages and the Register model dialog, on the real core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import skops.io as sio
from pytestqt.qtbot import QtBot

from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.core.maintenance import catalog, runner, runs
from console.core.models import deploy, registry
from console.core.models import deploy_checks as verification
from console.gui import workers
from console.gui.dialogs.promote import PromoteDialog
from console.gui.dialogs.register_model import RegisterModelDialog
from console.gui.pages import jobs as jobs_page
from console.gui.pages import validation as validation_page
from tests.core.monitoring_helpers import fill
from tests.core.registry_helpers import register, trained

JOB_MS = 60_000


@pytest.fixture
def model_ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    monkeypatch.setattr(deploy, "_running_service", lambda _ws: None)
    monkeypatch.setattr(verification, "LATENCY_CALLS", 5)
    monkeypatch.setattr(verification, "LATENCY_P99_MS", 10_000.0)
    workspace = Workspace.create(tmp_path / "mws", "alice")
    register(workspace, "1.0.0", stage="production")
    register(workspace, "1.1.0", seed=2)
    fill(workspace, days=4, per_day=400)
    yield workspace
    workspace.close()


def test_jobs_page_runs_a_job_and_shows_its_report(
    qtbot: QtBot, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def work(w: Workspace, user: str, ctx: JobContext) -> dict[str, Any]:
        ctx.progress(0.5, "half")
        return {"summary": "drift: none", "ok": True, "findings": ["all quiet"]}

    spec = catalog.JobSpec("drift", "Weekly data drift", "", work, lambda w: {})
    monkeypatch.setitem(catalog.SPECS, "drift", spec)
    page = jobs_page.JobsPage(ws, "alice")
    qtbot.addWidget(page)
    page.resize(1100, 760)
    page.refresh()
    assert page.schedules.rowCount() == 4
    assert page.schedules.item(1, 1).text() == "0 7 * * 1"
    page.schedules.setCurrentCell(1, 0)
    page.run_selected()
    qtbot.waitUntil(lambda: page.job is None, timeout=JOB_MS)
    assert page.history.rowCount() == 1
    assert page.history.item(0, 2).text() == "done"
    assert "all quiet" in page.report.toPlainText()
    monkeypatch.setattr(
        jobs_page.ScheduleEditor, "ask", classmethod(lambda c, p, n, cur: "0 4 * * 3")
    )
    page.edit_selected()
    assert page.schedules.item(1, 1).text() == "0 4 * * 3"
    page.grab().save("/tmp/maint-jobs.png")


def test_validation_page_shows_the_backtest_and_proposes_a_threshold(
    qtbot: QtBot, model_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = runner.run_job(model_ws, "alice", "validation")
    page = validation_page.ValidationPage(model_ws, "alice")
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.refresh()
    assert page.backtest.rowCount() == 4  # 1 Nov 2026 is a Sunday: two weeks, two models
    page.view.setCurrentText("per day")
    assert page.backtest.rowCount() == 8
    page.view.setCurrentText("channel")
    assert page.backtest.rowCount() > 2
    curve = page.threshold_plot.curves["recall"].getData()[0]
    assert curve is not None
    assert len(curve) > 2
    proposed = done.report["threshold"]["proposed"]
    spot = page.threshold_plot.spots[f"proposed {proposed:.4f}"]
    assert spot.data["x"][0] == pytest.approx(done.report["threshold"]["proposed_point"]["fpr"])
    assert page.propose_button.isEnabled()
    page.grab().save("/tmp/maint-validation.png")
    promoted: list[str] = []
    reason = classmethod(lambda c, p, info: "more recall within the FPR limit")
    monkeypatch.setattr(validation_page.ThresholdReason, "ask", reason)
    monkeypatch.setattr(PromoteDialog, "ask", classmethod(
        lambda c, p, w, u, **kw: promoted.append(kw["version"])))  # fmt: skip
    page.propose()
    assert promoted == ["1.1.1"]
    assert registry.require(model_ws, "1.1.1").card["validation_run"] == done.id


def test_register_dialog_refuses_pickle_and_registers_skops(
    qtbot: QtBot, model_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = RegisterModelDialog(model_ws, "alice")
    qtbot.addWidget(dialog)
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(b"\x80\x04fake")
    dialog.path.setText(str(pickled))
    dialog.notes.setPlainText("from the data science team")
    dialog.register()
    assert "is a pickle/joblib file" in dialog.outcome.text()
    assert dialog.registered is None
    good = tmp_path / "model.skops"
    good.write_bytes(sio.dumps(trained(3).pipeline))
    dialog.path.setText(str(good))
    dialog.threshold.setValue(0.42)
    dialog.register()
    qtbot.waitUntil(lambda: dialog.job is None, timeout=JOB_MS)
    assert dialog.registered is not None
    assert dialog.registered.version == "1.2.0"
    assert dialog.registered.threshold == pytest.approx(0.42)
    assert dialog.registered.golden_rows == 1000
    assert dialog.steps.count() >= 4
    assert "every deployment check passed" in dialog.outcome.text()
    dialog.grab().save("/tmp/maint-register.png")


def test_retraining_tab_sets_candidate_beside_production(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.core.models.test_retraining import _production, _small

    workspace = Workspace.create(tmp_path / "rws", "alice")
    _production(workspace)
    fill(workspace, days=3, per_day=500)
    _small(workspace)
    runner.run_job(workspace, "alice", "retraining")
    page = validation_page.ValidationPage(workspace, "alice")
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.refresh()
    page.tabs.setCurrentIndex(1)
    assert page.comparison.rowCount() == 6
    assert page.segments.rowCount() > 2
    assert page.card_diff.rowCount() > 0
    assert page.promote_button.isEnabled()
    page.grab().save("/tmp/maint-retraining.png")
    asked: list[str] = []
    monkeypatch.setattr(PromoteDialog, "ask", classmethod(
        lambda c, p, w, u, **kw: asked.append(kw["version"])))  # fmt: skip
    page.promote_candidate()
    assert asked == ["1.1.0"]
    assert runs.latest(workspace, "retraining") is not None
    workspace.close()


def test_viewers_cannot_run_or_propose(qtbot: QtBot, ws: Workspace) -> None:
    ws.set_role("alice", "vera", "viewer")
    page = jobs_page.JobsPage(ws, "vera")
    qtbot.addWidget(page)
    assert not page.run_action.isEnabled()
    assert not page.edit_action.isEnabled()
    assert workers.running_jobs() == []
