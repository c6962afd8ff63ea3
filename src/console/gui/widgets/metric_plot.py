"""A time-series plot for metrics: one curve object per series, updated with setData.

Curves are made once (:meth:`MetricPlot.add_series`) and only fed new arrays; NaN
leaves a gap (a withheld window). Drawing is down-sampled (peak mode), clipped to the
view, and redraws are throttled to ~20 a second. Horizontal threshold lines, a hover
read-out of every series at the nearest point, zoom/pan with the mouse, and export of
the picture (PNG) or the numbers (CSV).
"""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import qthrottled

from console.gui.style import THEME
from console.gui.widgets.daily_chart import DayAxisItem
from console.gui.widgets.plot_axes import cache_axes, fix_axis_width


def placeholder_label(text: str) -> QLabel:
    """What a plot's place shows until it has something to draw: a sentence, not bare
    axes (the metric plots and the Drift page's plots)."""
    label = QLabel(text)
    label.setObjectName("plot-placeholder")
    label.setProperty("role", "muted")
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet(f"background: {THEME.surface}; padding: 12px;")
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
    return label


class PercentAxis(pg.AxisItem):
    """Ticks of a share (0–1) as percentages: "20 %", not "200" under "(x0.001)"."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        decimals = max(0, -math.floor(math.log10(spacing * 100))) if spacing > 0 else 0
        return [f"{v * 100:.{decimals}f} %" for v in values]


def round_up(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``value`` (> 0)."""
    if not value > 0 or not math.isfinite(value):
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value * (1 - 1e-12))


#: the shortest time a live plot shows (its first seconds would otherwise fill it)
LIVE_MIN_SPAN_S = 60.0

PALETTE = ("#2f5fb3", "#e08a2c", "#7a4fb3", "#2e7d4f", "#b3261e", "#5d6677")


class LivePlotWidget(pg.PlotWidget):
    """A plot that asks for little height and takes what the page has left.

    pyqtgraph's plot asks for 480 px: a page of live plots in panels with wrapped text
    then scrolled its time axis out of a 1280 x 800 window, and re-laid itself out when
    a plot took the place of its placeholder (every plot drawn again at a new size).
    """

    def sizeHint(self) -> QSize:
        return QSize(320, 180)


