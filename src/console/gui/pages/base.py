"""What every page of the main window has: a key, a title, an icon, a header, refresh()."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console.core.workspace import Workspace


class Page(QWidget):
    """A page shown in the main window's stack; subclasses fill ``self.body``.

    Every ``Page`` subclass in a module of :mod:`console.gui.pages` is shown, sorted by
    ``order``; the main window builds it with ``Page.create(window)``.
    """

    key: ClassVar[str]
    title: ClassVar[str]
    icon_name: ClassVar[str]
    order: ClassVar[int] = 100

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
        self.subtitle = QLabel("")
        self.subtitle.setProperty("role", "muted")
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(heading)
        titles.addWidget(self.subtitle)
        self.header_actions = QHBoxLayout()
        self.header_actions.setSpacing(8)
        header = QHBoxLayout()
        header.addLayout(titles, 1)
        header.addLayout(self.header_actions)

        self.body = QVBoxLayout()
        self.body.setSpacing(14)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 18, 24, 18)
        outer.setSpacing(16)
        outer.addLayout(header)
        outer.addLayout(self.body, 1)

    def refresh(self) -> None:
        """Re-read what the page shows from the workspace (keep it fast: metadata, or
        start a job). The window calls it on F5 and after any page's ``changed``."""
