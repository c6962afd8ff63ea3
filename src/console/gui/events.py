"""The GUI side of the core's event stream: core events re-posted to the GUI thread.

An :class:`EventBridge` (one per open workspace window) subscribes to every core event
of its workspace, whatever thread published it, and re-posts it to the GUI thread
(a queued signal), where it calls the pages that listen to that event's name. A
poller thread (never the GUI thread) runs :class:`console.core.base.changes.ChangeFeed`
about once a second, so a change made by another process (``console check`` from a
shell, cron, the scoring service logging its predictions) reaches the pages as
``external_change`` and, through its ``changed`` list, as the events it stands for.

Pages call :func:`bridge_for` and :meth:`EventBridge.listen`; the main window starts
and stops the poller.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, Qt, Signal

from console.core.base import events
from console.core.base.changes import ChangeFeed
from console.core.base.workspace import Workspace

log = logging.getLogger("console.gui")

POLL_SECONDS = 1.0
_BRIDGES: dict[str, EventBridge] = {}

Handler = Callable[[events.Event], None]


class EventBridge(QObject):
    """Core events of one workspace, delivered on the GUI thread."""

    #: a core event, emitted from any thread, delivered queued to the GUI thread
    posted = Signal(object)
    #: after every delivery on the GUI thread (tests wait on it)
    delivered = Signal(object)

    def __init__(self, ws: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.root = str(ws.root)
        self._handlers: dict[str, list[Handler]] = {}
        self.posted.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = events.subscribe("*", self._arrived)
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self.feed: ChangeFeed | None = None

    # ------------------------------------------------------------------ listening
    def listen(self, names: Iterable[str], handler: Handler, owner: QObject | None = None) -> None:
        """Call ``handler(event)`` on the GUI thread for each event named (``"*"``: all),
        until ``owner`` (the listening widget) is destroyed.

        An ``external_change`` also counts as each event in its ``changed`` list.
        """
        names = list(names)
        for name in names:
            if name != "*" and name not in events.NAMES:
                raise ValueError(f"unknown event {name!r}")
            self._handlers.setdefault(name, []).append(handler)
        if owner is not None:
            owner.destroyed.connect(lambda *_: self.forget(handler))

    def forget(self, handler: Handler) -> None:
        """Stop calling ``handler``."""
        for found in self._handlers.values():
            while handler in found:
                found.remove(handler)

    def _arrived(self, event: events.Event) -> None:  # any thread
        if event.workspace == self.root:
            self.posted.emit(event)

    def _deliver(self, event: events.Event) -> None:  # GUI thread
        names = {event.name, "*"}
        if event.name == "external_change":
            names.update(str(n) for n in event.details.get("changed", []))
        called: list[Handler] = []
        for name in names:
            for handler in self._handlers.get(name, []):
                if handler in called:  # one call per event, however many names match
                    continue
                called.append(handler)
                try:
                    handler(event)
                except Exception:
                    log.exception("handler for %s failed", event.name)
        self.delivered.emit(event)

    # ------------------------------------------------------------------ polling
    def start_polling(self, every: float = POLL_SECONDS) -> None:
        """Notice other processes' changes from a thread of its own."""
        if self._poller is not None:
            return
        self._stop.clear()
        self.feed = ChangeFeed(self.ws)
        self._poller = threading.Thread(
            target=self._poll, args=(every,), name="console-change-feed", daemon=True
        )
        self._poller.start()

    def _poll(self, every: float) -> None:
        feed = self.feed
        assert feed is not None
        while not self._stop.is_set():
            try:
                feed.poll()  # publishes external_change, which comes back through _arrived
            except Exception:  # a locked or vanished database: try again next time
                log.debug("change feed poll failed", exc_info=True)
            self._stop.wait(every)

    def poll_now(self) -> None:
        """One poll on the calling thread (tests; the poller thread does this itself)."""
        if self.feed is None:
            self.feed = ChangeFeed(self.ws)
        self.feed.poll()

    def close(self) -> None:
        """Stop polling and listening (the window closes)."""
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=5)
            self._poller = None
        if self.feed is not None:
            self.feed.close()
            self.feed = None
        self._unsubscribe()
        self._handlers.clear()
        if _BRIDGES.get(self.root) is self:
            del _BRIDGES[self.root]


def bridge_for(ws: Workspace) -> EventBridge:
    """The bridge of ``ws``'s window (made on first use, without a poller)."""
    root = str(ws.root)
    bridge = _BRIDGES.get(root)
    if bridge is None:
        bridge = _BRIDGES[root] = EventBridge(ws)
    return bridge
