"""The Models page, and the Promote and Rollback dialogs driving the real core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from console.core.base.workspace import Workspace
from console.core.models import deploy, registry
from console.core.models import deploy_checks as verification
from console.core.models.deploy import CheckResult, Deployment
from console.gui import workers
from console.gui.dialogs.promote import ALL_STEPS, DeploymentDialog, PromoteDialog
from console.gui.dialogs.rollback import RollbackDialog
from console.gui.main_window import MainWindow
from console.gui.pages.models import ModelsPage
from console.gui.widgets.version_table import COLUMNS
from tests.core.registry_helpers import copy_of, shared_template

JOB_TIMEOUT_MS = 60_000
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def template() -> Path:
    return shared_template()


@pytest.fixture
def ws(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """Overrides the GUI conftest's ws: 1.0.0 in production, candidates 1.1.0 and 1.2.0."""
    monkeypatch.setattr(deploy, "_running_service", lambda _ws: None)
    monkeypatch.setattr(verification, "LATENCY_CALLS", 5)
    monkeypatch.setattr(verification, "LATENCY_P99_MS", 10_000.0)  # a busy test box
    workspace = copy_of(template, tmp_path / "ws")
    yield workspace
    workspace.close()


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(workers, "show_error", lambda _p, _t, exc: shown.append(str(exc)))
    return shown


def models_page(window: MainWindow) -> ModelsPage:
    page = window.page("models")
    assert isinstance(page, ModelsPage)
    return page


def run_dialog(qtbot: QtBot, dialog: DeploymentDialog, reason: str) -> list[str]:
    """Type the reason, press the dialog's button, wait for the outcome; the steps seen."""
    seen: list[str] = []
    dialog.step_done.connect(lambda step: seen.append(step.name))
    assert not dialog.run_button.isEnabled()  # no reason yet
    dialog.reason.setText(reason)
    assert dialog.run_button.isEnabled()
    with qtbot.waitSignal(dialog.deployed, timeout=JOB_TIMEOUT_MS):
        qtbot.mouseClick(dialog.run_button, LEFT)
    return seen


def test_page_lists_versions_card_and_comparison(window: MainWindow) -> None:
    window.show_page("models")
    page = models_page(window)
    page.refresh()
    assert page.model.rowCount() == 3
    assert "Production: 1.0.0 · 3 versions" in page.subtitle.text()
    stage = [field for _t, field in COLUMNS].index("stage")
    shown = {page.proxy.index(r, 0).data(): page.proxy.index(r, stage).data() for r in range(3)}
    assert shown == {"1.2.0": "candidate", "1.1.0": "candidate", "1.0.0": "production"}
    assert page.selected_version() == "1.0.0"
    assert "Model 1.0.0" in page.card.toPlainText()
    assert "300 rows with expected scores" in page.card.toPlainText()
    left, right = page.compared()
    assert (left.version if left else None, right.version if right else None) == (
        "1.0.0",
        "1.2.0",
    )
    page.right.setCurrentText("1.1.0")
    one, other = registry.require(page.ws, "1.0.0"), registry.require(page.ws, "1.1.0")
    assert page.comparison.change_of("f1") == f"{other.metrics['f1'] - one.metrics['f1']:+.4f}"
    assert not page.promote_action.isEnabled()  # production is selected
    page.select_version("1.1.0")
    assert page.promote_action.isEnabled()
    assert page.history.table.rowCount() == 1


def test_promote_dialog_ticks_steps_live_and_switches(qtbot: QtBot, ws: Workspace) -> None:
    dialog = PromoteDialog.build(ws, "alice", version="1.1.0")
    qtbot.addWidget(dialog)
    assert dialog.target.currentText() == "1.1.0"
    assert dialog.comparison.horizontalHeaderItem(0).text() == "1.0.0 (production)"
    seen = run_dialog(qtbot, dialog, "better recall on the holdout")
    assert seen == list(ALL_STEPS)  # each step arrived, in order, as it finished
    assert set(dialog.step_states().values()) == {"ok"}
    assert dialog.deployment is not None
    assert dialog.deployment.outcome == "switched"
    assert "Production is now 1.1.0" in dialog.outcome.text()
    assert registry.production(ws).version == "1.1.0"  # type: ignore[union-attr]
    assert dialog.close_button.text() == "Close"
    # the dialog's own "In production" follows the switch (it used to stay on 1.0.0)
    assert "1.1.0" in dialog.production_label.text()
    assert "was 1.0.0" in dialog.production_label.text()


