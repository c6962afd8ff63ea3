"""Service: start, stop and restart the scoring service; its URL, status and live plots.

Once a second, off the GUI thread, the page reads where the workspace's service runs
(core ``state``) and its ``/health`` (loopback, a short timeout), and plots the request
rate and latency; a start or stop anywhere (``service_changed``) reads at once.
Start, stop and restart are core jobs (progress dialog); "Live traffic" runs the
traffic generator in a child process against the service.
"""

from __future__ import annotations

import subprocess
import time
from typing import Any

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import (
    QLabel,
    QWidget,
)

from console.core.base.errors import ConsoleError
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.core.serving import control, security, state
from console.gui import formatting as fmt
from console.gui import workers
from console.gui.pages.base import Page
from console.gui.widgets.panel import panel
from console.gui.widgets.service_chart import ServiceLiveChart
from console.gui.widgets.stat_tile import StatTile, tile_row

POLL_MS = 1000
HEALTH_TIMEOUT = 0.3
LIVE_TRAFFIC_RATE = 20.0


#: where the service runs, its /health (None: not answering) and why not
ServiceStatus = tuple["state.ServiceInfo | None", "dict[str, Any] | None", str]


def read_status(ws: Workspace, *, ctx: JobContext | None = None) -> ServiceStatus:
    """Where ``ws``'s service runs and its /health (loopback, a short timeout)."""
    info = state.running_service(ws)
    if info is None:
        return None, None, ""
    try:
        verify = security.client_context(ws) if info.tls else True
        return info, state.fetch_health(info, HEALTH_TIMEOUT, verify), ""
    except (OSError, ConsoleError) as exc:
        return info, None, str(exc)


