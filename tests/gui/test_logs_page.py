"""The Logs page: filters, following the files off the GUI thread, export."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from console.core.base.workspace import Workspace
from console.gui import workers
from console.gui.main_window import MainWindow
from console.gui.pages.logs import LogsPage


@pytest.fixture
def page(qtbot: QtBot, window: MainWindow, ws: Workspace) -> Iterator[LogsPage]:
    (ws.root / "logs" / "service.log").write_text(
        "2026-11-30 10:00:00,000 ERROR   console.core.serving.app [Main] model failed\n"
    )
    logging.getLogger("console.test").warning("something odd")
    window.show_page("logs")
    found = window.page("logs")
    assert isinstance(found, LogsPage)
    found.period.setCurrentIndex(found.period.findText("All time"))
    qtbot.waitUntil(lambda: found.reading is None, timeout=10_000)
    yield found
    # a short test must not end while the window's background jobs (rollback
    # preparation, alert evaluation) still run on a busy machine
    qtbot.waitUntil(lambda: not workers.running_jobs(), timeout=60_000)


def messages(page: LogsPage) -> list[str]:
    model = page.table.model()
    return [model.index(r, 4).data() for r in range(model.rowCount())]


def test_filters_by_level_source_and_text(qtbot: QtBot, page: LogsPage) -> None:
    assert "model failed" in messages(page)
    assert "something odd" in messages(page)
    page.level.setCurrentText("ERROR")
    qtbot.waitUntil(lambda: page.reading is None and messages(page) == ["model failed"])
    page.level.setCurrentText("INFO")
    page.sources["service"].setChecked(False)
    qtbot.waitUntil(lambda: page.reading is None and "model failed" not in messages(page))
    page.search.setText("ODD")
    qtbot.waitUntil(lambda: page.reading is None and messages(page) == ["something odd"])
    page.table.selectRow(0)
    assert "console.test" in page.detail.toPlainText()


def test_follow_appends_new_records_and_export_writes_them(
    qtbot: QtBot, page: LogsPage, tmp_path: Path
) -> None:
    page.follow.setChecked(True)
    before = page.table.model().rowCount()
    logging.getLogger("console.test").error("fresh failure")
    for handler in logging.getLogger("console").handlers:
        handler.flush()
    qtbot.waitUntil(lambda: "fresh failure" in messages(page), timeout=10_000)
    assert page.table.model().rowCount() == before + 1
    page.follow.setChecked(False)
    qtbot.waitUntil(lambda: page.polling is None, timeout=5_000)
    out = page.export(tmp_path / "shown.txt")
    assert out is not None
    text = out.read_text()
    assert "fresh failure" in text
    assert "model failed" in text


def test_a_replaced_read_is_not_shown(qtbot: QtBot, page: LogsPage) -> None:
    """A read that a newer one replaced can still answer (it finished before the cancel
    reached it): its records must not overwrite the newer read's."""
    record = page.records[0]
    page.level.setCurrentText("ERROR")  # a new read (number n)
    qtbot.waitUntil(lambda: page.reading is None, timeout=10_000)
    shown = list(page.records)
    page._loaded([record] * 3, page._reads - 1)  # the late answer of read n - 1
    assert page.records == shown
    page._loaded([record], page._reads)  # the newest read's answer is shown
    assert page.records == [record]
