"""Pages ready before their first visit: modules imported off the GUI thread, pages
built ahead one slice at a time and never built again."""

from __future__ import annotations

import sys
import threading
import types
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from console.core.base.workspace import Workspace
from console.gui import pages_ahead
from console.gui.main_window import MainWindow
from console.gui.pages_ahead import BackgroundImports
from tests.gui.conftest import settle


def shown(qtbot: QtBot, ws: Workspace, *, settled: bool = False) -> MainWindow:
    """The main window, shown (and its start-up work done, when ``settled``)."""
    main = MainWindow(ws, "alice")
    qtbot.addWidget(main)
    main.show()
    if settled:
        settle(qtbot, main)
    return main


def test_modules_are_imported_on_a_background_thread(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the order asked for, a module asked ``first`` before those still waiting."""
    record = types.ModuleType("ahead_record")
    record.ORDER = []
    record.GATE = threading.Event()
    monkeypatch.setitem(sys.modules, "ahead_record", record)
    (tmp_path / "ahead_gate.py").write_text(
        "import ahead_record\nahead_record.GATE.wait(5)\n", encoding="utf-8"
    )
    for name in ("ahead_first", "ahead_second"):
        (tmp_path / f"{name}.py").write_text(
            "import threading, ahead_record\nahead_record.ORDER.append(__name__)\n"
            "THREAD = threading.current_thread().name\n",
            encoding="utf-8",
        )
    monkeypatch.syspath_prepend(str(tmp_path))
    imports = BackgroundImports()
    imports.request(["ahead_gate", "ahead_second"])  # the thread waits in the first
    imports.request(["ahead_first"], first=True)
    record.GATE.set()
    qtbot.waitUntil(lambda: imports.imported("ahead_second"), timeout=5000)
    assert record.ORDER == ["ahead_first", "ahead_second"]
    assert imports.imported("ahead_first")
    assert imports.pending() == []
    for name in ("ahead_first", "ahead_second"):
        assert sys.modules[name].THREAD == "page-imports"
        assert threading.current_thread().name != "page-imports"
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delitem(sys.modules, "ahead_gate")


def test_a_module_that_fails_to_import_is_reported_done(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page says why when it is built; the thread goes on with the next module."""
    (tmp_path / "ahead_broken.py").write_text("raise ImportError('no such part')\n", "utf-8")
    (tmp_path / "ahead_after.py").write_text("VALUE = 1\n", "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    imports = BackgroundImports()
    imports.request(["ahead_broken", "ahead_after"])
    qtbot.waitUntil(lambda: imports.imported("ahead_after"), timeout=5000)
    assert imports.imported("ahead_broken")
    assert "ahead_broken" not in sys.modules
    monkeypatch.delitem(sys.modules, "ahead_after")


def test_every_page_module_is_imported_after_the_first_paint(qtbot: QtBot, ws: Workspace) -> None:
    main = shown(qtbot, ws)
    modules = [entry.module for entry in main.page_entries]
    qtbot.waitUntil(lambda: all(pages_ahead.IMPORTS.imported(m) for m in modules), timeout=20_000)
    settle(qtbot, main)
    assert len(main.built_pages()) == 1  # only the shown page (building ahead is off here)
    main.close()


def test_pages_are_built_ahead_and_a_visit_does_not_build_them_again(
    qtbot: QtBot, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages_ahead, "BUILD_AHEAD", True)
    monkeypatch.setattr(pages_ahead, "STEP_EVERY_MS", 20)
    main = shown(qtbot, ws)
    keys = main.page_keys()
    qtbot.waitUntil(lambda: len(main.built_pages()) == len(keys), timeout=60_000)
    qtbot.waitUntil(lambda: not main.ahead.timer.isActive(), timeout=60_000)
    settle(qtbot, main)
    shown_first = main.current_key()
    assert sorted(main.ahead.built_ahead) == sorted(k for k in keys if k != shown_first)
    before = {key: main.page(key) for key in keys}
    ahead = list(main.ahead.built_ahead)
    for key in keys:
        page = before[key]
        assert page.size() == main.stack.size()  # laid out before it is shown
        main.show_page(key)
        assert main.stack.currentWidget() is page
        assert page.isVisible()
    settle(qtbot, main)
    assert {key: main.page(key) for key in keys} == before
    assert main.ahead.built_ahead == ahead
    main.close()


def test_a_page_built_ahead_but_not_read_yet_reads_when_shown(
    qtbot: QtBot, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its widgets come in one slice and its first read in the next: shown between
    the two, the page reads then (and the later slice does not read it again)."""
    main = shown(qtbot, ws, settled=True)
    number = main.page_keys().index("data")
    main.ahead._build(number)
    page = main.page("data")
    reads: list[bool] = []
    monkeypatch.setattr(page, "refresh", lambda: reads.append(True))
    assert page.stale
    main.show_page("data")
    assert reads == [True]
    main.ahead._first_read(number)
    assert reads == [True]
    main.close()


def test_a_page_built_ahead_makes_its_plots_in_slices_of_their_own(
    qtbot: QtBot, ws: Workspace
) -> None:
    """The System page's four plots: one slice each; anything that asks for the page
    meanwhile gets it whole."""
    from console.gui.pages.system import SystemPage

    main = shown(qtbot, ws, settled=True)
    number = main.page_keys().index("system")
    main.ahead._build(number)
    page = main._built[number]  # as built: main.page() would make its parts
    assert isinstance(page, SystemPage)
    assert page.plots == []
    assert page.parts_left() == 4
    assert [what for what, _step in main.ahead._steps] == [f"system part {n}" for n in range(1, 5)]
    main.ahead._steps.popleft()[1]()
    assert len(page.plots) == 1
    assert main.page("system") is page
    assert page.parts_left() == 0
    assert len(page.plots) == 4
    main.close()


def test_every_page_built_ahead_makes_each_plot_in_a_slice_of_its_own(
    qtbot: QtBot, ws: Workspace
) -> None:
    """A pyqtgraph plot takes 10-20 ms to make: a page's build slice makes none, each
    later slice at most one, and the page ends with the plots it has when built at once."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QGraphicsView

    def views(page: object) -> int:
        assert isinstance(page, QWidget)
        return sum(isinstance(v, pg.GraphicsView) for v in page.findChildren(QGraphicsView))

    main = shown(qtbot, ws, settled=True)
    main.ahead.stop()
    with_plots = 0
    for number, key in enumerate(main.page_keys()):
        if main.is_built(number):
            continue
        main.ahead._build(number)
        page = main._built[number]
        assert views(page) == 0, key
        made = []
        while page.parts_left():
            before = views(page)
            page.build_rest(1)
            made.append(views(page) - before)
        assert all(n <= 1 for n in made), (key, made)
        whole = main.page_entries[number].load().create(main)
        assert views(page) == views(whole), key
        with_plots += views(whole) > 0
        whole.deleteLater()
    assert with_plots >= 6  # performance, quality, drift, alerts, service, validation, system
    main.close()


def test_a_page_built_ahead_is_frozen_out_of_the_collectors_passes(
    qtbot: QtBot, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    frozen: list[bool] = []
    main = shown(qtbot, ws, settled=True)
    number = main.page_keys().index("jobs")
    main.ahead._build(number)
    main.ahead._lay_out(number)
    assert frozen == [True]
    main.close()


def test_a_page_chosen_before_it_is_built_ahead_is_built_on_the_next_pass(
    qtbot: QtBot, ws: Workspace
) -> None:
    """In the window's first seconds a click on a page not built yet shows its stand-in
    at once; the window builds it on its next pass (building and first painting it in
    one go held the GUI thread up to 55 ms)."""
    from console.gui.widgets.stand_in import StandIn

    main = shown(qtbot, ws)
    number = main.page_keys().index("users")  # the last page built ahead
    qtbot.waitUntil(main.ahead.timer.isActive)  # from the first paint on
    assert not main.is_built(number)
    main.show_page("users")
    assert not main.is_built(number)
    assert isinstance(main.stack.currentWidget(), StandIn)
    qtbot.waitUntil(lambda: main.is_built(number), timeout=15_000)
    assert main.current_key() == "users"
    assert main.stack.currentWidget() is main.page("users")


def test_a_page_chosen_to_focus_an_item_is_built_at_once(qtbot: QtBot, ws: Workspace) -> None:
    main = shown(qtbot, ws)
    number = main.page_keys().index("runbooks")
    assert not main.is_built(number)
    main.show_page("runbooks#model-rollback")  # an alert's runbook link
    assert main.is_built(number)
    assert main.page("runbooks").current_name() == "model-rollback"
