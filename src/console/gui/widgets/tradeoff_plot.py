"""The threshold trade-off: recall and precision against the false positive rate as the
threshold moves, the FPR limit, the current and proposed thresholds as points; or recall
against FPR for two models."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from console.gui.style import THEME
from console.gui.widgets.plot_axes import cache_axes

COLOURS = {"precision": "#2f5fb3", "recall": "#2e7d4f", "fpr": "#b3261e"}
MODEL_COLOURS = ("#5d6677", "#e08a2c")
POINT_COLOURS = ("#1f2430", "#7a4fb3")


class TradeoffPlot(QWidget):
    """One plot; its curves are made once and fed with ``setData``."""

    def __init__(self, title: str, *, x_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widget = pg.PlotWidget(background=THEME.surface)
        self.widget.setMinimumHeight(200)
        self.plot = self.widget.getPlotItem()
        self.plot.hideButtons()
        self.plot.setTitle(title, color=THEME.text, size="10pt")
        self.plot.setLabel("bottom", x_label)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        cache_axes(self.plot)
        self.plot.addLegend(offset=(-10, 10))
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.marks: dict[str, pg.InfiniteLine] = {}
        self.spots: dict[str, pg.ScatterPlotItem] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.widget)

    def curve(self, name: str, colour: str) -> pg.PlotDataItem:
        if name not in self.curves:
            self.curves[name] = self.plot.plot([], [], name=name, pen=pg.mkPen(colour, width=2))
        return self.curves[name]

    def mark(self, name: str, x: float | None, colour: str) -> None:
        """A vertical line at ``x`` labelled ``name`` (hidden when ``x`` is None)."""
        if name not in self.marks:
            line = pg.InfiniteLine(
                angle=90, pen=pg.mkPen(colour, width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine),
                label=name, labelOpts={"position": 0.92, "color": colour},
            )  # fmt: skip
            self.plot.addItem(line)
            self.marks[name] = line
        line = self.marks[name]
        line.setVisible(x is not None)
        if x is not None:
            line.setValue(x)

    def show_threshold_curve(
        self,
        curve: dict[str, list[float]],
        points: dict[str, tuple[float, dict[str, float]]],
        max_fpr: float,
    ) -> None:
        """Recall and precision against FPR as the threshold moves, the FPR limit, and a
        point per named threshold (``points``: name -> (threshold, metrics there))."""
        fpr = np.asarray(curve.get("fpr", []), dtype=np.float64)
        for name in ("recall", "precision"):
            values = np.asarray(curve.get(name, []), dtype=np.float64)
            self.curve(name, COLOURS[name]).setData(fpr, values)
        self.mark("FPR limit", max_fpr, COLOURS["fpr"])
        for (name, (threshold, at)), colour in zip(points.items(), POINT_COLOURS, strict=False):
            spot = self.spots.get(name)
            if spot is None:
                spot = pg.ScatterPlotItem(size=11, brush=pg.mkBrush(colour), pen=pg.mkPen("w"),
                                          name=name)  # fmt: skip
                self.plot.addItem(spot)
                self.spots[name] = spot
            spot.setData([at["fpr"], at["fpr"]], [at["recall"], at["precision"]])
            spot.setToolTip(f"{name}: threshold {threshold:.4f}")
        widest = max([max_fpr * 3, *(at["fpr"] * 1.2 for _t, at in points.values())])
        self.plot.setXRange(0, widest)
        self.plot.setYRange(0, 1)

    def show_models(self, curves: dict[str, dict[str, list[float]]], max_fpr: float) -> None:
        """Recall against FPR per model, with the FPR limit marked."""
        for (name, curve), colour in zip(curves.items(), MODEL_COLOURS, strict=False):
            self.curve(name, colour).setData(
                np.asarray(curve.get("fpr", []), dtype=np.float64),
                np.asarray(curve.get("recall", []), dtype=np.float64),
            )
        self.mark("FPR limit", max_fpr, "#b3261e")
        self.plot.setXRange(0, max(max_fpr * 3, 0.02))
