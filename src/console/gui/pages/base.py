"""What every page of the main window has: a key, a title, an icon, a header, refresh()."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from console.core.base import access
from console.core.base.workspace import Workspace
from console.gui.style import icon


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
        self._header_buttons: dict[QAction, QToolButton] = {}
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

    def refresh(self) -> None:
        """Re-read what the page shows from the workspace (keep it fast: metadata, or
        start a job). The window calls it on F5 and after any page's ``changed``."""
