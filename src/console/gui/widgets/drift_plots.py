"""Drift plots: reference vs current distribution, the feature x window heatmap, and the
performance timeline with concept drift events.

Every plot makes its items once and updates them with ``setData``/``setOpts``/
``setImage``; hover read-outs are throttled.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import qthrottled

from console.gui.formatting import day_start_seconds
from console.gui.style import THEME
from console.gui.widgets.daily_chart import DayAxisItem
from console.gui.widgets.legend import legend_label
from console.gui.widgets.metric_plot import placeholder_label
from console.gui.widgets.plot_axes import cache_axes

DAY = 86_400.0
NO_ANALYSIS = "No drift analysis yet: choose a window and press Analyse drift."
NO_CONCEPT = "No concept drift run yet: press Detect concept drift (it needs labelled days)."
PSI_MAX = 0.25  # the heatmap's colour saturates here (PSI > 0.25: a major shift)


def _plot(widget: pg.PlotWidget) -> pg.PlotItem:
    plot = widget.getPlotItem()
    plot.hideButtons()
    plot.setMenuEnabled(False)
    plot.showGrid(x=False, y=True, alpha=0.18)
    cache_axes(plot)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(THEME.muted))
        axis.setTextPen(pg.mkPen(THEME.text))
    return plot


def _colour(name: str, alpha: int) -> Any:
    c = THEME.color(name)
    c.setAlpha(alpha)
    return c


class _Panel(QWidget):
    """A plot with a title above and a one-line read-out below; until it has something
    to draw, a sentence in its place instead of empty axes with made-up ticks."""

    def __init__(
        self,
        title: str,
        plot: pg.PlotWidget,
        parent: QWidget | None = None,
        *,
        wrap: bool = True,
        empty: str = "",
        legend: QWidget | None = None,
    ) -> None:
        """``legend`` sits at the right of the title, where it never covers a bar."""
        super().__init__(parent)
        heading = QLabel(title)
        heading.setProperty("role", "section")
        header = QHBoxLayout()
        header.addWidget(heading, 1)
        if legend is not None:
            header.addWidget(legend)
        self.readout = QLabel(" ")
        self.readout.setProperty("role", "muted")
        self.readout.setWordWrap(wrap)
        if not wrap:  # one line, clipped: it must not widen the panel
            self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.placeholder = placeholder_label(empty)
        self.stack = QStackedWidget()
        self.stack.addWidget(plot)
        self.stack.addWidget(self.placeholder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.readout)
        self.show_placeholder(empty)

    def show_placeholder(self, text: str) -> None:
        """Show ``text`` in the plot's place; an empty ``text`` shows the plot."""
        self.placeholder.setText(text)
        self.stack.setCurrentIndex(1 if text else 0)

    def placeholder_shown(self) -> bool:
        return self.stack.currentIndex() == 1


