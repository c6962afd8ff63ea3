"""Live plots of the scoring service: requests per second, and latency p50/p99.

Samples go into numpy ring buffers (the last ten minutes at one a second); each curve
is made once and updated with ``setData``, redraws are throttled, and hovering shows
the values under the mouse.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget
from superqt.utils import qthrottled

from console.gui.style import THEME
from console.gui.widgets.legend import legend_label
from console.gui.widgets.metric_plot import LivePlotWidget, round_up
from console.gui.widgets.plot_axes import cache_axes, fix_axis_width

HISTORY = 600  # samples kept (one a second: ten minutes)


class RingBuffer:
    """The last ``size`` (t, value...) samples, oldest first."""

    def __init__(self, size: int, columns: int) -> None:
        self.data = np.full((size, columns), np.nan)
        self.n = 0

    def append(self, row: list[float]) -> None:
        self.data[self.n % len(self.data)] = row
        self.n += 1

    def view(self) -> np.ndarray:
        if self.n <= len(self.data):
            return self.data[: self.n]
        start = self.n % len(self.data)
        return np.concatenate([self.data[start:], self.data[:start]])

    def clear(self) -> None:
        self.data[:] = np.nan
        self.n = 0


def _plot(title_left: str) -> pg.PlotWidget:
    widget = LivePlotWidget(background=THEME.surface, enableMenu=False)
    widget.setMinimumHeight(180)
    plot = widget.getPlotItem()
    plot.hideButtons()
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.setDownsampling(auto=True, mode="peak")
    plot.setClipToView(True)
    plot.setLabel("left", title_left)
    plot.setLabel("bottom", "seconds ago")
    pen = pg.mkPen(THEME.muted)
    for name in ("left", "bottom"):
        plot.getAxis(name).setPen(pen)
        plot.getAxis(name).setTextPen(pg.mkPen(THEME.text))
    plot.setXRange(-120, 0, padding=0)
    cache_axes(plot)
    # the values appear with the first sample and change as it goes: the width stays
    fix_axis_width(plot, "10000")
    return widget


PLACEHOLDER = "No samples yet: they start once the service answers"


class ServiceLiveChart(QWidget):
    """``chart.add_sample(rate, p50_ms, p99_ms)`` once a second; ``clear()`` on a restart."""

    rate_plot: pg.PlotWidget
    latency_plot: pg.PlotWidget
    rate_curve: pg.PlotDataItem
    p50_curve: pg.PlotDataItem
    p99_curve: pg.PlotDataItem

    def __init__(
        self,
        parent: QWidget | None = None,
        later: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        """``later`` makes each plot in a slice of work of its own (a page built ahead
        of its visit: :meth:`Page.build_later`); without it both are made at once."""
        super().__init__(parent)
        self.samples = RingBuffer(HISTORY, 4)  # t, rate, p50, p99
        self.readout = QLabel(" ")
        self.readout.setProperty("role", "muted")
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setWordWrap(True)
        self.placeholders: list[pg.TextItem] = []
        self._empty = True  # each plot is made showing its placeholder
        plots = QHBoxLayout()
        plots.setSpacing(12)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(plots, 1)
        layout.addWidget(self.readout)
        make = later or (lambda part: part())
        make(functools.partial(self._add_rate_plot, plots))
        make(functools.partial(self._add_latency_plot, plots))

    def _add_rate_plot(self, row: QHBoxLayout) -> None:
        self.rate_plot = self._add_plot(row, "requests / s")
        self.rate_curve = self.rate_plot.plot(pen=pg.mkPen(THEME.accent, width=2), name="rate")

    def _add_latency_plot(self, row: QHBoxLayout) -> None:
        self.latency_plot = self._add_plot(row, "latency (ms)")
        self.p50_curve = self.latency_plot.plot(pen=pg.mkPen(THEME.ok, width=2), name="p50")
        self.p99_curve = self.latency_plot.plot(pen=pg.mkPen(THEME.warning, width=2), name="p99")

    def _add_plot(self, row: QHBoxLayout, title_left: str) -> pg.PlotWidget:
        widget = _plot(title_left)
        widget.scene().sigMouseMoved.connect(self._hover)
        text = pg.TextItem(PLACEHOLDER, color=THEME.muted, anchor=(0.5, 0.5))
        text.setPos(-60, 0.5)
        widget.getPlotItem().addItem(text, ignoreBounds=True)
        self.placeholders.append(text)
        _show_empty(widget, text, True)
        row.addWidget(widget, 1)
        return widget

    @staticmethod
    def legend() -> QLabel:
        return legend_label(
            [
                (THEME.accent, "requests / s"),
                (THEME.ok, "latency p50"),
                (THEME.warning, "latency p99"),
            ]
        )

    def add_sample(self, rate: float, p50: float | None, p99: float | None) -> None:
        nan = float("nan")
        self.samples.append(
            [time.monotonic(), rate, nan if p50 is None else p50, nan if p99 is None else p99]
        )
        self._redraw()

    def clear(self) -> None:
        self.samples.clear()
        self._redraw()

    @qthrottled(timeout=200)
    def _redraw(self) -> None:
        data = self.samples.view()
        ago = data[:, 0] - time.monotonic() if len(data) else np.zeros(0)
        self.rate_curve.setData(ago, data[:, 1], connect="finite")
        self.p50_curve.setData(ago, data[:, 2], connect="finite")
        self.p99_curve.setData(ago, data[:, 3], connect="finite")
        self._show_placeholder(not len(data))
        if len(data):
            rate = data[:, 1][np.isfinite(data[:, 1])]
            lat = data[:, 3][np.isfinite(data[:, 3])]
            for widget, values in ((self.rate_plot, rate), (self.latency_plot, lat)):
                _steady_top(widget, float(values.max()) if values.size else 1.0)

    def _show_placeholder(self, empty: bool) -> None:
        """Until the first sample: a sentence instead of made-up tick values. Changed
        only when it changes: the axis style set again drew the axis again, each second."""
        if empty == self._empty:
            return
        self._empty = empty
        for widget, text in zip((self.rate_plot, self.latency_plot), self.placeholders,
                                strict=True):  # fmt: skip
            _show_empty(widget, text, empty)

    def _hover(self, position: object) -> None:
        data = self.samples.view()
        if not len(data):
            return
        for widget in (self.rate_plot, self.latency_plot):
            box = widget.getPlotItem().vb
            if box.sceneBoundingRect().contains(position):
                x = box.mapSceneToView(position).x()
                ago = data[:, 0] - time.monotonic()
                i = int(np.argmin(np.abs(ago - x)))
                self.readout.setText(
                    f"{-ago[i]:.0f} s ago: <b>{data[i, 1]:.1f}</b> requests/s · "
                    f"p50 <b>{_ms(data[i, 2])}</b> · p99 <b>{_ms(data[i, 3])}</b>"
                )
                return

    def latest(self) -> tuple[float, float, float] | None:
        """The newest sample (rate, p50, p99), for tests."""
        data = self.samples.view()
        return None if not len(data) else (data[-1, 1], data[-1, 2], data[-1, 3])


def _show_empty(widget: pg.PlotWidget, text: pg.TextItem, empty: bool) -> None:
    text.setVisible(empty)
    widget.getPlotItem().getAxis("left").setStyle(showValues=not empty)
    if empty:
        widget.getPlotItem().setYRange(0, 1, padding=0)


def _steady_top(widget: pg.PlotWidget, highest: float) -> None:
    """The y axis from 0 to a round value above ``highest``, changed only when that
    value changes: a new top every second re-laid-out the axis' tick text each time."""
    top = round_up(max(highest, 1.0) * 1.15)
    plot = widget.getPlotItem()
    if plot.vb.viewRange()[1] != [0.0, top]:
        plot.setYRange(0, top, padding=0)


def _ms(value: float) -> str:
    return "–" if not np.isfinite(value) else f"{value:.1f} ms"
