"""The Service page: status and live plots from a real service, start/stop, live traffic."""

from __future__ import annotations

import time

import httpx
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from console.core.base.errors import BadInput
from console.core.base.workspace import Workspace
from console.core.serving import control, state
from console.gui import workers
from console.gui.main_window import MainWindow
from console.gui.pages.service import ServicePage
from tests.core.serving_models import AUTH, record, running, with_models


@pytest.fixture
def page(window: MainWindow, ws: Workspace) -> ServicePage:
    with_models(ws)
    window.show_page("service")
    found = window.page("service")
    assert isinstance(found, ServicePage)
    return found


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[BaseException]:
    seen: list[BaseException] = []
    monkeypatch.setattr(workers, "show_error", lambda parent, title, exc: seen.append(exc))
    return seen


def test_stopped_service_offers_start_only(page: ServicePage) -> None:
    page.poll()
    assert page.status_tile.value.text() == "stopped"
    assert page.status_tile.state == "warning"
    assert page.start_button.isEnabled()
    assert not page.stop_button.isEnabled()
    assert not page.traffic_button.isEnabled()
    assert "not running" in page.note.text()


def test_running_service_shows_status_and_live_rate(page: ServicePage, ws: Workspace) -> None:
    with running(ws) as service:
        page.poll()
        assert page.status_tile.value.text() == "running"
        assert page.url_tile.value.text() == str(service.port)
        assert page.url_tile.detail.text().startswith("127.0.0.1 · HTTP + token")
        assert page.model_tile.value.text() == "1.0.0"
        assert not page.start_button.isEnabled()
        assert page.stop_button.isEnabled()
        with httpx.Client(headers=AUTH) as client:
            for n in range(10):
                client.post(f"{service.info.url}/v1/predict", json=record(amount=float(n)))
        time.sleep(0.05)
        page.poll()
        latest = page.chart.latest()
        assert latest is not None
        assert latest[0] > 0  # requests per second since the previous poll
        assert page.rate_tile.detail.text().startswith("10 total\n0 errors")
        assert page.latency_tile.value.text().endswith(" ms")
    page.poll()
    assert page.status_tile.value.text() == "stopped"


def test_start_button_runs_the_core_job(
    qtbot: QtBot, page: ServicePage, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, object]] = []

    def fake_start(ws: Workspace, user: str, *, ctx) -> state.ServiceInfo:
        calls.append((user, ctx))
        ctx.progress(1.0, "started")
        return state.ServiceInfo("http://127.0.0.1:1", "127.0.0.1", 1, 1, "now", False)

    monkeypatch.setattr(control, "start_service", fake_start)
    page.poll()
    with qtbot.waitSignal(page.changed, timeout=5000):
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert [user for user, _ in calls] == ["alice"]


def test_a_refused_stop_is_shown(qtbot: QtBot, page: ServicePage, errors) -> None:
    page.stop_service()  # nothing runs: the core refuses
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], BadInput)
    assert "no scoring service is running" in str(errors[0])


def test_live_traffic_toggle_starts_and_stops_the_generator(
    page: ServicePage, ws: Workspace, errors
) -> None:
    page.toggle_traffic()  # no service: refused, nothing started
    assert page.traffic is None
    assert "start it before sending traffic" in str(errors[0])
    with running(ws):
        page.poll()
        page.traffic_button.click()
        proc = page.traffic
        assert proc is not None
        assert proc.poll() is None
        assert page.traffic_button.isChecked()
        page.traffic_button.click()
        assert page.traffic is None
        assert proc.poll() is not None
        assert not page.traffic_button.isChecked()


def test_records_not_logged_for_a_duplicate_id_are_shown(page: ServicePage, ws: Workspace) -> None:
    with running(ws, flush_seconds=600) as service:  # the row stays waiting while we look
        page.poll()
        assert page.cache_tile.state == ""
        with httpx.Client(headers=AUTH) as client:
            for _ in range(3):  # the same id three times: logged once
                client.post(f"{service.info.url}/v1/predict", json=record(transaction_id="r-1"))
        page.poll()
        assert page.cache_tile.detail.text() == "0 rows stored\n1 waiting · 2 not logged"
        assert page.cache_tile.state == "warning"
        assert not page.note.isHidden()
        assert page.note.text().startswith("2 scored records were not logged: the id was")


def test_start_for_a_signed_in_user_the_workspace_will_not_let_run_is_refused(
    qtbot: QtBot, ws: Workspace, errors, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Accounts on, bob signed in (not the OS user), the override off: Start says why."""
    from console.core.base import access
    from console.core.security import accounts, policy

    monkeypatch.setattr(accounts, "_PARAMS", {"n": 2**10, "r": 8, "p": 1})
    with_models(ws)
    ws.set_role("alice", "bob", "operator")
    accounts.set_password(ws, "alice", "alice", "alice-password-1")
    accounts.set_enabled(ws, "alice", True)
    policy.set_console_user_override(ws, "alice", False)
    main = MainWindow(ws, "bob")
    qtbot.addWidget(main)
    main.show()
    main.show_page("service")
    page = main.page("service")
    assert isinstance(page, ServicePage)
    page.poll()
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], access.IdentityRefused)
    assert "would run as bob" in str(errors[0])
    assert state.recent_runs(ws) == []
    main.close()


def test_a_rollback_target_loaded_ahead_is_shown(page: ServicePage, ws: Workspace) -> None:
    with running(ws) as service:
        page.poll()
        assert page.model_tile.detail.text() == "0 hot swaps\nfollows production"
        service.holder.rollback_ready = "0.9.0"  # what the helper's load ahead sets
        page.poll()
        assert page.model_tile.detail.text() == "0 hot swaps\nrollback to 0.9.0 ready"
        assert "already loaded" in page.model_tile.toolTip()


def test_a_page_built_ahead_reads_the_service_once_while_hidden(
    qtbot: QtBot, window: MainWindow, ws: Workspace
) -> None:
    """Its first visit then finds the tiles filled: they no longer change the layout
    (and redraw both plots) under the operator's eyes."""
    with_models(ws)
    with running(ws):
        page = window.build_page(window.page_keys().index("service"))
        assert isinstance(page, ServicePage)
        assert not page.isVisible()
        page.refresh()
        qtbot.waitUntil(lambda: page.status_tile.value.text() == "running", timeout=5000)
        assert page.stale  # and read again when shown
        reads: list[int] = []
        page.load_in_background = lambda *a, **k: reads.append(1)  # type: ignore[method-assign]
        page.refresh()  # hidden again: not a second time
        assert reads == []


def test_the_live_plots_fit_a_1280_by_800_window_without_scrolling(
    qtbot: QtBot, window: MainWindow, page: ServicePage
) -> None:
    """They ask for little height and take what is left: the page once scrolled their
    time axis out of sight."""
    window.resize(1280, 800)
    page.poll()
    qtbot.waitUntil(page.chart.isVisible)
    qtbot.wait(50)
    assert not page.scroll.verticalScrollBar().isVisible()
    plot = page.chart.rate_plot
    axis = plot.getPlotItem().getAxis("bottom")
    bottom = axis.mapRectToScene(axis.boundingRect()).bottom()
    assert plot.mapTo(page, plot.rect().topLeft()).y() + bottom <= page.height()
