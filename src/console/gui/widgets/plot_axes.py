"""The axes of the console's plots: drawn once into a cached picture, the grid under
the data in opaque colours, and a value axis whose width does not follow its text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from console.gui.style import THEME


def cache_axes(plot: pg.PlotItem, background: str = THEME.surface) -> None:
    """Keep each axis of ``plot`` (its tick text, and the grid it draws) as a picture
    that is drawn again only when the axis changes. Otherwise every new point of a
    curve repaints the axes underneath it, text and all: the costliest part of a live
    plot's redraw.

    The grid goes under the data, in opaque colours mixed with ``background`` (the
    plot's own): faint lines drawn with transparency took Qt's slow path, 8-12 ms for
    the 50 lines of one axis against 0.5 ms opaque; each first paint of a page of plots
    paid that once per axis."""
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        axis.setZValue(plot.vb.zValue() - 1)  # under the view box and what it holds
        if not isinstance(axis.drawPicture, _OpaqueLines):
            axis.drawPicture = _OpaqueLines(axis.drawPicture, QColor(background))


class _OpaqueLines:
    """pyqtgraph's ``AxisItem.drawPicture`` with each tick or grid line's colour laid
    on the background beforehand."""

    def __init__(self, draw: Callable[..., None], background: QColor) -> None:
        self.draw = draw
        self.background = (background.redF(), background.greenF(), background.blueF())

    def __call__(
        self, painter: QPainter, axis_spec: Any, tick_specs: list[Any], text_specs: Any
    ) -> None:
        lines = [(self.opaque(pen), start, end) for pen, start, end in tick_specs]
        self.draw(painter, axis_spec, lines, text_specs)

    def opaque(self, pen: QPen) -> QPen:
        colour = pen.color()
        alpha = colour.alphaF()
        if alpha >= 1.0:
            return pen
        mixed = QPen(pen)
        rgb = (colour.redF(), colour.greenF(), colour.blueF())
        mixed.setColor(
            QColor.fromRgbF(
                *(alpha * c + (1 - alpha) * b for c, b in zip(rgb, self.background, strict=True))
            )
        )
        return mixed


def fix_axis_width(plot: pg.PlotItem, widest: str) -> None:
    """Give ``plot``'s left axis the width of its label and of tick text as wide as
    ``widest``, for good: otherwise the axis widens or narrows with its tick text (or
    when it starts showing values), and the whole plot is laid out and drawn again."""
    axis = plot.getAxis("left")
    metrics = QFontMetrics(axis.style.get("tickFont") or QFont())
    # as pyqtgraph measures it (AxisItem._updateWidth), for the widest text
    label = axis.label.boundingRect().height() * 0.8 if axis.label.isVisible() else 0.0
    axis.setWidth(
        int(metrics.horizontalAdvance(widest) + axis.style["tickTextOffset"][0] + label + 2)
    )
