"""System: machine and scoring-service health, live (about once a second) over the
stored week of samples, with the backup status."""

from __future__ import annotations

import functools
import math
import time

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QApplication, QGridLayout, QLabel, QWidget

from console.core.base.workspace import Workspace
from console.core.monitoring import partners, system
from console.core.monitoring.settings import settings
from console.gui.pages.base import Page
from console.gui.widgets.metric_plot import MetricPlot
from console.gui.widgets.panel import panel

HISTORY_DAYS = 7
#: back from another page, the plots catch up one after the other, this far apart
CATCH_UP_STEP_MS = 60
MACHINE = (("cpu", "CPU"), ("memory", "memory"), ("disk", "disk"))
SERVICE = (
    ("service_cpu", "process CPU"),
    ("error_rate", "errors"),
    ("cache_hit_rate", "cache hits"),
)
LATENCY = (("p50_ms", "p50"), ("p95_ms", "p95"), ("p99_ms", "p99"))
TRAFFIC = (("request_rate", "requests/s"), ("service_mb", "service MB"))
NO_SERVICE = "No samples: the scoring service has not run (or had no requests) meanwhile."
PLOTS = (
    ("Machine use (CPU, memory, disk)", ".0%", MACHINE, "share", "No samples yet."),
    ("Scoring service (share)", ".1%", SERVICE, "share", NO_SERVICE),
    ("Response time (ms)", ".1f", LATENCY, "ms", NO_SERVICE),
    ("Traffic", ".1f", TRAFFIC, "requests/s · MB", NO_SERVICE),
)


class SystemPage(Page):
    key = "system"
    title = "System"
    icon_name = "mdi6.gauge"
    order = 60

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, user, parent)
        self.sampler = system.SystemSampler(ws, interval=1.0)
        self.history = system.stored_series(ws, 0.0, 0.0)  # loaded on first show
        self._history_loaded = False
        self.plots: list[MetricPlot] = []
        grid = QGridLayout()
        grid.setSpacing(12)
        for n in range(len(PLOTS)):  # each a slice of work of its own, built ahead
            self.build_later(functools.partial(self._add_plot, grid, n))
        self.now_label = QLabel("Starting the sampler…")
        self.now_label.setProperty("role", "muted")
        self.backup_label = QLabel("")
        self.backup_label.setProperty("role", "muted")
        self.body.addWidget(self.now_label)
        self.body.addLayout(grid, 1)
        self.body.addWidget(self.backup_label)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.update_live)
        sampler = self.sampler
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(sampler.stop)
        self.destroyed.connect(lambda _obj=None, s=sampler: s.stop())

    def _add_plot(self, grid: QGridLayout, n: int) -> None:
        title, y_format, series, unit, empty = PLOTS[n]
        plot = MetricPlot(y_format=y_format, y_unit=unit, empty=empty, live=True)
        for key, label in series:
            plot.add_series(key, label)
        self.plots.append(plot)
        grid.addWidget(panel(title, plot), n // 2, n % 2)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.start_sampling()

    def hideEvent(self, event: QHideEvent) -> None:
        """Hidden: no redraws (the sampler keeps collecting; the plots catch up when the
        page is shown again), so four live plots do not cost the other pages."""
        self.timer.stop()
        super().hideEvent(event)

    def start_sampling(self) -> None:
        if not self._history_loaded:
            self.reload_history()
        if not self.sampler.running:
            self.sampler.start()
        elif not self.timer.isActive():
            self.catch_up()  # back from another page: what was sampled meanwhile
        self.timer.start()

    def catch_up(self) -> None:
        """What was sampled while the page was hidden, one plot per slice of work: each
        plot's view moves then and its axes are drawn again, and all four at once kept
        the window from answering for 140 ms."""
        self.update_live(only=0)
        for n in range(1, len(self.plots)):
            QTimer.singleShot(
                n * CATCH_UP_STEP_MS, self, functools.partial(self.update_live, only=n)
            )

    def stop_sampling(self) -> None:
        self.timer.stop()
        self.sampler.stop()

    def refresh(self) -> None:
        """Shown, or not read yet (a page built ahead of its first visit): the stored
        history, so that the first visit only adds what was sampled since."""
        if self.isVisible() or not self._history_loaded:
            self.reload_history()

    def reload_history(self) -> None:
        self.history = system.stored_series(self.ws, time.time() - HISTORY_DAYS * 86_400)
        self._history_loaded = True
        last = partners.last_verified_backup(self.ws)
        self.backup_label.setText(
            "Backup: no backup — no verified backup of this workspace exists (a finding)"
            if last is None
            else f"Backup: last verified {last}"
        )
        every = settings(self.ws).sample_seconds
        self.subtitle.setText(
            f"{len(self.history['ts']):,} stored samples (last {HISTORY_DAYS} days, one per "
            f"{every:g} s) · live every second"
        )
        self.update_live()

    def update_live(self, only: int | None = None) -> None:
        """The stored history and the live samples into every plot (or the ``only``th)."""
        live = self.sampler.recent()
        start = live["ts"][0] if len(live["ts"]) else math.inf
        keep = self.history["ts"] < start
        x = np.concatenate([self.history["ts"][keep], live["ts"]])
        gap = 3 * settings(self.ws).sample_seconds  # longer: nothing sampled (window closed)
        for n, (plot, spec) in enumerate(zip(self.plots, PLOTS, strict=True)):
            if only is not None and n != only:
                continue
            for key, _label in spec[2]:
                y = np.concatenate([self.history[key][keep], live[key]])
                plot.set_data(key, x, y, gap=gap)
        if len(live["ts"]) and not only:
            last = {k: v[-1] for k, v in live.items()}
            parts = [
                f"CPU {last['cpu']:.0%}",
                f"memory {last['memory']:.0%}",
                f"disk {last['disk']:.0%}",
            ]
            service = partners.running_service(self.ws) is not None
            if service and not math.isnan(last["p99_ms"]):
                parts.append(f"service p99 {last['p99_ms']:.1f} ms")
            parts.append("service running" if service else "no scoring service running")
            self.now_label.setText("Now: " + " · ".join(parts))

    def points(self) -> int:
        """How many points the first plot shows (for tests and the benchmark)."""
        return len(self.plots[0].points("cpu")[0])