def test_refused_promote_shows_the_failed_step_and_keeps_production(
    qtbot: QtBot, ws: Workspace
) -> None:
    path = ws.root / registry.require(ws, "1.2.0").path
    path.write_bytes(path.read_bytes()[:-5] + b"XXXXX")
    dialog = PromoteDialog.build(ws, "alice", version="1.2.0")
    qtbot.addWidget(dialog)
    run_dialog(qtbot, dialog, "try the tampered one")
    states = dialog.step_states()
    assert states["artifact_hash"] == "failed"
    assert states["safe_load"] == "pending"
    assert "Refused" in dialog.outcome.text()
    assert "Production stays 1.0.0" in dialog.outcome.text()
    assert registry.production(ws).version == "1.0.0"  # type: ignore[union-attr]


def test_denied_promote_goes_to_show_error_and_changes_nothing(
    qtbot: QtBot, ws: Workspace, errors: list[str]
) -> None:
    ws.set_role("alice", "olga", "operator")
    dialog = PromoteDialog.build(ws, "olga", version="1.1.0")
    qtbot.addWidget(dialog)
    dialog.reason.setText("operators may not")
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.running, timeout=JOB_TIMEOUT_MS)
    assert errors == ["permission denied: olga (operator) may not model.promote"]
    assert "Not done" in dialog.outcome.text()
    assert dialog.run_button.isEnabled()  # can retry
    assert registry.production(ws).version == "1.0.0"  # type: ignore[union-attr]


def test_rollback_is_three_clicks_from_the_main_window(
    qtbot: QtBot, window: MainWindow, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy.promote(ws, "alice", "1.1.0", reason="setup")
    window.refresh_pages()
    opened: list[RollbackDialog] = []

    def drive(dialog: DeploymentDialog) -> int:  # stands in for the modal exec()
        assert isinstance(dialog, RollbackDialog)
        opened.append(dialog)
        dialog.reason.setText("F1 fell after 1.1.0")  # typing, not a click
        with qtbot.waitSignal(dialog.deployed, timeout=JOB_TIMEOUT_MS):
            qtbot.mouseClick(dialog.run_button, LEFT)  # click 3
        return 1

    monkeypatch.setattr(DeploymentDialog, "exec", drive)
    window.show_page("models")  # click 1: the sidebar entry
    page = models_page(window)
    page.rollback_action.trigger()  # click 2: "Roll back…"
    (dialog,) = opened
    assert dialog.target.currentText() == "1.0.0"  # the previous version, preselected
    assert dialog.deployment is not None
    assert dialog.deployment.outcome == "switched", dialog.deployment.checks
    assert registry.production(ws).version == "1.0.0"  # type: ignore[union-attr]
    assert "Production: 1.0.0" in page.subtitle.text()  # the window refreshed
    assert page.history.table.item(0, 2).text() == "rollback"
    dialog.close()


def test_rollback_with_nothing_earlier_says_so(qtbot: QtBot, ws: Workspace) -> None:
    dialog = RollbackDialog.build(ws, "alice")
    qtbot.addWidget(dialog)
    assert dialog.target.count() == 0
    assert dialog.outcome.text() == "No earlier production version to roll back to."
    dialog.reason.setText("anything")
    assert not dialog.run_button.isEnabled()


def test_verify_fills_the_verification_list(qtbot: QtBot, window: MainWindow) -> None:
    window.show_page("models")
    page = models_page(window)
    page.select_version("1.2.0")
    page.verify_action.trigger()
    qtbot.waitUntil(lambda: page.verify_job is None, timeout=JOB_TIMEOUT_MS)
    texts = [page.verification.item(i).text() for i in range(page.verification.count())]
    assert texts[0] == "1.2.0: all checks passed"
    assert texts[4].startswith("known answer: 300 golden rows reproduce")
    assert registry.production(page.ws).version == "1.0.0"  # type: ignore[union-attr]


def test_history_shows_checks_of_the_selected_deployment(window: MainWindow, ws: Workspace) -> None:
    result: Deployment = deploy.promote(ws, "alice", "1.2.0", reason="for the history")
    window.refresh_pages()
    page = models_page(window)
    assert page.history.table.item(0, 5).text() == "switched"
    assert page.history.checks.count() == len(result.checks)
    first: CheckResult = result.checks[0]
    assert page.history.checks.item(0).text().startswith(f"artifact hash: {first.detail}")
