"""Pages ready before they are visited: their modules imported off the GUI thread, the
pages built one at a time while the window is idle.

A page's first visit used to import its modules (the page's own, pyqtgraph, superqt)
and build its widgets on the GUI thread at that moment, and the window did not answer
for a tenth of a second or more. Instead, after the window's first paint:

* :class:`BackgroundImports` imports the page modules on a daemon thread, the shown
  page's first. Only imports run there: widgets are made on the GUI thread. (The GUI
  thread importing a module that the thread is importing just waits for it.)
* :class:`PagesAhead` builds the shown page once its module is imported, then, while
  the window is shown, the next page not built yet, in short slices, each laid out
  for the window's size, so a first visit only shows a page already built.
"""

from __future__ import annotations

import functools
import gc
import importlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QGraphicsView

from console.core.base.jobs import lower_thread_priority
from console.gui import warmup
from console.gui.pages.base import parts_later

if TYPE_CHECKING:
    from console.gui.main_window import MainWindow
    from console.gui.pages.base import Page

log = logging.getLogger("console.gui")

#: how often the window looks whether the shown page's module has been imported
POLL_MS = 20
#: one slice of building a page ahead this often
STEP_EVERY_MS = 100
#: build pages ahead (tests of a single page turn it off to keep their runs lean)
BUILD_AHEAD = True