class MetricPlot(QWidget):
    """``plot.add_series("f1", "F1")``; ``plot.set_data("f1", x_seconds, y)``."""

    def __init__(
        self,
        title: str = "",
        *,
        y_format: str = ".3f",
        y_unit: str = "",
        empty: str = "No data to plot yet.",
        live: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.y_format = y_format
        #: live (fed every second): the view moves in steps, see :meth:`_steady_view`
        self.live = live
        self._view: list[list[float]] | None = None  # the range a live plot last set
        axes: dict[str, pg.AxisItem] = {"bottom": DayAxisItem()}
        if y_format.endswith("%"):
            axes["left"] = PercentAxis("left")
        # no context menu: made without one (making it and turning it off costs a build)
        kind = LivePlotWidget if live else pg.PlotWidget
        self.widget = kind(background=THEME.surface, axisItems=axes, enableMenu=False)
        # never "(x0.001)" beside the unit: values are shown as they are
        self.widget.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
        # units on every axis: dates and times are UTC; the value's unit when it has one
        self.widget.getPlotItem().setLabel("bottom", "UTC")
        if y_unit or y_format.endswith("%"):
            self.widget.getPlotItem().setLabel("left", y_unit or "share")
        self.widget.setMinimumHeight(180)
        self.plot = self.widget.getPlotItem()
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setDownsampling(auto=True, mode="peak")
        self.plot.setClipToView(True)
        self._style_axes()
        self.title = QLabel(title)
        self.title.setProperty("role", "section")
        self.readout = QLabel(" ")
        self.readout.setProperty("role", "muted")
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setWordWrap(True)  # wraps rather than widening the page
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        if title:
            layout.addWidget(self.title)
        self.placeholder = placeholder_label(empty)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.widget)
        self.stack.addWidget(self.placeholder)
        self.stack.setCurrentWidget(self.placeholder)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.readout)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.labels: dict[str, str] = {}
        self.data: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.lines: dict[str, pg.InfiniteLine] = {}
        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen(THEME.border))
        self.cursor.hide()
        self.plot.addItem(self.cursor, ignoreBounds=True)
        self._proxy = pg.SignalProxy(
            self.widget.scene().sigMouseMoved, rateLimit=30, slot=self._mouse_moved
        )
        self._pending: set[str] = set()

    def _style_axes(self) -> None:
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(THEME.muted))
            axis.setTextPen(pg.mkPen(THEME.text))
        cache_axes(self.plot)
        if self.live:  # its tick text changes as it goes
            fix_axis_width(self.plot, "100.0 %" if self.y_format.endswith("%") else "10000.0")

    def add_series(self, key: str, label: str, *, dashed: bool = False) -> pg.PlotDataItem:
        colour = PALETTE[len(self.curves) % len(PALETTE)]
        style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
        # a live plot redraws every second, up to an hour of samples a curve: Qt strokes
        # a 2 px line point by point (17 ms a plot of 3 x 3,600 points, 4.6 ms at 1 px)
        width = 1 if self.live else 2
        curve = self.plot.plot(
            [], [], pen=pg.mkPen(colour, width=width, style=style), connect="finite", name=label
        )
        curve.setDownsampling(auto=True, method="peak")
        curve.setClipToView(True)
        self.curves[key] = curve
        self.labels[key] = label
        self.data[key] = (np.zeros(0), np.zeros(0))
        self.readout.setText(self.legend())
        return curve

    def legend(self) -> str:
        """The series names in their colours (the read-out shows it until hovered)."""
        style = "font-weight:600"
        return " &nbsp; ".join(
            f'<span style="color:{self.curves[k].opts["pen"].color().name()};{style}">'
            f"{'- - ' if self.curves[k].opts['pen'].style() != Qt.PenStyle.SolidLine else '— '}"
            f"{label}</span>"
            for k, label in self.labels.items()
        )

    def set_threshold(self, key: str, value: float | None, label: str, *, critical: bool) -> None:
        """A dashed horizontal line (hidden when ``value`` is None)."""
        line = self.lines.get(key)
        if line is None:
            colour = THEME.danger if critical else THEME.warning
            line = pg.InfiniteLine(
                angle=0,
                pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine),
                label=label,
                labelOpts={"position": 0.02, "color": colour, "anchors": [(0, 1), (0, 1)]},
            )
            self.plot.addItem(line, ignoreBounds=False)
            self.lines[key] = line
        line.setVisible(value is not None)
        if value is not None:
            line.setValue(value)

    def set_data(self, key: str, x: np.ndarray, y: np.ndarray, *, gap: float | None = None) -> None:
        """New arrays for a series; the redraw is throttled. With ``gap`` (seconds), the
        line breaks where consecutive points are further apart (nothing was sampled)."""
        xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if gap is not None and len(xs) > 1:
            at = np.nonzero(np.diff(xs) > gap)[0] + 1
            xs, ys = np.insert(xs, at, xs[at - 1]), np.insert(ys, at, np.nan)
        self.data[key] = (xs, ys)
        self._pending.add(key)
        self._redraw()

    @qthrottled(timeout=50)
    def _redraw(self) -> None:
        self.flush()

    def flush(self) -> None:
        """Draw pending data now (tests, screenshots)."""
        for key in list(self._pending):
            x, y = self.data[key]
            self.curves[key].setData(x, y)
        self._pending.clear()
        drawn = any(bool(np.isfinite(y).any()) for _x, y in self.data.values())
        self.stack.setCurrentWidget(self.widget if drawn else self.placeholder)
        if drawn and self.live:
            self._steady_view()

    def _steady_view(self) -> None:
        """A live plot's view: from its first point to a little past its last, from 0
        (or below, for negative values) to a round value above its highest, and kept
        while the new points fit in it. Re-ranging every second re-laid-out the tick
        text of both axes every second, the most costly part of a live plot's redraw;
        now the axes redraw only when the view takes a step. Once the operator zooms
        or pans, the view is theirs."""
        box = self.plot.vb
        if self._view is not None and not np.allclose(box.viewRange(), self._view, rtol=1e-9):
            return  # zoomed or panned by the operator
        xs = np.concatenate([x[np.isfinite(y)] for x, y in self.data.values()])
        ys = np.concatenate([y[np.isfinite(y)] for _x, y in self.data.values()])
        first, last = float(xs.min()), float(xs.max())
        low, high = float(ys.min()), float(ys.max())
        bottom = 0.0 if low >= 0 else -round_up(-low * 1.05)
        top = round_up(high * 1.05) if high > 0 else 1.0
        start = min(first, last - LIVE_MIN_SPAN_S)  # a few seconds read as a minute
        span = last - start
        if self._view is not None:
            (x0, x1), (y0, y1) = self._view
            fits = x0 <= start and last <= x1 and (start - x0) < 0.1 * span
            if fits and (y0, y1) == (bottom, top):
                return
        room = span * 0.05  # new points fit for a while
        box.setRange(xRange=(start, last + room), yRange=(bottom, top), padding=0)
        self._view = [list(r) for r in box.viewRange()]

    def view_range(self) -> list[list[float]]:
        """The shown x and y ranges (for tests)."""
        return [list(r) for r in self.plot.vb.viewRange()]

    def is_empty(self) -> bool:
        """True while the placeholder stands in for the plot (nothing to draw)."""
        return self.stack.currentWidget() is self.placeholder

    def points(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        return self.data[key]

    def _mouse_moved(self, event: tuple[object, ...]) -> None:
        pos = event[0]
        if not self.plot.sceneBoundingRect().contains(pos):
            return
        x = self.plot.vb.mapSceneToView(pos).x()
        self.show_readout(x)

    def show_readout(self, x: float) -> str:
        """Show every series' value at the point nearest ``x`` (seconds); returns the text."""
        parts: list[str] = []
        when = None
        for key, (xs, ys) in self.data.items():
            if len(xs) == 0:
                continue
            i = int(np.clip(np.searchsorted(xs, x), 0, len(xs) - 1))
            if i > 0 and abs(xs[i - 1] - x) < abs(xs[i] - x):
                i -= 1
            when = xs[i]
            value = ys[i]
            shown = "–" if math.isnan(value) else format(value, self.y_format)
            colour = self.curves[key].opts["pen"].color().name()
            parts.append(f'<span style="color:{colour}">{self.labels[key]}</span> {shown}')
        if when is None:
            return ""
        self.cursor.setValue(when)
        self.cursor.show()
        stamp = datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M UTC")
        text = f"<b>{stamp}</b> &nbsp; " + " &nbsp; ".join(parts)
        self.readout.setText(text)
        return text

    def export_png(self, path: Path) -> None:
        self.flush()
        if not self.widget.grab().save(str(path), "PNG"):
            raise OSError(f"{path}: could not write the PNG file")

    def export_csv(self, path: Path) -> None:
        """One row per x value of the first series; one column per series."""
        keys = [k for k in self.data if len(self.data[k][0])]
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["time_utc", *[self.labels[k] for k in keys]])
            if not keys:
                return
            xs = self.data[keys[0]][0]
            for i, x in enumerate(xs):
                row = [datetime.fromtimestamp(x, UTC).isoformat()]
                for k in keys:
                    ky = self.data[k][1]
                    row.append("" if i >= len(ky) or math.isnan(ky[i]) else repr(float(ky[i])))
                writer.writerow(row)
