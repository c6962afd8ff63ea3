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


def test_a_share_axis_reads_in_percent_without_a_scale_prefix(qtbot: QtBot) -> None:
    from console.gui.widgets.metric_plot import PercentAxis

    plot = MetricPlot(y_format=".0%", y_unit="share")
    qtbot.addWidget(plot)
    axis = plot.plot.getAxis("left")
    assert isinstance(axis, PercentAxis)
    assert axis.tickStrings([0.0, 0.2, 0.4], 1.0, 0.2) == ["0 %", "20 %", "40 %"]
    assert axis.tickStrings([0.0, 0.005], 1.0, 0.005) == ["0.0 %", "0.5 %"]
    assert not axis.autoSIPrefix
    assert not MetricPlot(y_format=".1f", y_unit="ms").plot.getAxis("left").autoSIPrefix


def test_a_gap_in_time_breaks_the_line(qtbot: QtBot) -> None:
    plot = MetricPlot()
    qtbot.addWidget(plot)
    plot.add_series("cpu", "CPU")
    plot.set_data("cpu", np.array([0.0, 60.0, 120.0, 900.0, 901.0]), np.ones(5), gap=180.0)
    x, y = plot.points("cpu")
    assert list(x) == [0.0, 60.0, 120.0, 120.0, 900.0, 901.0]
    assert np.isnan(y[3])
    assert np.isfinite(np.delete(y, 3)).all()
