"""What a page's place in the window shows until the page is built."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QLabel, QWidget


class StandIn(QLabel):
    """ "Loading <page>…", centred; says when it is first painted, so that the window can
    build the page once the operator already sees the window."""

    first_paint = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Loading {title}…", parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setEnabled(False)  # drawn in the disabled text colour
        self._painted = False

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_paint.emit()
