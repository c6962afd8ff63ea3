"""The Data page's lineage view and "what changed before" in the alert detail and Overview."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from console.core.base import clock
from console.core.base.workspace import Workspace
from console.gui import workers
from console.gui.main_window import MainWindow
from console.gui.pages.data import DataPage
from console.gui.pages.overview import OverviewPage
from tests.core.lineage import lineage_helpers


@pytest.fixture
def lineage_window(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[MainWindow, dict]]:
    ws, marks = lineage_helpers.copy(tmp_path / "lineage")
    main = MainWindow(ws, "alice")
    qtbot.addWidget(main)
    main.show()
    yield main, marks
    qtbot.waitUntil(lambda: not workers.running_jobs(), timeout=60_000)
    main.close()
    ws.close()


def test_the_graph_is_clickable_both_ways_with_a_time_slider(qtbot: QtBot, lineage_window):
    window, marks = lineage_window
    window.show_page("data")
    page = window.page("data")
    assert isinstance(page, DataPage)
    page.tabs.setCurrentWidget(page.lineage)
    view = page.lineage
    kinds = sorted({item.node.kind for item in view.items.values()})
    assert kinds == ["dataset", "deployment", "file", "model"]
    assert len(view.edges) >= 7
    view.click("model:1.1.0")
    assert view.selected == "model:1.1.0"
    text = view.detail.text()
    assert "Came from</b> (4)" in text  # train-b, train-a and the two files
    assert "day1.csv" in text
    view.click("file:landing/day1.csv")
    assert "Built from it</b> (7)" in view.detail.text()  # 2 datasets, 2 models, 3 deployments
    view.end += dt.timedelta(days=30)  # a long history: one slider step spans hours
    view.show_moment(clock.parse_moment(marks["v1_live"]))
    assert "model 1.0.0 in production" in view.moment_label.text()
    assert view.items["model:1.1.0"].opacity() < 1.0  # registered later: faded
    view.show_moment(clock.parse_moment(marks["v11_live"]))
    assert "model 1.1.0 in production" in view.moment_label.text()
    assert "better recall on new rows" in view.moment_label.text()


def test_what_changed_in_the_overview(qtbot: QtBot, lineage_window) -> None:
    window, _ = lineage_window
    page = window.page("overview")
    assert isinstance(page, OverviewPage)
    job = page.what_changed.find_changes()
    assert job is not None
    qtbot.waitUntil(lambda: page.what_changed.answer is not None, timeout=30_000)
    rows = [page.what_changed.list.item(i).text() for i in range(page.what_changed.list.count())]
    assert rows[0].startswith("1. rollback: 1.1.0 -> 1.0.0 - too many false positives")
    assert any("config console.toml version 2" in r for r in rows)


def test_what_changed_before_an_alert(qtbot: QtBot, window: MainWindow, ws: Workspace) -> None:
    with ws.conn:  # an alert that fired a minute ago
        ws.conn.execute(
            "INSERT INTO alerts (rule, metric, severity, state, episode, since, fired_at)"
            " VALUES ('f1_critical', 'f1', 'critical', 'firing', 1, ?, ?)",
            (clock.iso(), clock.iso()),
        )
    window.show_page("alerts")
    page = window.page("alerts")
    page.refresh()
    page.table.selectRow(0)
    assert page.what_changed.title.text() == "What changed before f1_critical started"
    page.what_changed.find_changes()
    qtbot.waitUntil(lambda: page.what_changed.answer is not None, timeout=30_000)
    assert page.what_changed.list.count() >= 1
    qtbot.waitUntil(lambda: not workers.running_jobs(), timeout=60_000)