class ServicePage(Page):
    key = "service"
    title = "Scoring service"
    icon_name = "mdi6.server-network"
    order = 55
    listens_to = ("service_changed", "deployed")

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, user, parent)
        self.info: state.ServiceInfo | None = None
        self.health: dict[str, Any] | None = None
        self.traffic: subprocess.Popen[bytes] | None = None
        self.stale = True  # read when first shown
        self._read_once = False
        self._last: tuple[float, int] | None = None  # (monotonic time, requests) of last poll

        self.start_action = self.header_action(
            "Start", "mdi6.play", "Ctrl+Shift+S", self.start_service
        )
        self.stop_action = self.header_action(
            "Stop", "mdi6.stop", "Ctrl+Shift+X", self.stop_service
        )
        self.restart_action = self.header_action(
            "Restart", "mdi6.restart", "Ctrl+Shift+R", self.restart_service
        )
        self.traffic_action = self.header_action(
            "Live traffic",
            "mdi6.swap-horizontal",
            "Ctrl+Shift+T",
            self.toggle_traffic,
            checkable=True,
        )
        self.start_button = self.button_for(self.start_action)
        self.stop_button = self.button_for(self.stop_action)
        self.traffic_button = self.button_for(self.traffic_action)

        self.status_tile = StatTile("Status", "mdi6.power")
        self.url_tile = StatTile("Port", "mdi6.web")
        self.model_tile = StatTile("Model serving", "mdi6.brain")
        self.rate_tile = StatTile("Requests", "mdi6.speedometer")
        self.latency_tile = StatTile("Latency p99", "mdi6.timer-outline")
        self.cache_tile = StatTile("Cache hit rate", "mdi6.cached")
        self.body.addWidget(tile_row(self.tiles()))

        self.chart = ServiceLiveChart(later=self.build_later)
        self.note = QLabel("")
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        live = panel(
            "Live traffic (one sample a second)", self.note, self.chart, legend=self.chart.legend()
        )
        self.body.addWidget(live, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop_traffic)

    def tiles(self) -> list[StatTile]:
        return [
            self.status_tile,
            self.url_tile,
            self.model_tile,
            self.rate_tile,
            self.latency_tile,
            self.cache_tile,
        ]

    # ------------------------------------------------------------------ reading
    def refresh(self) -> None:
        if not self.isVisible():
            self.stale = True  # read again when shown
            if not self._read_once:  # built ahead: its tiles filled before the visit
                self._read()
            return
        self._tick()

    def _tick(self) -> None:
        """The timer: ask in the background (never on the GUI thread: /health may take
        its whole timeout); one question at a time."""
        if self.isVisible():
            self._read()

    def _read(self) -> None:
        self._read_once = True
        self.load_in_background(
            "Asking the scoring service", read_status, self.ws, on_done=self.show_status,
            key="health", show_busy=False,
        )  # fmt: skip

    def poll(self) -> None:
        """Read and show at once (tests; the timer reads in the background)."""
        self.show_status(read_status(self.ws))

    def show_status(self, status: ServiceStatus) -> None:
        """Update tiles and plots from one reading."""
        info, health, problem = status
        if info != self.info:
            self.chart.clear()
            self._last = None
        self.info = info
        self.health = health
        self._sample()
        self._show(problem)

    def _sample(self) -> None:
        if self.health is None:
            return
        now, requests = time.monotonic(), int(self.health["requests"])
        if self._last is not None and now > self._last[0]:
            rate = max(requests - self._last[1], 0) / (now - self._last[0])
            self.chart.add_sample(rate, self.health.get("p50_ms"), self.health.get("p99_ms"))
        self._last = (now, requests)

    def _show(self, problem: str) -> None:
        info, health = self.info, self.health
        running = info is not None
        traffic_on = self.traffic is not None and self.traffic.poll() is None
        if self.traffic is not None and not traffic_on:
            self.traffic = None
        self.start_action.setEnabled(not running)
        self.stop_action.setEnabled(running)
        self.restart_action.setEnabled(running)
        self.traffic_action.setEnabled(running or traffic_on)
        self.traffic_action.setChecked(traffic_on)
        if info is None:
            self.status_tile.show_value("stopped", "start it to score requests", state="warning")
            self.url_tile.show_value("–", "")
            for tile in (self.model_tile, self.rate_tile, self.latency_tile, self.cache_tile):
                tile.show_value("–", "")
            self.note.setText(
                "The scoring service is not running. Start it (Ctrl+Shift+S) to serve "
                "POST /v1/predict on this machine; turn on Live traffic to watch it work."
            )
            self.note.show()
            self.subtitle.setText("Not running")
            return
        since = fmt.timestamp(info.started_at)
        self.url_tile.show_value(
            str(info.port),
            f"{info.host} · {_access(self.ws, info)}\npid {info.pid}",
        )
        if health is None:
            self.status_tile.show_value("not answering", problem[:60], state="danger")
            self.note.setText(f"The service process runs but does not answer: {problem}")
            self.note.show()
            return
        self.note.hide()
        self.status_tile.show_value(
            "running", f"since {since}\nup {_duration(health['uptime_s'])}", state="ok"
        )
        swaps = int(health.get("swaps", 0))
        errors = int(health.get("swap_errors", 0))
        ready = health.get("rollback_ready")
        self.model_tile.show_value(
            str(health["model_version"]),
            f"{swaps} hot swap{'s' if swaps != 1 else ''}"
            + (
                f"\n{errors} version(s) failed to load"
                if errors
                else f"\nrollback to {ready} ready"
                if ready
                else "\nfollows production"
            ),
            state="warning" if errors else "",
        )
        self.model_tile.setToolTip(
            f"Version {ready}, which a rollback would restore, is already loaded in the "
            "service: the switch loads nothing."
            if ready
            else ""
        )
        latest = self.chart.latest()
        rate = f"{latest[0]:.1f}/s" if latest else "–"
        self.rate_tile.show_value(
            rate,
            f"{fmt.count(int(health['requests']))} total\n"
            f"{fmt.count(int(health['errors']))} errors",
            state="warning" if health["errors"] else "",
        )
        p99, p50 = health.get("p99_ms"), health.get("p50_ms")
        self.latency_tile.show_value(
            "–" if p99 is None else f"{p99:.1f} ms",
            f"p50 {'–' if p50 is None else f'{p50:.1f} ms'}\nof the last 4,096 requests",
        )
        hit = health.get("cache_hit_rate")
        self._show_log(health, hit)
        self.subtitle.setText(
            f"Serving {health['model_version']} at {info.url}"
            + (" · live traffic on" if traffic_on else "")
        )

    def _show_log(self, health: dict[str, Any], hit: float | None) -> None:
        """The cache hit rate, the rows stored and waiting, and the records answered but
        not logged because their id was already stored (a warning, said in the note)."""
        duplicates = int(health.get("log_duplicates", 0))
        waiting = f"{fmt.count(int(health['log_pending']))} waiting"
        if duplicates:
            waiting += f" · {fmt.count(duplicates)} not logged"
        self.cache_tile.show_value(
            fmt.percent(hit),
            f"{fmt.count(int(health['logged_rows']))} rows stored\n{waiting}",
            state="warning" if duplicates else "",
        )
        if duplicates:
            self.note.setText(
                f"{fmt.count(duplicates)} scored record{'s were' if duplicates != 1 else ' was'} "
                "not logged: the id was already stored or waiting. Each answer says so "
                '("logged": false); the unlogged_records check names the first ids.'
            )
            self.note.show()

    # ------------------------------------------------------------------ actions
    def start_service(self) -> None:
        workers.run_job(
            self,
            "Starting the scoring service",
            control.start_service,
            self.ws,
            self.user,
            on_done=self._changed,
        )

    def stop_service(self) -> None:
        self.stop_traffic()
        workers.run_job(
            self,
            "Stopping the scoring service",
            control.stop_service,
            self.ws,
            self.user,
            on_done=self._changed,
        )

    def restart_service(self) -> None:
        workers.run_job(
            self,
            "Restarting the scoring service",
            control.restart_service,
            self.ws,
            self.user,
            on_done=self._changed,
        )

    def toggle_traffic(self) -> None:
        if self.traffic is not None and self.traffic.poll() is None:
            self.stop_traffic()
        else:
            try:
                self.traffic = control.start_traffic(self.ws, self.user, rate=LIVE_TRAFFIC_RATE)
            except ConsoleError as exc:
                workers.show_error(self, "Live traffic", exc)
        self.poll()

    def stop_traffic(self) -> None:
        if self.traffic is not None:
            control.stop_traffic(self.traffic)
            self.traffic = None

    def _changed(self, _result: object) -> None:
        self.poll()
        self.changed.emit()


def _access(ws: Workspace, info: state.ServiceInfo) -> str:
    if info.tls:
        return "HTTPS + token"
    return "HTTP, open on loopback" if ws.config.service.open_on_loopback else "HTTP + token"


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"