class BackgroundImports:
    """Imports modules on one daemon thread, in the order asked for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[str] = deque()
        self._done: set[str] = set()
        self._thread: threading.Thread | None = None

    def request(self, names: Iterable[str], *, first: bool = False) -> None:
        """Import ``names`` in the background; with ``first``, before those already
        asked for."""
        with self._lock:
            new = [n for n in dict.fromkeys(names) if n not in self._done]
            for name in new:
                if name in self._queue:
                    self._queue.remove(name)
            if first:
                self._queue.extendleft(reversed(new))
            else:
                self._queue.extend(new)
            if self._thread is None and self._queue:
                self._thread = threading.Thread(target=self._run, name="page-imports", daemon=True)
                self._thread.start()

    def imported(self, name: str) -> bool:
        """True once ``name`` was imported here (or failed to: the page says why)."""
        with self._lock:
            return name in self._done

    def busy(self) -> bool:
        """True while the thread imports."""
        with self._lock:
            return self._thread is not None

    def pending(self) -> list[str]:
        with self._lock:
            return list(self._queue)

    def _run(self) -> None:
        lower_thread_priority()
        while True:
            with self._lock:
                if not self._queue:
                    self._thread = None
                    return
                name = self._queue.popleft()
            try:
                importlib.import_module(name)
            except Exception:  # the page shows the error when it is built
                log.exception("importing %s ahead of its page failed", name)
            with self._lock:
                self._done.add(name)


#: one per process: a module is imported once, whichever window asked
IMPORTS = BackgroundImports()


class PagesAhead(QObject):
    """Builds the window's shown page once its module is imported, then the others
    ahead of their first visit while the window is shown.

    A page ahead is made in slices of work, one per :data:`STEP_EVERY_MS`, so that
    none keeps the window from answering for long: its widgets; its first read (unless
    it was shown meanwhile, which reads it); its layout at the window's size; a first
    drawing of each of its plots.
    """

    #: the page shown first is built: the window starts its other start-up work
    first_page_built = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._tick)
        self._waited = 0
        self._first_done = False
        self._steps: deque[tuple[str, Callable[[], None]]] = deque()
        #: pages built here ahead of their first visit (keys), for tests and the benchmark
        self.built_ahead: list[str] = []
        #: each slice of work done here: ("<page key> <what>", milliseconds)
        self.slices: list[tuple[str, float]] = []

    def start(self) -> None:
        """After the first paint: import the shown page's module; the others once that
        page is built (imports on another thread slow the GUI thread's build down)."""
        entries = self.window.page_entries
        IMPORTS.request([entries[self.window.stack.currentIndex()].module], first=True)
        self.timer.start()

    def _first_page_built(self) -> None:
        self._first_done = True
        IMPORTS.request(e.module for e in self.window.page_entries)
        if BUILD_AHEAD:
            gc.freeze()  # see _lay_out
        self.first_page_built.emit()

    def stop(self) -> None:
        self.timer.stop()
        self._steps.clear()

    def _tick(self) -> None:
        window = self.window
        if not window.isVisible():
            return
        current = window.stack.currentIndex()
        if not window.is_built(current):
            if IMPORTS.imported(window.page_entries[current].module):
                window.current_page()
            return
        if not self._first_done:
            self._first_done = True
            self._first_page_built()
        if not BUILD_AHEAD:
            self.stop()
            return
        self._waited += POLL_MS
        if self._waited < STEP_EVERY_MS or self._start_up_busy():
            return
        if not self._steps and not self._plan_next():
            return
        self._waited = 0
        what, step = self._steps.popleft()
        started = time.perf_counter()
        step()
        self.slices.append((what, (time.perf_counter() - started) * 1000))

    def _start_up_busy(self) -> bool:
        """True while the window's start-up work runs on other threads (the page and
        job imports, the rollback's preparation): a slice run meanwhile takes longer,
        as the threads take turns with the GUI thread."""
        readiness = getattr(self.window, "readiness", None)
        preparing = readiness is not None and readiness.job is not None
        return IMPORTS.busy() or not warmup.finished() or preparing

    def _plan_next(self) -> bool:
        """Queue the slices of the next page to build ahead; False if there is none
        yet (its module still loading) or none left (then the timer stops)."""
        window = self.window
        number = next((n for n in range(len(window.page_entries)) if not window.is_built(n)), None)
        if number is None:
            self.stop()
            return False
        if not IMPORTS.imported(window.page_entries[number].module):
            return False
        key = window.page_entries[number].key
        self._steps.extend(
            [
                (f"{key} build", lambda: self._build(number)),
                (f"{key} read", lambda: self._first_read(number)),
                (f"{key} layout", lambda: self._lay_out(number)),
            ]
        )
        return True

    def _paint_ahead(self, page: Page) -> None:
        """Queue one step per plot of ``page``: drawn once into a picture nobody sees,
        so that its first paint on screen finds its axes' text laid out and its glyphs
        cached (the first paint of a page's plots was its costliest moment)."""
        for n, view in enumerate(page.findChildren(QGraphicsView)):
            self._steps.append(
                (f"{page.key} plot {n + 1}", functools.partial(self._paint, page, view))
            )

    @staticmethod
    def _paint(page: Page, view: QGraphicsView) -> None:
        if not page.isVisible():
            view.grab()

    def _build(self, number: int) -> None:
        if self.window.is_built(number):  # shown meanwhile: built and read then
            self._steps.clear()
            return
        with parts_later():  # its costly parts (plots) each in a slice of their own
            page = self.window.build_page(number, refresh=False)
        page.stale = True  # read when shown, if that comes before its first read here
        self.built_ahead.append(page.key)
        for n in reversed(range(page.parts_left())):
            self._steps.appendleft((f"{page.key} part {n + 1}", lambda: page.build_rest(1)))

    def _first_read(self, number: int) -> None:
        page = self.window.build_page(number)
        if page.stale and not page.isVisible():
            page.stale = False
            self.window.refresh_new_page(page)

    def _lay_out(self, number: int) -> None:
        """Polish and lay out the page now at the size it will be shown at (otherwise
        its first visit would)."""
        page = self.window.build_page(number)
        if page.isVisible():
            return
        page.resize(self.window.stack.size())
        page.ensurePolished()
        layout = page.layout()
        if layout is not None:
            layout.activate()
        self._paint_ahead(page)
        # The page lives as long as the window: its objects are left out of the garbage
        # collector's passes from now on. A full pass walked every object of every page
        # built so far, keeping the GUI thread 40-100 ms late each time; as for the
        # start-up objects (warmup.warm_up), only later objects are collected.
        gc.freeze()