class DistributionPlot(_Panel):
    """Reference (blue) and current (orange) shares per bin or per category."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.widget = pg.PlotWidget(background=THEME.surface, enableMenu=False)
        self.legend = legend_label(
            [(THEME.predictions, "reference"), (THEME.labels, "current")]
        )  # above the plot: inside it, it covered the tallest bars
        super().__init__(
            "Reference vs current", self.widget, parent, empty=NO_ANALYSIS, legend=self.legend
        )
        self.widget.setMinimumHeight(180)
        self.plot = _plot(self.widget)
        self.plot.setMouseEnabled(x=False, y=False)
        self.ref_bars = pg.BarGraphItem(
            x=[], height=[], width=1.0, brush=_colour("predictions", 110), pen=pg.mkPen(None),
            name="reference",
        )  # fmt: skip
        self.cur_bars = pg.BarGraphItem(
            x=[], height=[], width=1.0, brush=_colour("labels", 150), pen=pg.mkPen(None),
            name="current",
        )  # fmt: skip
        self.plot.addItem(self.ref_bars)
        self.plot.addItem(self.cur_bars)
        left = self.plot.getAxis("left")
        left.enableAutoSIPrefix(False)
        left.setLabel("share of rows")

    def show_column(self, col: dict[str, Any] | None, sentence: str = "") -> None:
        hist = (col or {}).get("histogram") or {}
        bottom = self.plot.getAxis("bottom")
        if "edges" in hist:
            edges = np.asarray(hist["edges"], dtype=float)
            centers = (edges[:-1] + edges[1:]) / 2
            width = float(edges[1] - edges[0])
            self.ref_bars.setOpts(x=centers, height=hist["reference"], width=width)
            self.cur_bars.setOpts(x=centers, height=hist["current"], width=width * 0.55)
            bottom.setTicks(None)
        elif "categories" in hist:
            x = np.arange(len(hist["categories"]), dtype=float)
            self.ref_bars.setOpts(x=x - 0.2, height=hist["reference"], width=0.4)
            self.cur_bars.setOpts(x=x + 0.2, height=hist["current"], width=0.4)
            bottom.setTicks([[(float(i), str(c)[:10]) for i, c in enumerate(hist["categories"])]])
        else:
            self.ref_bars.setOpts(x=[], height=[])
            self.cur_bars.setOpts(x=[], height=[])
            bottom.setTicks(None)
        if col is None:
            self.show_placeholder(NO_ANALYSIS)
        else:
            name = col.get("name", "this feature")
            self.show_placeholder("" if hist else f"No distribution stored for {name}.")
        self.plot.enableAutoRange()
        self.readout.setText(sentence or " ")


class DriftHeatmap(_Panel):
    """PSI per feature (rows) and window (columns); hover shows the cell."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.widget = pg.PlotWidget(background=THEME.surface, enableMenu=False)
        super().__init__(
            "Drift score (PSI) by feature and day", self.widget, parent, empty=NO_ANALYSIS
        )
        self.widget.setMinimumHeight(200)
        self.plot = _plot(self.widget)
        self.plot.showGrid(x=False, y=False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.invertY(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        cmap = pg.ColorMap([0.0, 0.4, 1.0], [THEME.surface, THEME.warning, THEME.danger])
        self.image.setColorMap(cmap)
        self.plot.addItem(self.image)
        self.features: list[str] = []
        self.windows: list[str] = []
        self.values = np.zeros((0, 0))
        self._proxy = pg.SignalProxy(
            self.widget.scene().sigMouseMoved, rateLimit=30, slot=self._moved
        )

    def set_windows(self, windows: list[dict[str, Any]], features: list[str]) -> None:
        self.features = features
        self.windows = [w["window"] for w in windows]
        values = np.array(
            [[(w["scores"].get(f) or 0.0) for w in windows] for f in features], dtype=float
        ).reshape(len(features), len(windows))
        self.values = values
        if values.size:
            self.image.setImage(np.clip(values, 0, PSI_MAX), levels=(0, PSI_MAX))
            self.image.setRect(0, 0, len(windows), len(features))
        else:
            self.image.clear()
        left = [(i + 0.5, f) for i, f in enumerate(features)]
        step = max(1, len(self.windows) // 8)
        bottom = [(i + 0.5, w[5:]) for i, w in enumerate(self.windows) if i % step == 0]
        self.plot.getAxis("left").setTicks([left])
        self.plot.getAxis("bottom").setTicks([bottom])
        self.plot.setRange(xRange=(0, max(len(windows), 1)), yRange=(0, max(len(features), 1)))
        if not features:
            self.show_placeholder(NO_ANALYSIS)
        else:
            several = "No daily scores: run an analysis over several days."
            self.show_placeholder("" if values.size else several)
        self.readout.setText("Hover a cell for its score." if values.size else " ")

    def _moved(self, event: tuple[QPointF]) -> None:
        self._show_at(self.plot.vb.mapSceneToView(event[0]))

    @qthrottled(timeout=50)
    def _show_at(self, point: QPointF) -> None:
        col, row = int(np.floor(point.x())), int(np.floor(point.y()))
        if 0 <= row < len(self.features) and 0 <= col < len(self.windows):
            value = self.values[row, col]
            self.readout.setText(f"{self.features[row]} on {self.windows[col]}: PSI {value:.3f}")


class PerformanceTimeline(_Panel):
    """Daily F1 and FPR with concept drift detections as vertical lines."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.widget = pg.PlotWidget(
            background=THEME.surface, axisItems={"bottom": DayAxisItem()}, enableMenu=False
        )
        super().__init__(
            "Performance and concept drift", self.widget, parent, wrap=False, empty=NO_CONCEPT
        )
        self.widget.setMinimumHeight(200)
        self.plot = _plot(self.widget)
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.setDownsampling(auto=True, mode="peak")
        self.plot.setClipToView(True)
        self.plot.addLegend(offset=(10, 10), brush=_colour("surface", 220))
        self.f1 = self.plot.plot(
            [], [], pen=pg.mkPen(THEME.predictions, width=2), symbol="o", symbolSize=5,
            symbolBrush=THEME.predictions, name="F1",
        )  # fmt: skip
        self.fpr = self.plot.plot(
            [], [], pen=pg.mkPen(THEME.labels, width=2), name="FPR x 10"
        )  # fmt: skip
        self.plot.setYRange(0, 1.15, padding=0)
        self.lines: list[pg.InfiniteLine] = []
        self.days: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.warnings: list[dict[str, Any]] = []
        self.summary = ""
        self._proxy = pg.SignalProxy(
            self.widget.scene().sigMouseMoved, rateLimit=30, slot=self._moved
        )

    def set_report(self, concept: dict[str, Any] | None) -> None:
        timeline = (concept or {}).get("timeline") or []
        self.days = timeline
        x = np.array([day_start_seconds(d["day"]) + DAY / 2 for d in timeline])
        f1 = np.array([np.nan if d["f1"] is None else d["f1"] for d in timeline], dtype=float)
        fpr = np.array([np.nan if d["fpr"] is None else d["fpr"] for d in timeline], dtype=float)
        self.f1.setData(x, f1, connect="finite")
        self.fpr.setData(x, np.clip(fpr * 10, 0, 1), connect="finite")
        for line in self.lines:
            self.plot.removeItem(line)
        self.lines = []
        detections = (concept or {}).get("detections", [])
        self.events = [d for d in detections if d["kind"] == "drift"]
        self.warnings = [d for d in detections if d["kind"] == "warning"]
        colours = {"ddm": THEME.danger, "page_hinkley": THEME.warning}
        marks = [(e, False) for e in self.events] + [(w, True) for w in self.warnings]
        for n, (event, warning) in enumerate(marks):
            from console.gui.formatting import parse_iso

            moment = parse_iso(event["ts"])
            if moment is None:
                continue
            name = event["detector"].replace("_", "-")
            line = pg.InfiniteLine(
                pos=moment.timestamp(), angle=90,
                pen=pg.mkPen(THEME.muted if warning else colours.get(event["detector"],
                             THEME.danger), width=1.0 if warning else 1.5,
                             style=pg.QtCore.Qt.PenStyle.DotLine if warning
                             else pg.QtCore.Qt.PenStyle.DashLine),
                label=f"{name} warning" if warning else name,
                labelOpts={"position": 0.95 - 0.1 * (n % 3), "color": THEME.text},
            )  # fmt: skip
            self.plot.addItem(line)
            self.lines.append(line)
        if len(x):
            self.plot.setXRange(x[0] - DAY, x[-1] + DAY, padding=0)
        segs = [seg for seg in (concept or {}).get("segments", []) if seg.get("flagged")]
        names = ", ".join(f"{seg['column']}={seg['value']}" for seg in segs[:3])
        more = "…" if len(segs) > 3 else ""
        warned = f" · {len(self.warnings)} DDM warning(s)" if self.warnings else ""
        self.summary = (
            f"{len(self.events)} drift point(s){warned} · {len(segs)} segment(s) flagged"
            + (f": {names}{more}" if segs else "")
            if timeline
            else " "
        )
        self.show_placeholder("" if timeline else NO_CONCEPT)
        self.readout.setToolTip(
            "\n".join(f"{seg['column']}={seg['value']}: {seg['reason']}" for seg in segs)
        )
        self.readout.setText(self.summary)

    def _moved(self, event: tuple[QPointF]) -> None:
        self._show_at(self.plot.vb.mapSceneToView(event[0]))

    @qthrottled(timeout=50)
    def _show_at(self, point: QPointF) -> None:
        if not self.days:
            return
        starts = np.array([day_start_seconds(d["day"]) for d in self.days])
        i = int(np.searchsorted(starts, point.x(), side="right") - 1)
        if 0 <= i < len(self.days):
            d = self.days[i]
            f1 = "–" if d["f1"] is None else f"{d['f1']:.3f}"
            fpr = "–" if d["fpr"] is None else f"{d['fpr']:.2%}"
            self.readout.setText(
                f"{d['day']}: F1 {f1}, FPR {fpr}, {d['n']:,} labelled, {d['positives']} fraud"
            )
