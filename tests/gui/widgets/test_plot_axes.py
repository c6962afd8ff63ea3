"""The console's plot axes: cached, and the grid opaque under the data."""

from __future__ import annotations

import numpy as np
from pytestqt.qtbot import QtBot

from console.gui.widgets.metric_plot import MetricPlot


def test_grid_lines_are_drawn_opaque_under_the_data(qtbot: QtBot) -> None:
    """Faint lines drawn with transparency took Qt's slow path (8-12 ms an axis); the
    same colour laid on the plot's background beforehand looks the same under the data."""
    from PySide6.QtGui import QColor, QImage, QPainter

    from console.gui.style import THEME

    plot = MetricPlot()
    qtbot.addWidget(plot)
    plot.resize(500, 300)
    plot.add_series("f1", "F1")
    plot.set_data("f1", np.array([0.0, 86400.0]), np.array([0.2, 0.8]))
    plot.flush()
    axis = plot.plot.getAxis("left")
    assert axis.zValue() < plot.plot.vb.zValue()
    bounds = axis.boundingRect()
    image = QImage(
        int(bounds.right()) + 2, int(bounds.bottom()) + 2, QImage.Format.Format_ARGB32_Premultiplied
    )
    image.fill(0)
    painter = QPainter(image)
    specs = axis.generateDrawSpecs(painter)
    assert specs is not None
    axis.drawPicture(painter, *specs)
    painter.end()
    faint = [(pen.color(), a, b) for pen, a, b in specs[1] if pen.color().alpha() < 255]
    assert faint  # the grid's lines are faint as pyqtgraph makes them
    background = QColor(THEME.surface)
    for colour, start, end in faint:
        x, y = int((start.x() + end.x()) / 2), int(start.y())
        drawn = image.pixelColor(x, y)
        assert drawn.alpha() == 255
        alpha = colour.alphaF()
        for channel in ("redF", "greenF", "blueF"):
            expected = (
                alpha * getattr(colour, channel)() + (1 - alpha) * getattr(background, channel)()
            )
            assert abs(getattr(drawn, channel)() - expected) <= 1.5 / 255
