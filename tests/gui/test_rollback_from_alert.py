"""From a firing critical alert to a completed rollback: at most 3 clicks, the reason
prefilled from the alert and focused, the result shown in place."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from console.core.alerts import engine
from console.core.base import clock
from console.core.base.workspace import Workspace
from console.core.data import ingest
from console.core.models import deploy, registry
from console.core.models import deploy_checks as verification
from console.core.monitoring.checks import Check, CheckReport
from console.gui.dialogs.promote import DeploymentDialog
from console.gui.dialogs.rollback import RollbackDialog, reason_for
from console.gui.main_window import MainWindow
from console.gui.pages.alerts import AlertsPage
from console.gui.pages.models import ModelsPage
from tests.conftest import make_predictions
from tests.core.registry_helpers import copy_of, shared_template

LEFT = Qt.MouseButton.LeftButton
ROLLBACK_BUDGET_S = 5.0  # from the click on the alert to production switched


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """1.1.0 in production over 1.0.0 (pre-verified), and F1 critical firing."""
    monkeypatch.setattr(deploy, "_running_service", lambda _ws: None)
    monkeypatch.setattr(verification, "LATENCY_CALLS", 5)
    monkeypatch.setattr(verification, "LATENCY_P99_MS", 10_000.0)  # a busy test box
    workspace = copy_of(shared_template(), tmp_path / "ws")
    deploy.promote(workspace, "alice", "1.1.0", reason="newer")
    deploy.preverify(workspace, "alice", "1.0.0")
    check = Check("f1", 0.52, 0.7, "critical", "F1 over the last day", 900, "1d")
    engine.evaluate(workspace, "alice", CheckReport(1, clock.iso(), [check]))
    yield workspace
    workspace.close()


@pytest.fixture
def driven(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> list[RollbackDialog]:
    """Stands in for the modal exec(): shows the dialog, checks what the operator sees,
    and makes the one remaining click."""
    opened: list[RollbackDialog] = []

    def drive(dialog: DeploymentDialog) -> int:
        assert isinstance(dialog, RollbackDialog)
        opened.append(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.focusWidget() is dialog.reason  # typing edits the reason at once
        assert dialog.target.currentText() == "1.0.0"
        assert dialog.run_button.isEnabled()  # nothing to type: the reason is there
        with qtbot.waitSignal(dialog.deployed, timeout=30_000):
            qtbot.mouseClick(dialog.run_button, LEFT)  # the last click
        dialog.window_state = dialog.production_label.text()  # type: ignore[attr-defined]
        return 1

    monkeypatch.setattr(DeploymentDialog, "exec", drive)
    return opened


def check_rolled_back(window: MainWindow, ws: Workspace, dialog: RollbackDialog) -> None:
    assert dialog.deployment is not None
    assert dialog.deployment.outcome == "switched", dialog.deployment.checks
    assert registry.production(ws).version == "1.0.0"  # type: ignore[union-attr]
    assert "1.0.0" in dialog.window_state  # type: ignore[attr-defined]
    assert "was 1.1.0" in dialog.window_state  # type: ignore[attr-defined]
    assert "Production is now 1.0.0" in dialog.outcome.text()
    models = window.page("models")
    assert isinstance(models, ModelsPage)
    assert "Production: 1.0.0" in models.subtitle.text()  # refreshed behind the dialog
    assert "f1_critical" in dialog.deployment.reason  # recorded as prefilled
    dialog.close()


def test_banner_rollback_is_two_clicks_with_the_reason_from_the_alert(
    window: MainWindow, ws: Workspace, qtbot: QtBot, driven: list[RollbackDialog]
) -> None:
    window.tray.refresh()
    assert window.tray.banner.isVisibleTo(window)
    assert window.tray.banner_rollback.isVisibleTo(window)
    started = time.perf_counter()
    qtbot.mouseClick(window.tray.banner_rollback, LEFT)  # click 1; the dialog's is click 2
    elapsed = time.perf_counter() - started
    (dialog,) = driven
    assert dialog.reason.text().startswith("Critical alert f1_critical since ")
    assert "0.52" in dialog.reason.text()
    assert elapsed < ROLLBACK_BUDGET_S
    check_rolled_back(window, ws, dialog)


def test_alert_detail_rollback_is_three_clicks(
    window: MainWindow, ws: Workspace, qtbot: QtBot, driven: list[RollbackDialog]
) -> None:
    window.show_page("alerts")
    page = window.page("alerts")
    assert isinstance(page, AlertsPage)
    page.refresh()
    row = next(r for r, a in enumerate(page.table.alerts) if a.rule == "f1_critical")
    rect = page.table.visualItemRect(page.table.item(row, 0))
    qtbot.mouseClick(page.table.viewport(), LEFT, pos=rect.center())  # click 1: the alert
    assert page.detail.alert is not None
    assert page.detail.alert.rule == "f1_critical"
    qtbot.mouseClick(page.detail.rollback_button, LEFT)  # click 2: "Roll back…"
    (dialog,) = driven  # click 3 was the dialog's Roll back
    assert dialog.reason.text() == reason_for(page.detail.alert)
    check_rolled_back(window, ws, dialog)


def test_tray_menu_offers_rollback(
    window: MainWindow, ws: Workspace, driven: list[RollbackDialog]
) -> None:
    window.tray.refresh()
    assert window.tray.rollback_action in window.tray.menu.actions()
    assert window.tray.rollback_action.isEnabled()
    window.tray.rollback_action.trigger()  # the tray menu's "Roll back…"
    (dialog,) = driven
    assert "f1_critical" in dialog.reason.text()
    check_rolled_back(window, ws, dialog)


def test_viewer_is_not_offered_a_rollback(window: MainWindow, ws: Workspace) -> None:
    ws.set_role("alice", "vera", "viewer")
    viewer = MainWindow(ws, "vera")
    try:
        assert not viewer.tray.rollback_action.isEnabled()
        assert not viewer.tray.banner_rollback.isVisibleTo(viewer)
        assert not viewer.readiness.enabled
    finally:
        viewer.close()


def test_the_window_preverifies_the_rollback_target_when_idle(qtbot: QtBot, ws: Workspace) -> None:
    with ws.conn:
        ws.conn.execute("DELETE FROM verified_artifacts")
    window = MainWindow(ws, "alice")
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.readiness.prepared, timeout=60_000) as seen:
        pass
    assert seen.args == ["1.0.0", True]
    assert deploy.preverified(ws, "1.0.0") is not None
    dialog = RollbackDialog.build(ws, "alice")
    qtbot.addWidget(dialog)
    assert "1.0.0 pre-verified" in dialog.readiness.text()
    dialog.close()
    window.close()


def test_a_click_on_the_desktop_notification_opens_its_alert(
    window: MainWindow, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    raised: list[bool] = []
    monkeypatch.setattr(window.tray, "show_window", lambda: raised.append(True))  # offscreen
    window.tray.refresh()
    window.show_page("overview")
    window.tray.notification_clicked()
    assert raised  # the window comes up
    assert window.current_page().key == "alerts"
    page = window.page("alerts")
    assert isinstance(page, AlertsPage)
    assert page.detail.alert is not None
    assert page.detail.alert.rule == "f1_critical"
    assert page.detail.rollback_button.isEnabled()  # the next click: "Roll back…"


def test_the_dialog_backtests_the_target_beside_production(
    qtbot: QtBot, ws: Workspace, tmp_path: Path
) -> None:
    frame = make_predictions(days=2, per_day=300, seed=5)
    schema = ws.config.data_schema
    predictions = tmp_path / "predictions.parquet"
    frame[schema.prediction_columns].to_parquet(predictions, index=False)
    labels = tmp_path / "labels.parquet"
    frame.rename(columns={"is_fraud": schema.label})[schema.label_columns].to_parquet(labels)
    ingest.ingest_file(ws, "alice", "predictions", predictions)
    ingest.ingest_file(ws, "alice", "labels", labels)
    dialog = RollbackDialog.build(ws, "alice")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: bool(dialog.backtest.results), timeout=60_000)
    newer, older = dialog.backtest.results
    assert (newer.version, older.version) == ("1.0.0", "1.1.0")  # the target first
    assert newer.rows == older.rows == len(frame)
    assert older.in_production
    text = dialog.backtest.text()
    assert "1.1.0 (production)" in text
    assert f"{len(frame):,} labelled rows" in text
    dialog.reason.setText("back to 1.0.0")
    with qtbot.waitSignal(dialog.deployed, timeout=30_000):
        dialog.start()
    assert "1.0.0 (production)" in dialog.backtest.text()  # the labels follow the switch
    assert "1.1.0 (production)" not in dialog.backtest.text()
    assert dialog.comparison.horizontalHeaderItem(0).text() == "1.1.0 (archived)"
    assert dialog.comparison.horizontalHeaderItem(1).text() == "1.0.0 (production)"
    dialog.close()
