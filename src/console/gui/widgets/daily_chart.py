"""Bar chart of rows per day: predictions (by day scored) and labels (by day confirmed).

The plot items are made once; :meth:`DailyCountsChart.set_counts` only updates them
(``setOpts``), so a refresh never rebuilds the scene.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QWidget

from console.gui.formatting import day_start_seconds
from console.gui.style import THEME
from console.gui.widgets.legend import legend_label
from console.gui.widgets.plot_axes import cache_axes

DAY = 86_400.0
BAR_WIDTH = 0.38 * DAY


class CountAxisItem(pg.AxisItem):
    """A y axis whose ticks read ``10,000`` rather than ``10000`` or ``1e4``."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [f"{v * scale:,.0f}" for v in values]


class DayAxisItem(pg.DateAxisItem):
    """Dates in UTC; ticks a day or more apart read ``Nov 03`` rather than ``03``."""

    def __init__(self) -> None:
        super().__init__(orientation="bottom", utcOffset=0)

    def tickValues(self, low: float, high: float, size: float) -> list[Any]:
        levels = super().tickValues(low, high, size)
        if any(DAY <= spacing < 28 * DAY for spacing, _values in levels):
            # a month tick ("Nov") beside day ticks ("Nov 03") only adds clutter
            levels = [(s, v) for s, v in levels if s < 28 * DAY]
        return levels

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if DAY <= spacing < 28 * DAY:
            return [datetime.fromtimestamp(v, UTC).strftime("%b %d") for v in values]
        return super().tickStrings(values, scale, spacing)


class DailyCountsChart(pg.PlotWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        date_axis = DayAxisItem()
        count_axis = CountAxisItem(orientation="left")
        count_axis.enableAutoSIPrefix(False)
        count_axis.setStyle(hideOverlappingLabels=False)  # keep the 0 at the bottom edge
        super().__init__(
            parent,
            background=THEME.surface,
            axisItems={"bottom": date_axis, "left": count_axis},
            enableMenu=False,
        )
        self.setMinimumHeight(220)
        plot = self.getPlotItem()
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=True, y=False)
        plot.showGrid(x=False, y=True, alpha=0.18)
        cache_axes(plot)
        pen = pg.mkPen(THEME.muted)
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(pen)
            axis.setTextPen(pg.mkPen(THEME.text))

        self.predictions = pg.BarGraphItem(
            x=np.zeros(0), height=np.zeros(0), width=BAR_WIDTH, **_look(THEME.predictions)
        )
        self.labels = pg.BarGraphItem(
            x=np.zeros(0), height=np.zeros(0), width=BAR_WIDTH, **_look(THEME.labels)
        )
        plot.addItem(self.predictions)
        plot.addItem(self.labels)

    @staticmethod
    def legend_label() -> QLabel:
        """The legend as a label for the panel's header (it never covers a bar)."""
        return legend_label(
            [
                (THEME.predictions, "Predictions (by day scored)"),
                (THEME.labels, "Labels (by day confirmed)"),
            ]
        )

    def set_counts(self, counts: dict[str, dict[str, int]]) -> None:
        """``counts`` as from ``store.daily_counts``: kind -> {day: rows}."""
        for item, kind, shift in (
            (self.predictions, "predictions", -0.2 * DAY),
            (self.labels, "labels", 0.2 * DAY),
        ):
            days = counts.get(kind, {})
            x = np.array([day_start_seconds(d) + DAY / 2 + shift for d in days], dtype=float)
            heights = np.array(list(days.values()), dtype=float)
            item.setOpts(x=x, height=heights, width=BAR_WIDTH)
        plot = self.getPlotItem()
        all_days = sorted(set(counts.get("predictions", {})) | set(counts.get("labels", {})))
        if all_days:
            start = day_start_seconds(all_days[0])
            end = day_start_seconds(all_days[-1]) + DAY
            plot.setXRange(start - DAY / 2, end + DAY / 2, padding=0)
        highest = max((max(c.values(), default=0) for c in counts.values()), default=0)
        plot.setYRange(0, max(highest, 1) * 1.08, padding=0)

    def bar_heights(self, kind: str) -> list[float]:
        """What the chart shows for ``kind`` (for tests)."""
        item = self.predictions if kind == "predictions" else self.labels
        return [float(h) for h in item.opts["height"]]


def _look(colour: str) -> dict[str, Any]:
    return {"brush": pg.mkBrush(colour), "pen": pg.mkPen(None)}
