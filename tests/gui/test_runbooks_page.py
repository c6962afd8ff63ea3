"""The Runbooks page: a run end to end, a malformed runbook, versions, alert links."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from console.core.base import documents
from console.core.base.workspace import Workspace
from console.core.runbooks import library, runs
from console.gui import workers
from console.gui.dialogs.document_edit import DocumentEditDialog, Edited
from console.gui.main_window import MainWindow
from console.gui.pages.runbooks import RunbooksPage

BOOK = """# Night shift
Four steps, one of each kind.

## Look
- [ ] Check the pipeline @check(pipeline)
- [ ] Open the data page @open(page/data)
## Tell
- [ ] Tell the owner @show(contacts)
- [ ] Write it down
"""


@pytest.fixture
def page(qtbot: QtBot, window: MainWindow, ws: Workspace) -> Iterator[RunbooksPage]:
    library.save(ws, "alice", "night-shift", BOOK, reason="for the test")
    window.show_page("runbooks")
    found = window.page("runbooks")
    assert isinstance(found, RunbooksPage)
    found.refresh()
    found.focus_item("night-shift")
    yield found
    # a short test must not end while the window's background jobs (rollback
    # preparation, alert evaluation) still run on a busy machine
    qtbot.waitUntil(lambda: not workers.running_jobs(), timeout=60_000)


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(workers, "show_error", lambda _p, _t, exc: shown.append(str(exc)))
    return shown


def test_a_runbook_run_end_to_end(qtbot: QtBot, page: RunbooksPage, window: MainWindow) -> None:
    assert page.heading.text().startswith("Night shift")
    assert not page.checklist.button(0, "Run check").isEnabled()  # no run yet
    page.start_action.trigger()
    assert page.run is not None
    run_id = page.run.id
    qtbot.mouseClick(page.checklist.button(0, "Run check"), qtbot_button())
    qtbot.waitUntil(lambda: 0 in page.run.records, timeout=20_000)
    assert page.run.records[0].status in ("ok", "problem")
    assert page.checklist.item(0, 3).text().startswith(page.run.records[0].status)
    qtbot.mouseClick(page.checklist.button(1, "Open"), qtbot_button())
    assert window.current_page().key == "data"
    window.show_page("runbooks")
    qtbot.mouseClick(page.checklist.button(2, "Show contacts"), qtbot_button())
    assert page.tabs.currentIndex() == 3
    assert "On-call operator" in page.contacts_view.toPlainText()
    page.note.setText("owner knows")
    qtbot.mouseClick(page.checklist.button(3, "Done"), qtbot_button())
    done = runs.get(page.ws, run_id)
    assert done.state == "done"
    assert [done.records[i].status for i in (1, 2, 3)] == ["opened", "done", "done"]
    assert done.records[3].result == "owner knows"
    assert {r.user for r in done.records.values()} == {"alice"}
    assert not page.checklist.button(3, "Done").isEnabled()  # a finished run is read-only
    assert page.runs_table.rowCount() == 1


def test_an_open_run_is_resumed_when_the_page_opens(page: RunbooksPage) -> None:
    run = runs.start(page.ws, "alice", "night-shift")
    runs.record(page.ws, "alice", run.id, 0, status="ok", result="fine")
    page.refresh()
    assert page.run is not None
    assert page.run.id == run.id
    assert "1 of 4 steps" in page.run_label.text()


def test_a_malformed_runbook_is_shown_with_its_line_and_the_page_works(page) -> None:
    with page.ws.conn:
        page.ws.conn.execute(
            "INSERT INTO documents VALUES ('broken', 1, 'runbook', 'x', '# B\n- [ ] a @open(x)\n',"
            " 'alice', '2026-01-01', 'old')"
        )
    page.refresh()
    page.focus_item("broken")
    assert "broken.md:2: cannot open 'x'" in page.banner.text()
    assert page.checklist.rowCount() == 0
    page.focus_item("night-shift")
    assert page.banner.isHidden()
    assert page.checklist.rowCount() == 4


def test_an_edit_is_a_version_and_versions_diff(page, monkeypatch, errors) -> None:
    edited = BOOK.replace("Write it down", "Write it in the log")
    monkeypatch.setattr(DocumentEditDialog, "ask", lambda *a, **k: Edited(edited, "wording"))
    page.edit_action.trigger()
    assert documents.require(page.ws, "night-shift").version == 2
    assert "+- [ ] Write it in the log" in page.diff_view.toPlainText()
    assert "wording" in page.versions_info.text()
    bad = Edited(BOOK + "- [ ] x @check(nothing)\n", "typo")
    monkeypatch.setattr(DocumentEditDialog, "ask", lambda *a, **k: bad)
    page.edit_action.trigger()
    assert errors
    assert errors[0].startswith("night-shift.md:10: unknown check 'nothing'")
    assert documents.require(page.ws, "night-shift").version == 2


def test_an_alert_runbook_link_opens_its_runbook(window: MainWindow) -> None:
    alerts = window.page("alerts")
    alerts.detail._link("console:runbook/model-rollback")
    page = window.current_page()
    assert isinstance(page, RunbooksPage)
    assert page.current_name() == "model-rollback"


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_every_page_a_runbook_may_open_exists(window: MainWindow) -> None:
    from console.core.runbooks.format import PAGES

    assert set(PAGES) <= set(window.page_keys())
