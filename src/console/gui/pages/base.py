"""What every page of the main window has: a key, a title, an icon, a header, refresh().

Pages stay current by themselves: a page names the core events that change what it
shows (``listens_to``); when one arrives (from this window, a job, or another process
through the change feed) a shown page refreshes shortly after, a hidden one when it is
next shown. Work that reads more than metadata runs with :meth:`Page.load_in_background`:
a quiet job whose progress is a thin bar under the page title, while the figures
already shown stay on screen. Nothing of this opens a dialog.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.core.base import access
from console.core.base import events as core_events
from console.core.base.workspace import Workspace
from console.gui import workers
from console.gui.events import bridge_for
from console.gui.style import icon
from console.gui.widgets.stat_tile import ElidedLabel

#: how long a page waits after an event before it refreshes (bursts become one refresh)
REFRESH_DELAY_MS = 250

_parts_later: list[bool] = []  # non-empty within parts_later()


@contextmanager
def parts_later() -> Iterator[None]:
    """Pages made within leave their :meth:`Page.build_later` parts for
    :meth:`Page.build_rest` (a page built ahead of its visit, one slice at a time)."""
    _parts_later.append(True)
    try:
        yield
    finally:
        _parts_later.pop()


class Page(QWidget):
    """A page shown in the main window's stack; subclasses fill ``self.body``.

    Every ``Page`` subclass in a module of :mod:`console.gui.pages` is shown, sorted by
    ``order``; the main window builds it with ``Page.create(window)``.
    """

    key: ClassVar[str]
    title: ClassVar[str]
    icon_name: ClassVar[str]
    order: ClassVar[int] = 100
    #: core events after which the page re-reads what it shows (see the module doc)
    listens_to: ClassVar[tuple[str, ...]] = ()

    #: emitted after the page changed stored state: the window refreshes every page
    changed = Signal()
    #: emitted to ask the window to show another page (by key)
    open_page = Signal(str)

    @classmethod
    def create(cls, window: Any) -> Page:
        """Build the page for ``window`` (a MainWindow); override to take more from it."""
        return cls(window.ws, window.user)

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.user = user
        self.setObjectName(f"page-{self.key}")

        heading = QLabel(self.title)
        heading.setProperty("role", "page-title")
        self.heading = heading
        self.subtitle = ElidedLabel("")  # one line; the whole text in its tooltip if cut
        self.subtitle.setProperty("role", "muted")
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(heading)
        titles.addWidget(self.subtitle)
        self.busy = self._busy_bar()
        busy_row = QHBoxLayout()
        busy_row.addWidget(self.busy, 1)
        busy_row.addStretch(2)
        titles.addLayout(busy_row)
        self._unbuilt: list[Callable[[], None]] = []
        self._loads: dict[str, workers.RunningJob] = {}
        self._again: dict[str, tuple[Any, ...]] = {}
        self._busy_keys: set[str] = set()
        self.stale = False
        self.closed = False
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        if self.listens_to:
            bridge_for(ws).listen(self.listens_to, self.on_event, owner=self)
        self._header_buttons: dict[QAction, QToolButton] = {}
        self.header_actions = QHBoxLayout()
        self.header_actions.setSpacing(8)
        header = QHBoxLayout()
        header.addLayout(titles, 1)
        header.addLayout(self.header_actions)

        self.body = QVBoxLayout()
        self.scroll = self._scrolling_body(self.body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 18, 24, 18)
        outer.setSpacing(16)
        outer.addLayout(header)
        outer.addWidget(self.scroll, 1)

    @staticmethod
    def _scrolling_body(body: QVBoxLayout) -> QScrollArea:
        """The body scrolls when the window is smaller than what it needs, so nothing in
        it is ever squeezed (clipped) below its own minimum size."""
        content = QWidget()
        content.setObjectName("page-content")
        content.setLayout(body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(14)
        scroll = QScrollArea()
        scroll.setObjectName("page-scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        scroll.viewport().setAutoFillBackground(False)
        content.setAutoFillBackground(False)
        return scroll

    def _busy_bar(self) -> QProgressBar:
        """The thin bar under the title that shows a background refresh."""
        busy = QProgressBar()
        busy.setObjectName("page-busy")
        busy.setRange(0, 100)
        busy.setTextVisible(False)
        busy.setFixedHeight(3)
        keep = busy.sizePolicy()
        keep.setRetainSizeWhenHidden(True)  # the header does not jump when it shows
        busy.setSizePolicy(keep)
        busy.setToolTip("Updating in the background; the figures shown stay until then")
        busy.hide()
        return busy

    def page_action(
        self, text: str, icon_name: str, shortcut: str, slot: Any, *, needs: str | None = None
    ) -> QAction:
        """An action of this page: its shortcut works while the page is shown; with
        ``needs`` (an access action) it is disabled, with a reason, for roles without it."""
        action = QAction(icon(icon_name), text, self)
        action.setIconText(text)  # buttons keep the "…" that says a dialog follows
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{text.rstrip('…')} ({shortcut})")
        action.triggered.connect(slot)
        if needs is not None:
            role = self.ws.role_of(self.user)
            if not access.allowed(role, needs):
                action.setEnabled(False)
                roles = " or ".join(sorted(access.ACTIONS[needs]))
                action.setToolTip(f"Needs the {roles} role; {self.user} is {role}.")
        self.addAction(action)
        return action

    def add_header_button(self, action: QAction) -> QToolButton:
        """Show ``action`` as a button in the page header."""
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setProperty("role", "button")
        self.header_actions.addWidget(button)
        self._header_buttons[action] = button
        return button

    def header_action(
        self,
        text: str,
        icon_name: str,
        shortcut: str,
        slot: Any,
        *,
        needs: str | None = None,
        checkable: bool = False,
    ) -> QAction:
        """A page action shown as a header button: the one way pages make their actions.

        Enable, disable or check the *action*; its button and shortcut follow.
        """
        action = self.page_action(text, icon_name, shortcut, slot, needs=needs)
        action.setCheckable(checkable)
        self.add_header_button(action)
        return action

    def button_for(self, action: QAction) -> QToolButton:
        """The header button that shows ``action`` (for tests and focus)."""
        return self._header_buttons[action]

    def build_later(self, part: Callable[[], None]) -> None:
        """A costly part of the page's making (a plot, say): made at once, or, while the
        window builds the page ahead of its visit (:func:`parts_later`), in a slice of
        work of its own by :meth:`build_rest`, before anything reads or shows the page."""
        if _parts_later:
            self._unbuilt.append(part)
        else:
            part()

    def part(self, make: Callable[[], QWidget]) -> QWidget:
        """A costly widget of the page (a plot), for its layout: ``make()`` now, or, while
        the window builds the page ahead of its visit, in a slice of work of its own
        (:meth:`build_later`) into the place returned here. A pyqtgraph plot takes
        10-20 ms to make: a page of three made in one slice kept the window late."""
        if not _parts_later:
            return make()
        place = QWidget()
        box = QVBoxLayout(place)
        box.setContentsMargins(0, 0, 0, 0)
        self.build_later(lambda: box.addWidget(make()))
        return place

    def build_rest(self, parts: int | None = None) -> None:
        """Make the parts left for later: all of them, or the next ``parts``."""
        for _ in range(len(self._unbuilt) if parts is None else parts):
            if not self._unbuilt:
                return
            self._unbuilt.pop(0)()

    def parts_left(self) -> int:
        return len(self._unbuilt)

    def refresh(self) -> None:
        """Re-read what the page shows from the workspace (keep it fast: metadata, or
        :meth:`load_in_background`). The window calls it on F5."""

    # ------------------------------------------------------------------ staying current
    def on_event(self, event: core_events.Event) -> None:
        """One of ``listens_to`` happened: refresh soon (override to refresh less)."""
        self.refresh_soon()

    def refresh_soon(self) -> None:
        """Refresh shortly if shown (a burst of events makes one refresh), else when
        next shown."""
        if self.closed:
            return
        if self.isVisible():
            self._refresh_timer.start()
        else:
            self.stale = True

    def showEvent(self, event: QShowEvent) -> None:
        self.build_rest()  # (the window does this before it shows a page)
        super().showEvent(event)
        if self.stale:
            self.stale = False
            self.refresh()

    def load_in_background(
        self,
        title: str,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None],
        key: str = "load",
        show_busy: bool = True,
        **kwargs: Any,
    ) -> workers.RunningJob | None:
        """Run ``fn(*args, ctx=..., **kwargs)`` as a quiet job: no dialog, a thin bar
        in the header (unless ``show_busy`` is False: a poll), the figures shown stay.
        One load per ``key`` at a time; a load asked for meanwhile runs once the current
        one ends. Returns the job started."""
        if self.closed:
            return None
        if key in self._loads:
            self._again[key] = (title, fn, args, on_done, {**kwargs, "show_busy": show_busy})
            return None
        job = workers.run_job(
            self, title, fn, *args, on_done=on_done, on_error=self._load_failed, quiet=True,
            **kwargs,
        )  # fmt: skip
        self._loads[key] = job
        job.ended.connect(lambda _outcome, k=key: self._load_ended(k))
        if show_busy:
            self._busy_keys.add(key)
            job.progressed.connect(self._load_progressed)
            self.busy.setValue(0)
            self.busy.show()
        return job

    def shut_down(self) -> None:
        """The window closes: no more refreshes; background loads are dropped."""
        self.closed = True
        self._refresh_timer.stop()
        self._again.clear()
        for job in list(self._loads.values()):
            job.detach()

    def loading(self) -> bool:
        """True while a background load of this page runs."""
        return bool(self._loads)

    def _load_progressed(self, fraction: float, _message: str) -> None:
        self.busy.setValue(int(fraction * 100))

    def _load_ended(self, key: str) -> None:
        self._loads.pop(key, None)
        self._busy_keys.discard(key)
        again = self._again.pop(key, None)
        if again is not None:
            title, fn, args, on_done, kwargs = again
            self.load_in_background(title, fn, *args, on_done=on_done, key=key, **kwargs)
        if not self._busy_keys:
            self.busy.hide()

    def _load_failed(self, exc: BaseException) -> None:
        text = workers.describe_error(exc)[0]
        self.subtitle.setText(f"Could not update: {text} (showing the last figures)")
