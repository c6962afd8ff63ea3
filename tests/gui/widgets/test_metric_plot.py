"""A metric plot shows a sentence, not bare axes, until it has a value to draw."""

from __future__ import annotations

import numpy as np
from pytestqt.qtbot import QtBot

from console.gui.widgets.metric_plot import MetricPlot


def test_placeholder_until_a_value_then_the_plot(qtbot: QtBot) -> None:
    plot = MetricPlot(empty="No samples yet.")
    qtbot.addWidget(plot)
    plot.add_series("cpu", "CPU")
    assert plot.is_empty()
    assert plot.placeholder.text() == "No samples yet."
    plot.set_data("cpu", np.array([1.0, 2.0]), np.array([np.nan, np.nan]))
    plot.flush()
    assert plot.is_empty()  # withheld values draw nothing
    plot.set_data("cpu", np.array([1.0, 2.0]), np.array([0.5, np.nan]))
    plot.flush()
    assert not plot.is_empty()
    plot.set_data("cpu", np.zeros(0), np.zeros(0))
    plot.flush()
    assert plot.is_empty()
