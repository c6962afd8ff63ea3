"""Alert centre and tray/badge: a critical appears in the badge and banner, is acknowledged
from there, and the page shows it with its plot, history, silences and rollback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from console.core.alerts import engine, silences
from console.core.base import clock
from console.core.base.workspace import Workspace
from console.core.monitoring.checks import Check, CheckReport
from console.gui import workers
from console.gui.dialogs.alert_ack import AckDialog
from console.gui.dialogs.alert_silence import SilenceDialog, SilenceRequest
from console.gui.dialogs.rollback import RollbackDialog
from console.gui.main_window import MainWindow
from console.gui.pages.alerts import AlertsPage
from console.gui.tray import TrayController


def report(f1: float, minutes_ago: float = 0) -> CheckReport:
    at = clock.iso(clock.now() - timedelta(minutes=minutes_ago))
    status = "critical" if f1 < 0.7 else "ok"
    return CheckReport(1, at, [Check("f1", f1, 0.7, status, "F1 over the last day", 900, "1d")])


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(workers, "show_error", lambda _p, title, exc: shown.append(str(exc)))
    return shown


@pytest.fixture
def tray(window: MainWindow) -> Iterator[TrayController]:
    controller = TrayController(window, use_tray=False)  # offscreen has no system tray
    yield controller
    controller.stop()


def page(window: MainWindow) -> AlertsPage:
    return window.page("alerts")  # type: ignore[return-value]


def test_a_critical_shows_in_badge_and_banner_and_is_acknowledged(
    window: MainWindow, ws: Workspace, tray: TrayController, *, qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch, errors: list[str],
) -> None:  # fmt: skip
    assert (tray.worst, tray.count) == ("", 0)
    assert not tray.banner.isVisibleTo(window)
    engine.evaluate(ws, "alice", report(0.55, 5), now=clock.now() - timedelta(minutes=5))
    with qtbot.waitSignal(tray.updated) as seen:
        tray.refresh()
    assert seen.args == ["critical", 1]  # the warning on F1 is inhibited, not counted
    assert tray.badge.text() == "1"
    overview = window.overview_page
    overview.refresh()  # the Overview counts open alerts as the badge does
    qtbot.waitUntil(lambda: not overview.loading())
    assert overview.status.alerts.value.text() == "1"
    assert "1 quiet" in overview.status.alerts.detail.full_text()  # the inhibited warning
    assert tray.banner.isVisibleTo(window)
    assert "f1_critical" in tray.banner_text.text()
    notice = window.statusBar().currentMessage()  # the desktop notice: short and human
    assert notice.startswith("Critical: F1 below the critical level (f1 = 0.55")
    assert "console:" not in notice
    assert "Runbook" not in notice
    assert len(notice) <= 100
    assert [a.text() for a in tray.ack_menu.actions()] == ["critical: f1_critical"]

    monkeypatch.setattr(AckDialog, "ask", classmethod(lambda cls, parent, alert, user: "on it"))
    tray.ack_first()
    assert window.current_page().key == "alerts"
    [critical] = [a for a in engine.open_alerts(ws) if a.rule == "f1_critical"]
    assert (critical.acked_by, critical.ack_note) == ("alice", "on it")
    assert not tray.banner.isVisibleTo(window)  # acknowledged: the banner stands down
    assert tray.badge.text() == "1"  # still firing, still counted
    assert errors == []


def test_timer_tick_evaluates_the_latest_report(
    qtbot: QtBot,
    window: MainWindow,
    ws: Workspace,
    tray: TrayController,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine, "latest_report", lambda _ws: report(0.5))
    tray.tick()
    qtbot.waitUntil(lambda: tray.evaluation is None and tray.worst == "critical")
    alerts_page = page(window)
    window.show_page("alerts")  # a hidden page follows the event when it is shown
    qtbot.waitUntil(lambda: alerts_page.table.rowCount() >= 2)
    assert alerts_page.table.item(0, 2).text() == "f1_critical"


def test_evaluate_now_rechecks_the_live_world_then_evaluates_without_a_dialog(
    qtbot: QtBot, window: MainWindow, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.core.monitoring import checks

    monkeypatch.setattr(checks, "latest_report", lambda _ws: report(0.5))
    p = page(window)
    window.show_page("alerts")
    with qtbot.waitSignal(p.changed, timeout=10_000):
        p.evaluate_action.trigger()
        assert p.busy.isVisible()  # inline progress in the header, no dialog
        assert all(job.dialog is None for job in workers.running_jobs())
    assert "f1_critical" in [a.rule for a in engine.open_alerts(ws) if a.state == "firing"]
    assert p.last_run is not None
    assert p.last_run.live_only
    stored = p.last_run.report
    assert stored.get("latency_p99").explanation == "no scoring service is running"
    assert stored.get("f1").value == 0.5  # carried over from the last full check
    note = p.done_note.text()
    assert note.startswith("Re-checked the pipeline, the machine and the scoring service")
    assert "fired" in note
    assert not p.busy.isVisible()


def test_a_slow_delivery_never_holds_up_the_window(
    qtbot: QtBot, tray: TrayController, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    calls: list[str] = []

    def slow_relay(*args: object, **kwargs: object) -> list[object]:
        calls.append("evaluated")
        release.wait(5)  # an SMTP relay that does not answer
        return []

    monkeypatch.setattr(engine, "evaluate_latest", slow_relay)
    started = time.perf_counter()
    tray.tick()
    tray.tick()  # while the first runs: evaluated once more afterwards, not twice at once
    assert time.perf_counter() - started < 0.5
    qtbot.waitUntil(lambda: len(calls) == 1)
    assert tray.evaluation is not None
    release.set()
    qtbot.waitUntil(lambda: len(calls) == 2 and tray.evaluation is None)


def test_page_shows_alert_plot_history_and_acts(
    window: MainWindow, ws: Workspace, monkeypatch: pytest.MonkeyPatch, errors: list[str]
) -> None:
    for minutes, f1 in ((300, 0.8), (200, 0.74), (100, 0.6)):
        engine.evaluate(
            ws, "alice", report(f1, minutes), now=clock.now() - timedelta(minutes=minutes)
        )
    window.show_page("alerts")
    window.refresh_pages()
    p = page(window)
    p.table.select_rule("f1_critical")
    assert p.detail.alert is not None
    assert p.detail.alert.rule == "f1_critical"
    assert list(p.detail.plot.curve.yData) == [0.8, 0.74, 0.6]
    assert p.detail.plot.limit.value() == 0.7
    assert "critical" in p.subtitle.text()
    p.kind_filter.setCurrentText("fired")
    kinds = {p.history.item(r, 3).text() for r in range(p.history.rowCount())}
    assert kinds == {"fired"}

    request = SilenceRequest({"rule": "f1_*"}, clock.now() + timedelta(hours=1), "retraining")
    monkeypatch.setattr(SilenceDialog, "ask", classmethod(lambda cls, parent, alert: request))
    p.silence_selected()
    assert [s.reason for s in silences.list_silences(ws)] == ["retraining"]
    assert p.silence_table.rowCount() == 1
    assert "silenced" in p.table.item(0, 6).text()
    p.silence_table.selectRow(0)
    p.end_selected_silence()
    assert silences.list_silences(ws) == []

    # no earlier production version: the detail does not offer a rollback, and says why
    assert not p.detail.rollback_button.isEnabled()
    assert p.detail.rollback_button.toolTip().startswith("No earlier production version")
    asked: list[Any] = []
    monkeypatch.setattr(
        RollbackDialog, "ask", classmethod(lambda cls, *a, **kw: asked.append((a, kw)) or None)
    )
    p.rollback()  # the page's slot, as the enabled button calls it
    ((args, options),) = asked
    assert args == (window, ws, "alice")
    assert options["alert"].rule == "f1_critical"  # the reason comes from the alert


def test_viewer_sees_alerts_but_cannot_act(
    qtbot: QtBot, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.evaluate(ws, "alice", report(0.5))
    ws.set_role("alice", "victor", "viewer")
    viewer = MainWindow(ws, "victor")
    qtbot.addWidget(viewer)
    p = page(viewer)
    assert p.table.rowCount() >= 1
    assert not p.ack_action.isEnabled()
    assert not p.silence_action.isEnabled()
    assert not p.evaluate_action.isEnabled()
    controller = TrayController(viewer, use_tray=False)
    monkeypatch.setattr(engine, "evaluate_latest", lambda *a, **k: pytest.fail("viewer evaluated"))
    controller.tick()  # refreshes without evaluating
    assert controller.worst == "critical"
    assert not controller.ack_menu.isEnabled()
    controller.stop()
    viewer.close()


def test_broken_rules_are_shown_not_raised(window: MainWindow, ws: Workspace) -> None:
    # console.toml is validated when the workspace opens; an [alerts] table that fails
    # later (here: swapped in) must still be shown on the page, not raised
    broken = {"rules": {"x": {"metric": "f9"}}}
    ws.config = ws.config.model_copy(update={"alerts": broken})
    window.refresh_pages()
    p = page(window)
    assert not p.problem.isHidden()
    assert "alerts.rules.x" in p.problem.text()
