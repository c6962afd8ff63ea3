"""A metric plot shows a sentence, not bare axes, until it has a value to draw."""

from __future__ import annotations

import numpy as np
import pytest
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


def test_round_up_to_one_two_two_and_a_half_or_five() -> None:
    from console.gui.widgets.metric_plot import round_up

    assert [round_up(v) for v in (0.07, 0.3, 1.0, 1.2, 2.2, 3.0, 7.0, 12.0)] == [
        0.1, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0,
    ]  # fmt: skip
    assert round_up(0.0) == 1.0
    assert round_up(float("nan")) == 1.0


def test_a_live_plot_keeps_its_view_while_new_points_fit(qtbot: QtBot) -> None:
    """Fed every second, the view (and so the axes' tick text) changes only in steps:
    from the first point to a little past the last, 0 to a round value above the top."""
    plot = MetricPlot(y_format=".1f", y_unit="ms", live=True)
    qtbot.addWidget(plot)
    plot.add_series("p99", "p99")
    x = 1_700_000_000.0 + np.arange(600.0)
    y = 10 + np.sin(np.arange(600.0))
    plot.set_data("p99", x, y)
    plot.flush()
    (x0, x1), (y0, y1) = view = plot.view_range()
    assert x0 == x[0]
    assert x1 > x[-1]
    assert (y0, y1) == (0.0, 20.0)
    for second in range(1, 10):  # new points that fit: the same view
        plot.set_data("p99", np.append(x, x[-1] + second), np.append(y, 12.5))
        plot.flush()
        assert plot.view_range() == view
    plot.set_data("p99", np.append(x, x[-1] + 10), np.append(y, 30.0))
    plot.flush()
    assert plot.view_range()[1] == [0.0, 50.0]  # above the top: one step up
    plot.plot.vb.setRange(xRange=(x[100], x[200]), padding=0)  # the operator zooms
    zoomed = plot.view_range()
    plot.set_data("p99", np.append(x, x[-1] + 11), np.append(y, 80.0))
    plot.flush()
    assert plot.view_range() == zoomed


def test_a_plot_that_is_not_live_still_follows_its_data(qtbot: QtBot) -> None:
    plot = MetricPlot()
    qtbot.addWidget(plot)
    plot.add_series("f1", "F1")
    plot.set_data("f1", np.arange(10.0), np.linspace(0.5, 0.9, 10))
    plot.flush()
    assert plot.plot.vb.autoRangeEnabled() == [True, True]


def test_the_service_chart_changes_its_y_axis_only_in_round_steps(qtbot: QtBot) -> None:
    from console.gui.widgets.service_chart import ServiceLiveChart

    chart = ServiceLiveChart()
    qtbot.addWidget(chart)
    tops = set()
    for p99 in (11.0, 12.5, 13.9, 12.2, 15.0, 16.1):
        chart.add_sample(20.0, 5.0, p99)
        chart._redraw.flush()
        tops.add(chart.latency_plot.getPlotItem().vb.viewRange()[1][1])
    assert tops == {20.0}  # every top * 1.15 rounds up to 20
    chart.add_sample(20.0, 5.0, 40.0)
    chart._redraw.flush()
    assert chart.latency_plot.getPlotItem().vb.viewRange()[1] == [0.0, 50.0]
    assert chart.rate_plot.getPlotItem().vb.viewRange()[1] == [0.0, 25.0]


def test_the_service_chart_sets_the_axis_style_only_when_the_placeholder_changes(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Set again with each sample, the style drew the axis again each second."""
    from console.gui.widgets.service_chart import ServiceLiveChart

    chart = ServiceLiveChart()
    qtbot.addWidget(chart)
    axis = chart.rate_plot.getPlotItem().getAxis("left")
    styles: list[dict[str, object]] = []
    original = axis.setStyle
    monkeypatch.setattr(axis, "setStyle", lambda **kw: (styles.append(kw), original(**kw)))
    for _ in range(3):
        chart.add_sample(20.0, 5.0, 9.0)
        chart._redraw.flush()
    assert styles == [{"showValues": True}]
    chart.clear()
    chart._redraw.flush()
    assert styles[-1] == {"showValues": False}
    assert chart.placeholders[0].isVisible()
