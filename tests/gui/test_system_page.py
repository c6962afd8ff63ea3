"""System page: stored history plus live samples, updated by a timer, sampler stopped."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from console.core.base.workspace import Workspace
from console.core.monitoring import system
from console.gui.main_window import MainWindow
from console.gui.pages.system import SystemPage
from tests.core.monitoring_helpers import fake_partners


@pytest.fixture
def page(qtbot: QtBot, tmp_path: Path, monkeypatch) -> Iterator[SystemPage]:
    fake_partners(monkeypatch)
    ws = Workspace.create(tmp_path / "sys", "alice")
    now = time.time()
    for minute in range(120):
        system.store_sample(ws, now - 7200 + 60 * minute, {"cpu": 0.5, "p99_ms": 12.0})
    widget = SystemPage(ws, "alice")
    widget.sampler.interval = 0.05
    qtbot.addWidget(widget)
    widget.setMinimumSize(900, 600)
    yield widget
    widget.stop_sampling()
    ws.close()


def test_history_and_live_samples_are_plotted(qtbot: QtBot, page: SystemPage) -> None:
    page.show()
    assert "120 stored samples" in page.subtitle.text()
    assert page.sampler.running
    qtbot.waitUntil(lambda: len(page.sampler.recent()["ts"]) >= 3, timeout=5000)
    page.update_live()
    assert page.points() >= 123
    assert page.now_label.text().startswith("Now: CPU")
    assert "no backup" in page.backup_label.text()
    page.plots[2].flush()
    assert page.plots[2].points("p99_ms")[1][0] == 12.0


def test_stop_sampling_ends_the_thread(qtbot: QtBot, page: SystemPage) -> None:
    page.show()
    page.stop_sampling()
    assert not page.sampler.running
    assert not page.timer.isActive()


def test_points_stay_bounded_by_the_ring_buffer(qtbot: QtBot, page: SystemPage) -> None:
    page.sampler._buffer = type(page.sampler._buffer)(maxlen=5)
    page.show()
    qtbot.waitUntil(lambda: len(page.sampler.recent()["ts"]) == 5, timeout=5000)
    time.sleep(0.2)
    page.update_live()
    assert page.points() == 125


def test_a_hidden_page_does_not_redraw_and_catches_up_when_shown(
    qtbot: QtBot, page: SystemPage
) -> None:
    page.show()
    assert page.timer.isActive()
    page.hide()
    assert not page.timer.isActive()
    assert page.sampler.running  # still collecting
    before = page.points()
    qtbot.waitUntil(lambda: len(page.sampler.recent()["ts"]) >= 3, timeout=5000)
    assert page.points() == before  # nothing drawn while hidden
    page.show()
    assert page.timer.isActive()
    assert page.points() > before  # what was sampled meanwhile, at once


def test_a_page_built_ahead_reads_its_history_before_it_is_shown(page: SystemPage) -> None:
    """Built while hidden (ahead of its first visit), the page reads the stored week at
    once, so the first visit only adds the live samples; hidden, it reads it once."""
    assert not page.isVisible()
    page.refresh()
    assert "120 stored samples" in page.subtitle.text()
    page.plots[2].flush()
    assert page.plots[2].points("p99_ms")[1][0] == 12.0
    assert not page.sampler.running  # sampling starts when the page is shown
    reads: list[float] = []
    page.reload_history = lambda: reads.append(1.0)  # type: ignore[method-assign]
    page.refresh()
    assert reads == []


def test_back_from_another_page_the_plots_catch_up_one_after_the_other(
    qtbot: QtBot, page: SystemPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    page.show()
    page.hide()
    assert not page.timer.isActive()
    turns: list[int | None] = []
    monkeypatch.setattr(page, "update_live", lambda only=None: turns.append(only))
    page.show()
    qtbot.waitUntil(lambda: len(turns) == 4, timeout=5000)
    assert turns == [0, 1, 2, 3]
    assert page.timer.isActive()


def test_live_plots_keep_the_width_of_their_value_axis(qtbot: QtBot, page: SystemPage) -> None:
    """Their tick text changes as they go; the axis' width, and so the plot's layout, not."""
    page.show()
    widths = [plot.plot.getAxis("left").width() for plot in page.plots]
    page.update_live()
    for plot in page.plots:
        plot.flush()
    qtbot.wait(50)
    assert [plot.plot.getAxis("left").width() for plot in page.plots] == widths
    assert all(plot.plot.getAxis("left").fixedWidth is not None for plot in page.plots)


def test_the_page_fits_1280_by_800_and_keeps_its_layout_when_plots_get_data(
    qtbot: QtBot, window: MainWindow
) -> None:
    """Live plots ask for little height: the page once scrolled (its backup line out of
    sight), and each plot that took its placeholder's place re-laid the page out, every
    plot drawn again at a new size (the return to the page took 40-70 ms)."""
    window.resize(1280, 800)
    window.show_page("system")
    page = window.page("system")
    assert isinstance(page, SystemPage)
    qtbot.wait(50)
    assert not page.scroll.verticalScrollBar().isVisible()
    label = page.backup_label
    assert label.mapTo(page, label.rect().bottomLeft()).y() <= page.height()
    empty = next(p for p in page.plots if p.stack.currentWidget() is p.placeholder)
    size = empty.stack.size()
    now = time.time()
    for key in empty.curves:
        empty.set_data(key, np.array([now - 2, now - 1, now]), np.array([0.1, 0.2, 0.3]))
    qtbot.waitUntil(lambda: empty.stack.currentWidget() is empty.widget)
    qtbot.wait(50)
    assert empty.stack.size() == size
    assert not page.scroll.verticalScrollBar().isVisible()


def test_live_plots_draw_thin_lines(page: SystemPage) -> None:
    """Qt strokes a 2 px line point by point: a plot of three curves of an hour's
    samples took 17 ms to draw, every second, against 4.6 ms at 1 px."""
    page.build_rest()
    widths = {c.opts["pen"].width() for p in page.plots for c in p.curves.values()}
    assert widths == {1}
