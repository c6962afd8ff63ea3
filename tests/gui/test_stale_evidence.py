"""The Alerts page says which alerts judge the model that is no longer in production."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from console.core.alerts import engine
from console.core.alerts.rollback_offer import rollback_offer
from console.core.base import clock
from console.core.base.workspace import Workspace
from console.core.models import deploy
from console.core.models import deploy_checks as verification
from console.core.monitoring.checks import Check, CheckReport
from console.gui.main_window import MainWindow
from console.gui.pages.alerts import AlertsPage
from tests.core.registry_helpers import copy_of, shared_template
from tests.gui.conftest import settle


@pytest.fixture
def rolled_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """1.1.0 promoted, F1 critical on a day it scored, then rolled back to 1.0.0."""
    monkeypatch.setattr(deploy, "_running_service", lambda _ws: None)
    monkeypatch.setattr(verification, "LATENCY_CALLS", 5)
    monkeypatch.setattr(verification, "LATENCY_P99_MS", 10_000.0)
    ws = copy_of(shared_template(), tmp_path / "ws")
    deploy.promote(ws, "alice", "1.1.0", reason="retrained")
    day = str(clock.now().date() - dt.timedelta(days=1))
    report = CheckReport(
        1, clock.iso(clock.now()), [Check("f1", 0.41, 0.7, "critical", "F1", 900, day)]
    )
    engine.evaluate(ws, "alice", report, now=clock.now() - dt.timedelta(minutes=5))
    deploy.rollback(ws, "alice", reason="F1 critical")
    yield ws
    ws.close()


def test_the_alert_says_its_evidence_is_from_before_the_rollback(
    qtbot: QtBot, rolled_back: Workspace
) -> None:
    window = MainWindow(rolled_back, "alice")
    qtbot.addWidget(window)
    window.show()
    try:
        window.show_page("alerts")
        page = window.page("alerts")
        assert isinstance(page, AlertsPage)
        settle(qtbot, window)
        page.select("f1_critical")
        row = page.table.currentRow()
        notes = page.table.item(row, page.table.columnCount() - 1).text()
        assert notes.startswith("evidence from before the rollback to 1.0.0 at ")
        assert "awaiting labels" in notes
        facts = page.detail.facts.text()
        assert "Evidence from before the rollback to 1.0.0" in facts
        assert "UTC; awaiting labels" in facts
    finally:
        window.close()


def test_the_banner_does_not_offer_to_roll_back_to_the_version_just_left(
    qtbot: QtBot, rolled_back: Workspace
) -> None:
    window = MainWindow(rolled_back, "alice")
    qtbot.addWidget(window)
    window.show()
    try:
        settle(qtbot, window)
        window.tray.refresh()
        text = window.tray.banner_text.text()
        assert text.startswith("CRITICAL: f1_critical — evidence from before the rollback")
        assert not window.tray.banner_rollback.isVisibleTo(window)
    finally:
        window.close()


def test_the_tray_menu_follows_the_banner_after_a_rollback(
    qtbot: QtBot, rolled_back: Workspace
) -> None:
    """The tray's Roll back… and the alert detail's follow the same core answer as the
    banner: after rolling back from 1.1.0, none offers to roll back again."""
    window = MainWindow(rolled_back, "alice")
    qtbot.addWidget(window)
    window.show()
    try:
        settle(qtbot, window)
        window.tray.refresh()
        offer = rollback_offer(rolled_back, "alice", window.tray.critical_alert())
        assert not offer.offered
        assert not window.tray.rollback_action.isEnabled()
        tip = window.tray.rollback_action.toolTip()
        assert tip.startswith("Evidence from before the rollback to 1.0.0 at ")
        assert tip.endswith("(alert f1_critical)")
        assert not window.tray.banner_rollback.isVisibleTo(window)
        window.show_page("alerts")
        page = window.page("alerts")
        assert isinstance(page, AlertsPage)
        settle(qtbot, window)
        page.select("f1_critical")
        assert not page.detail.rollback_button.isEnabled()
    finally:
        window.close()


def test_before_the_rollback_the_tray_menu_offers_the_previous_version(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy, "_running_service", lambda _ws: None)
    ws = copy_of(shared_template(), tmp_path / "ws")
    deploy.promote(ws, "alice", "1.1.0", reason="retrained")
    check = Check("f1", 0.41, 0.7, "critical", "F1", 900, "1d")
    engine.evaluate(ws, "alice", CheckReport(1, clock.iso(), [check]))
    window = MainWindow(ws, "alice")
    qtbot.addWidget(window)
    window.show()
    try:
        settle(qtbot, window)
        window.tray.refresh()
        assert window.tray.offer.target == "1.0.0"
        assert window.tray.rollback_action.isEnabled()
        assert window.tray.rollback_action.toolTip() == (
            "Put 1.0.0 back in production in place of 1.1.0"
        )
        assert window.tray.banner_rollback.isVisibleTo(window)
    finally:
        window.close()
        ws.close()
